/**
 * What provenance needs to know about a producer script, now: its registry status (the annotations file,
 * else deprecated by name or place, else active; unregistered when the registry does not cover it), what
 * replaced it, its known bugs, and its digest. A script with the same bytes as a deprecated one (a copy, a
 * link under another name) is that deprecated script. Read straight from the annotations file and the file
 * system, so `run` and `verify` never wait for a registry sync.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import picomatch from 'picomatch';

import { extractMakeFacts, extractShellFacts, languageForPath } from '../analysis/launch/index.js';
import { pathDeprecation } from '../core/deprecation.js';
import { toPosix } from '../core/paths.js';
import type { Config } from '../schemas/config.js';
import type { KnownBug } from '../schemas/registry.js';
import type { Producer } from '../schemas/stamp.js';
import { loadAnnotations, type LoadedAnnotations } from '../registry/annotations.js';
import { registeredFiles } from '../registry/files.js';
import { sha256File } from './hash.js';

export interface ProducerFacts {
  path: string;
  exists: boolean;
  /** The file exists only as `<path>.DEPRECATED`. */
  renamedDeprecated: boolean;
  sha256: string | null;
  status: Producer['status'];
  /** Why it is deprecated, when it is. */
  reason: string | null;
  replacedBy: string | null;
  bugs: KnownBug[];
  /** The deprecated script with the same bytes, when the script is not deprecated under its own name. */
  sameAs: string | null;
}

export interface ProducerLookup {
  facts(rel: string): ProducerFacts;
  /** The sha256 of a project file now, or null when it is gone (memoised: modules are shared by stamps). */
  digest(rel: string): string | null;
}

export interface LookupOptions {
  /**
   * Where twins by content are looked for: every deprecated file of the registry (a walk of the tree, what
   * `run` and the planner do before anything runs), or only those the annotations file names (`verify`,
   * which must stay fast over thousands of stamps; a copy of a file retired by its name or place was
   * already caught when it ran).
   */
  twins?: 'registry' | 'annotated';
}

export async function producerLookup(root: string, config: Config, options: LookupOptions = {}): Promise<ProducerLookup> {
  const annotations: LoadedAnnotations = await loadAnnotations(root, config.registry.annotations);
  const deprecated = pathDeprecation(config.deprecatedPaths);
  const registered = picomatch(config.registry.include, { dot: true });
  const memo = new Map<string, ProducerFacts>();
  const digests = new Map<string, string | null>();
  const digest = (rel: string): string | null => {
    if (!digests.has(rel)) {
      const abs = path.join(root, rel);
      digests.set(rel, existsSync(abs) && statSync(abs).isFile() ? sha256File(abs) : null);
    }
    return digests.get(rel) ?? null;
  };
  let retired: { path: string; size: number }[] | undefined;
  // the deprecated files of the registry, listed once and hashed only when a script has their size
  const twinOf = (rel: string, sha256: string): string | null => {
    retired ??= options.twins === 'annotated'
      ? Object.entries(annotations.data.files).flatMap(([p, note]) => {
          const abs = path.join(root, p);
          return note.status === 'deprecated' && !p.split('/').includes('..') && existsSync(abs) && statSync(abs).isFile() ? [{ path: p, size: statSync(abs).size }] : [];
        })
      : registeredFiles(root, config).files
          .filter((f) => deprecated(f.path) !== null || annotations.data.files[f.path]?.status === 'deprecated')
          .map((f) => ({ path: f.path, size: f.size }));
    const size = statSync(path.join(root, rel)).size;
    return retired.find((f) => f.path !== rel && f.size === size && digest(f.path) === sha256)?.path ?? null;
  };
  const facts = (rel: string): ProducerFacts => {
    const known = memo.get(rel);
    if (known) return known;
    const abs = path.join(root, rel);
    const exists = existsSync(abs);
    const renamedDeprecated = !exists && existsSync(`${abs}.DEPRECATED`);
    const note = annotations.data.files[rel] ?? (renamedDeprecated ? annotations.data.files[`${rel}.DEPRECATED`] : undefined);
    const byPlace = renamedDeprecated ? 'it was renamed `.DEPRECATED`' : deprecated(rel);
    let status: Producer['status'] = note?.status ?? (byPlace ? 'deprecated' : registered(rel) ? 'active' : 'unregistered');
    if (byPlace && status !== 'deprecated') status = 'deprecated';
    const sha256 = exists ? digest(rel) : null;
    let reason = status === 'deprecated' ? (note?.reason ?? byPlace ?? 'marked deprecated in the registry') : null;
    let replacedBy = note?.replaced_by ?? null;
    const sameAs = status !== 'deprecated' && sha256 ? twinOf(rel, sha256) : null;
    if (sameAs) {
      const twin = facts(sameAs);
      status = 'deprecated';
      reason = `it has the same bytes as ${sameAs}, which is deprecated (${twin.reason ?? 'marked deprecated'})`;
      replacedBy ??= twin.replacedBy;
    }
    const found: ProducerFacts = { path: rel, exists, renamedDeprecated, sha256, status, reason, replacedBy, bugs: note?.bugs ?? [], sameAs };
    memo.set(rel, found);
    return found;
  };
  return { digest, facts };
}

const INTERPRETERS = /^(python[0-9.]*|pypy[0-9.]*|bash|sh|zsh|node|tsx|ts-node|bun|deno|Rscript|perl|ruby)$/;
const SCRIPT = /\.(py|sh|bash|js|mjs|cjs|ts|mts|R|pl|rb)$/;

/**
 * The script a command line runs, relative to the root, or null: the first script argument after an
 * interpreter (`python -u scripts/x.py`, `python -m pkg.mod`, `bash run.sh`, `npx tsx gen.ts`), or the
 * command itself when it is a file in the project.
 */
export function producerOf(argv: readonly string[], root: string, cwd: string): string | null {
  const words = [...argv];
  if (words[0] && /^(npx|uv|poetry|pipenv|conda)$/.test(path.basename(words[0]))) {
    words.shift();
    while (words[0] && (words[0] === 'run' || words[0].startsWith('-'))) words.shift();
  }
  const first = words[0];
  if (!first) return null;
  const inRoot = (p: string): string | null => {
    const abs = path.resolve(cwd, p);
    const rel = path.relative(root, abs);
    return rel.startsWith('..') || path.isAbsolute(rel) ? null : rel.split(path.sep).join('/');
  };
  if (INTERPRETERS.test(path.basename(first))) {
    for (let i = 1; i < words.length; i++) {
      const word = words[i] ?? '';
      if (word === '-m' && words[i + 1]) return moduleFile(words[i + 1] ?? '', root, cwd, inRoot);
      if (word === '-c') return null;
      if (word.startsWith('-')) continue;
      return SCRIPT.test(word) || existsSync(path.resolve(cwd, word)) ? inRoot(word) : null;
    }
    return null;
  }
  return (first.includes('/') || SCRIPT.test(first)) && existsSync(path.resolve(cwd, first)) ? inRoot(first) : null;
}

function moduleFile(name: string, root: string, cwd: string, inRoot: (p: string) => string | null): string | null {
  const rel = name.split('.').join('/');
  for (const base of [cwd, root]) {
    for (const candidate of [`${rel}.py`, `${rel}/__main__.py`]) {
      if (existsSync(path.join(base, candidate))) return inRoot(path.join(base, candidate));
    }
  }
  return null;
}

/** What a command line runs, as far as provenant can tell. */
export interface ResolvedProducer {
  /** The one project script (or notebook) that made the outputs, root-relative, or null. */
  path: string | null;
  /** Every project script the command runs (a launcher may run several); `path` is among them when set. */
  scripts: string[];
  /** Why no single producer is named, when none is. */
  unknown: string | null;
  /** The launcher the producer was found through (a shell script, a Makefile): part of its code too. */
  via?: string;
}

const NOTEBOOK_RUNNERS: Record<string, (args: readonly string[]) => string | undefined> = {
  // jupyter nbconvert --execute NB, jupyter execute NB
  jupyter: (args) => (args[0] === 'nbconvert' || args[0] === 'execute' ? args.slice(1).find((a) => a.endsWith('.ipynb')) : undefined),
  // papermill IN OUT: the input notebook is the code, the output is what it made
  papermill: (args) => args.find((a) => a.endsWith('.ipynb')),
};

/**
 * The producer of a command line: an interpreter's script (`python -u x.py`, `python -m pkg.mod`), a
 * notebook run by jupyter or papermill, else whatever the shell launcher front end finds the command
 * running (`bash -c "…"`, `sh -c "cd x && python y.py"`, `env A=1 …`, `uv run …`, a `make` target's
 * recipes). More than one script, or none, leaves the producer unknown, with the reason.
 */
export function resolveProducer(argv: readonly string[], root: string, cwd: string): ResolvedProducer {
  const inRoot = (p: string): string | null => {
    const rel = path.relative(root, path.resolve(cwd, p));
    return rel.startsWith('..') || path.isAbsolute(rel) ? null : toPosix(rel);
  };
  const notebook = NOTEBOOK_RUNNERS[path.basename(argv[0] ?? '')]?.(argv.slice(1));
  const notebookRel = notebook && existsSync(path.resolve(cwd, notebook)) ? inRoot(notebook) : null;
  if (notebookRel) return { path: notebookRel, scripts: [notebookRel], unknown: null };
  const direct = producerOf(argv, root, cwd);
  if (direct && languageForPath(direct) === 'shell' && existsSync(path.join(root, direct))) {
    // a launcher script: what it runs is the producer, the launcher is part of its code
    const inner = existing(root, extractShellFacts(readFileSync(path.join(root, direct), 'utf8'), direct).scriptCalls.map((c) => c.candidates));
    if (inner.length === 1) return { path: inner[0] ?? null, scripts: inner, unknown: null, via: direct };
    return { path: direct, scripts: [direct, ...inner], unknown: null };
  }
  if (direct) return { path: direct, scripts: [direct], unknown: null };

  const here = inRoot('.') ?? '';
  const program = path.basename(argv[0] ?? '');
  let candidates: string[][];
  let via: string | undefined;
  if (program === 'make' || program === 'gmake') {
    const makefile = makefileOf(argv, cwd);
    if (!makefile) return { path: null, scripts: [], unknown: `${argv.join(' ')}: no Makefile found to read its recipes` };
    const rel = inRoot(makefile) ?? path.basename(makefile);
    const source = readFileSync(makefile, 'utf8');
    const lines = recipeLines(source, makeGoals(argv));
    candidates = extractMakeFacts(source, rel).scriptCalls.filter((c) => lines.has(c.span.line)).map((c) => c.candidates);
    via = inRoot(makefile) ?? undefined;
  } else {
    const line = argv.map(shellQuote).join(' ');
    candidates = extractShellFacts(line, here ? `${here}/provenant-run.sh` : 'provenant-run.sh').scriptCalls.map((c) => c.candidates);
  }
  const scripts = existing(root, candidates);
  if (scripts.length === 1) return { path: scripts[0] ?? null, scripts, unknown: null, ...(via ? { via } : {}) };
  if (scripts.length > 1) return { path: null, scripts, unknown: `the command runs several project scripts (${scripts.join(', ')}); none is named the producer` };
  return { path: null, scripts, unknown: `${argv[0] ?? ''} is not a project script, and no project script is found in the command` };
}

/** For each call, the first candidate that is a file of the project; each script once. */
function existing(root: string, candidates: readonly (readonly string[])[]): string[] {
  return [...new Set(candidates.map((list) => list.find((c) => existsSync(path.join(root, c)))).filter((c): c is string => c !== undefined))];
}

/** The goals a make command line names (words that are not options, option values or variable settings). */
function makeGoals(argv: readonly string[]): string[] {
  const goals: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (/^-[CfIWo]$|^--(directory|file|makefile|include-dir|what-if|old-file)$/.test(word)) i++;
    else if (!word.startsWith('-') && !word.includes('=')) goals.push(word);
  }
  return goals;
}

/**
 * The 1-based lines of the recipes make would run for `goals` (the first rule when none is named), with
 * the recipes of their prerequisites that are rules of the same Makefile: a Makefile's other targets run
 * other scripts, and are not what this command made.
 */
function recipeLines(source: string, goals: readonly string[]): Set<number> {
  const rules = new Map<string, { prerequisites: string[]; lines: number[] }>();
  let first: string | null = null;
  let current: { prerequisites: string[]; lines: number[] }[] = [];
  source.split(/\r?\n/).forEach((line, i) => {
    if (line.startsWith('\t')) {
      for (const rule of current) rule.lines.push(i + 1);
      return;
    }
    const rule = /^([^\s#:=][^:=]*?)\s*::?(?![=])\s*([^;#]*)/.exec(line);
    if (!rule || /^\s*[^\s:]+\s*(?::=|\?=|\+=|!=|=)/.test(line)) {
      if (line.trim() !== '' && !line.trimStart().startsWith('#')) current = [];
      return;
    }
    current = [];
    const prerequisites = (rule[2] ?? '').split(/\s+/).filter(Boolean);
    for (const target of (rule[1] ?? '').split(/\s+/).filter(Boolean)) {
      const entry = rules.get(target) ?? { prerequisites: [], lines: [] };
      entry.prerequisites.push(...prerequisites);
      rules.set(target, entry);
      current.push(entry);
      // `target: prerequisites ; recipe` — the recipe is on the rule's own line
      if (/^[^;#]*:[^;#]*;/.test(line)) entry.lines.push(i + 1);
      if (first === null && !target.startsWith('.') && !target.includes('%')) first = target;
    }
  });
  const out = new Set<number>();
  const seen = new Set<string>();
  const queue = goals.length ? [...goals] : first !== null ? [first] : [];
  for (let goal = queue.shift(); goal !== undefined; goal = queue.shift()) {
    if (seen.has(goal)) continue;
    seen.add(goal);
    const rule = rules.get(goal);
    if (!rule) continue;
    for (const line of rule.lines) out.add(line);
    queue.push(...rule.prerequisites);
  }
  return out;
}

function makefileOf(argv: readonly string[], cwd: string): string | null {
  let dir = cwd;
  let named: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if ((word === '-C' || word === '--directory') && argv[i + 1]) dir = path.resolve(dir, argv[++i] ?? '');
    else if ((word === '-f' || word === '--file' || word === '--makefile') && argv[i + 1]) named = argv[++i] ?? null;
  }
  if (named) return existsSync(path.resolve(dir, named)) ? path.resolve(dir, named) : null;
  for (const name of ['GNUmakefile', 'makefile', 'Makefile']) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  return null;
}

/** A word as a POSIX shell reads it back: single-quoted unless it is plain. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
