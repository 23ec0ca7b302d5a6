/**
 * From parts to entries: imports and script calls resolved to registered files, dependents as their
 * inverse, status and human fields from the annotations, git facts. Runs over all parts on every sync
 * (cheap: no file is read), since a file's dependents and resolutions change when other files do.
 */
import { pathDeprecation } from '../core/deprecation.js';
import type { Config } from '../schemas/config.js';
import type { Annotation, AnnotationsFile, Dependent, GitFacts, RegistryEntry, Status } from '../schemas/registry.js';
import { DEPRECATED_SUFFIX } from './files.js';
import { firstSentence, type FilePart, type ImportPart } from './part.js';

export interface PartOf {
  path: string;
  part: FilePart;
}

export interface StaleAnnotation {
  /** The annotated path (the key in the annotations file). */
  path: string;
  /** Its line in the annotations file, when known. */
  line: number | null;
  /** What is missing: the file itself, or the `replaced_by` target. */
  missing: 'file' | 'replaced_by';
  target: string;
}

export interface ResolveInput {
  parts: PartOf[];
  /** Every file under the root (to tell a stale annotation from an unregistered file). */
  all: ReadonlySet<string>;
  annotations: AnnotationsFile;
  lineOf(path: string): number | null;
  git: ReadonlyMap<string, GitFacts> | null;
  config: Config;
}

function dirOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

function join(dir: string, rel: string): string {
  return dir ? `${dir}/${rel}` : rel;
}

/** The importing file's folder, each folder above it, then the root: where `sys.path` tricks look. */
function searchBases(importer: string): string[] {
  const bases: string[] = [];
  for (let dir = dirOf(importer); dir; dir = dirOf(dir)) bases.push(dir);
  bases.push('');
  return bases;
}

/** Candidate files of a Python import, most specific first (`from pkg import mod` → `pkg/mod.py`). */
export function pythonImportCandidates(importer: string, imp: ImportPart): string[] {
  const modulePath = imp.module ? imp.module.split('.').join('/') : '';
  let bases: string[];
  if (imp.level > 0) {
    let dir = dirOf(importer);
    for (let i = 1; i < imp.level; i++) dir = dirOf(dir);
    bases = [dir];
  } else {
    bases = searchBases(importer);
  }
  const out: string[] = [];
  for (const base of bases) {
    const mod = modulePath ? join(base, modulePath) : base;
    if (imp.name && imp.name !== '*') out.push(join(mod, `${imp.name}.py`), join(mod, `${imp.name}/__init__.py`));
    if (modulePath) out.push(`${mod}.py`, join(mod, '__init__.py'));
    else if (imp.level > 0) out.push(join(base, '__init__.py'));
  }
  return out;
}

interface Resolver {
  /** The registered file a candidate list denotes, or null. */
  first(candidates: readonly string[]): string | null;
}

/**
 * Existing registered files win; a script kept under `.DEPRECATED` still answers to its old name, so a
 * launcher that still runs it is caught rather than reported as calling nothing.
 */
function resolverFor(registered: ReadonlySet<string>): Resolver {
  return {
    first(candidates) {
      for (const c of candidates) if (registered.has(c)) return c;
      for (const c of candidates) if (registered.has(c + DEPRECATED_SUFFIX)) return c + DEPRECATED_SUFFIX;
      return null;
    },
  };
}

function statusOf(path: string, annotation: Annotation | undefined, deprecatedByPath: boolean): { status: Status; source: RegistryEntry['statusSource'] } {
  // a `.DEPRECATED` name is a fact about the file, whatever the annotations say
  if (path.endsWith(DEPRECATED_SUFFIX)) return { status: 'deprecated', source: 'path' };
  if (annotation?.status) return { status: annotation.status, source: 'annotation' };
  if (deprecatedByPath) return { status: 'deprecated', source: 'path' };
  return { status: 'active', source: 'default' };
}

function kindOf(part: FilePart): RegistryEntry['kind'] {
  if (part.language === 'shell' || part.language === 'make' || part.language === 'yaml') return 'launcher';
  // a notebook is run, never imported
  if (part.language === 'notebook') return 'script';
  return part.mainGuard || part.cli ? 'script' : 'module';
}

const byPathThenLine = (a: Dependent, b: Dependent): number =>
  (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.line - b.line || (a.via < b.via ? -1 : a.via > b.via ? 1 : 0);

interface Edges {
  imports: Map<string, Set<string>>;
  runs: Map<string, Set<string>>;
  dependents: Map<string, Dependent[]>;
}

function edgesOf(parts: readonly PartOf[], resolver: Resolver): Edges {
  const edges: Edges = { imports: new Map(), runs: new Map(), dependents: new Map() };
  // a widely used module has thousands of dependents: each one is checked against a set, not the list
  const seen = new Set<string>();
  const depend = (target: string, dependent: Dependent): void => {
    const key = `${target}\0${dependent.path}\0${dependent.line}\0${dependent.via}`;
    if (seen.has(key)) return;
    seen.add(key);
    const list = edges.dependents.get(target);
    if (list) list.push(dependent);
    else edges.dependents.set(target, [dependent]);
  };
  for (const { path, part } of parts) {
    const imports = new Set<string>();
    const runs = new Set<string>();
    for (const imp of part.imports) {
      const target = resolver.first(imp.candidates ?? pythonImportCandidates(path, imp));
      if (target === null || target === path) continue;
      imports.add(target);
      depend(target, { path, via: 'import', line: imp.line, ...(imp.cell && { cell: imp.cell }) });
    }
    for (const run of part.runs) {
      const target = resolver.first(run.candidates);
      if (target === null || target === path) continue;
      runs.add(target);
      depend(target, { path, via: run.via, line: run.line, ...(run.cell && { cell: run.cell }) });
    }
    edges.imports.set(path, imports);
    edges.runs.set(path, runs);
  }
  return edges;
}

function entryOf(path: string, part: FilePart, edges: Edges, input: ResolveInput, deprecatedBy: (p: string) => string | null): RegistryEntry {
  const annotation = input.annotations.files[path];
  const { status, source } = statusOf(path, annotation, deprecatedBy(path) !== null);
  const docPurpose = firstSentence(part.docstring);
  const purpose = annotation?.purpose ?? docPurpose;
  return {
    path,
    language: part.language,
    kind: kindOf(part),
    purpose,
    purposeSource: annotation?.purpose ? 'annotation' : docPurpose ? 'docstring' : null,
    docstring: part.docstring,
    entryPoint: kindOf(part) !== 'module',
    cli: part.cli,
    defs: part.defs,
    imports: [...(edges.imports.get(path) ?? [])].sort(),
    runs: [...(edges.runs.get(path) ?? [])].sort(),
    dependents: [...(edges.dependents.get(path) ?? [])].sort(byPathThenLine),
    reads: part.reads,
    writes: part.writes,
    git: input.git?.get(path) ?? null,
    status,
    statusSource: source,
    canonicalFor: annotation?.canonical_for ?? [],
    replacedBy: annotation?.replaced_by ?? null,
    reason: annotation?.reason ?? null,
    owner: annotation?.owner ?? null,
    notes: annotation?.notes ?? null,
    bugs: annotation?.bugs ?? [],
    parseErrors: part.parseErrors,
  };
}

/** Annotations about files that are gone, or that name a replacement that is gone. */
function staleAnnotations(input: ResolveInput): StaleAnnotation[] {
  const stale: StaleAnnotation[] = [];
  for (const [path, annotation] of Object.entries(input.annotations.files)) {
    const line = input.lineOf(path);
    if (!input.all.has(path)) stale.push({ path, line, missing: 'file', target: path });
    const replacement = annotation.replaced_by;
    if (replacement !== undefined && !input.all.has(replacement)) stale.push({ path, line, missing: 'replaced_by', target: replacement });
  }
  return stale.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || (a.missing < b.missing ? -1 : 1));
}

export function resolveEntries(input: ResolveInput): { entries: RegistryEntry[]; stale: StaleAnnotation[] } {
  const registered = new Set(input.parts.map((p) => p.path));
  const edges = edgesOf(input.parts, resolverFor(registered));
  const deprecatedBy = pathDeprecation(input.config.deprecatedPaths);
  const entries = input.parts.map(({ path, part }) => entryOf(path, part, edges, input, deprecatedBy));
  return { entries, stale: staleAnnotations(input) };
}
