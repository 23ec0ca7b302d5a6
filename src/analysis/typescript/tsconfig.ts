/**
 * The project's tsconfig.json (or jsconfig.json) as the TS/JS facts need it: `baseUrl` and `paths`, so
 * an aliased import (`@/llm/loader`) resolves to the repo file it names, for rules (a sanctioned loader
 * imported through an alias) as for relative imports. Read without the compiler (JSON with comments and
 * trailing commas), following relative `extends`. A config that cannot be read leaves the default
 * options and a warning naming the file and line. Facts stay cached by content alone: aliases are
 * applied to them after the cache (`applyAliases`).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FileFacts } from '../facts.js';
import { importCandidates, moduleQname } from './paths.js';

export interface ScriptOptions {
  /** `paths` patterns (at most one `*` each) and their targets, repo-relative, in declaration order. */
  paths: { pattern: string; targets: string[] }[];
}

export const DEFAULT_SCRIPT_OPTIONS: ScriptOptions = { paths: [] };

const CONFIG_FILES = ['tsconfig.json', 'jsconfig.json'];
const MAX_EXTENDS = 8;

/** JSON with comments and trailing commas → JSON, every offset kept (comments become blanks). */
export function stripJsonc(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop - 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop - 1;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, ' $1');
}

class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

interface RawConfig {
  extends?: unknown;
  compilerOptions?: { baseUrl?: unknown; paths?: unknown };
}

function readConfig(abs: string, rel: string): RawConfig {
  const text = readFileSync(abs, 'utf8');
  const json = stripJsonc(text.replace(/^\uFEFF/, ''));
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message)?.[1];
    throw new ConfigError(rel, at === undefined ? 1 : lineAt(json, Number(at)), message.replace(/ in JSON at position \d+.*$/, ''));
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(rel, 1, 'expected a JSON object');
  return parsed as RawConfig;
}

/** The effective `baseUrl` and `paths` of one config and the configs it extends (nearest wins). */
function resolveConfig(root: string, rel: string, depth: number): { baseUrl: string | null; paths: Record<string, unknown> | null; dir: string } {
  const raw = readConfig(path.join(root, rel), rel);
  const dir = path.posix.dirname(rel);
  let inherited: { baseUrl: string | null; paths: Record<string, unknown> | null; dir: string } = { baseUrl: null, paths: null, dir };
  const parents = typeof raw.extends === 'string' ? [raw.extends] : Array.isArray(raw.extends) ? raw.extends : [];
  for (const parent of parents) {
    // packages (`@tsconfig/node20`) rarely set paths; only configs inside the project are followed
    if (typeof parent !== 'string' || !parent.startsWith('.') || depth >= MAX_EXTENDS) continue;
    const target = path.posix.normalize(path.posix.join(dir, parent.endsWith('.json') ? parent : `${parent}.json`));
    if (target.startsWith('../') || !existsSync(path.join(root, target))) {
      throw new ConfigError(rel, 1, `\`extends\` names ${parent}, which is not a file in the project`);
    }
    inherited = { ...inherited, ...pick(resolveConfig(root, target, depth + 1)) };
  }
  const options = raw.compilerOptions ?? {};
  const own = { dir, baseUrl: typeof options.baseUrl === 'string' ? path.posix.join(dir, options.baseUrl) : null, paths: null as Record<string, unknown> | null };
  if (options.paths !== undefined) {
    if (!options.paths || typeof options.paths !== 'object' || Array.isArray(options.paths)) throw new ConfigError(rel, 1, '`compilerOptions.paths` must be an object');
    own.paths = options.paths as Record<string, unknown>;
  }
  return { dir: own.paths ? dir : inherited.dir, baseUrl: own.baseUrl ?? inherited.baseUrl, paths: own.paths ?? inherited.paths };
}

function pick(c: { baseUrl: string | null; paths: Record<string, unknown> | null; dir: string }): Partial<typeof c> {
  const out: Partial<typeof c> = {};
  if (c.baseUrl !== null) out.baseUrl = c.baseUrl;
  if (c.paths !== null) {
    out.paths = c.paths;
    out.dir = c.dir;
  }
  return out;
}

/**
 * The root's tsconfig.json (else jsconfig.json). A broken one gives the defaults and a warning:
 * `tsconfig.json:4: Expected ',' …; TS/JS files are read with default compiler options`.
 */
export function readScriptOptions(root: string): { options: ScriptOptions; source: string | null; warnings: string[] } {
  const rel = CONFIG_FILES.find((f) => existsSync(path.join(root, f)));
  if (!rel) return { options: DEFAULT_SCRIPT_OPTIONS, source: null, warnings: [] };
  try {
    const { baseUrl, paths, dir } = resolveConfig(root, rel, 0);
    const base = baseUrl ?? dir;
    const entries = Object.entries(paths ?? {}).map(([pattern, targets]) => ({
      pattern,
      targets: (Array.isArray(targets) ? targets : []).filter((t): t is string => typeof t === 'string').map((t) => path.posix.normalize(path.posix.join(base, t))),
    }));
    return { options: { paths: entries.filter((e) => e.targets.length && !e.targets.some((t) => t.startsWith('../'))) }, source: rel, warnings: [] };
  } catch (error) {
    const where = error instanceof ConfigError ? `${error.file}:${error.line}` : rel;
    const why = error instanceof Error ? error.message : String(error);
    return { options: DEFAULT_SCRIPT_OPTIONS, source: rel, warnings: [`${where}: ${why}; TS/JS files are read with default compiler options`] };
  }
}

/** A digest of what the options change in facts, so results computed under other options are not reused. */
export function optionsDigest(options: ScriptOptions): string {
  return createHash('sha256').update(JSON.stringify(options)).digest('hex').slice(0, 16);
}

/** The repo paths (without extension) an aliased specifier names, in `paths` order; empty when none matches. */
export function aliasStems(spec: string, options: ScriptOptions): string[] {
  for (const { pattern, targets } of options.paths) {
    const star = pattern.indexOf('*');
    if (star < 0) {
      if (spec === pattern) return targets;
      continue;
    }
    const head = pattern.slice(0, star);
    const tail = pattern.slice(star + 1);
    if (spec.length < head.length + tail.length || !spec.startsWith(head) || !spec.endsWith(tail)) continue;
    const middle = spec.slice(head.length, spec.length - tail.length);
    return targets.map((t) => t.replace('*', middle));
  }
  return [];
}

/**
 * Facts with aliased imports resolved: the import's candidate paths, and qualified names rooted at the
 * specifier (`@/llm/loader.Clean`) re-rooted at the module (`src/llm/loader.Clean`), as for relative imports.
 */
export function applyAliases(facts: FileFacts, options: ScriptOptions): FileFacts {
  if (!options.paths.length) return facts;
  const roots = new Map<string, string>();
  const imports = facts.imports.map((imp) => {
    if (imp.candidates?.length) return imp;
    const stems = aliasStems(imp.module, options);
    if (!stems.length) return imp;
    roots.set(imp.module, moduleQname(stems[0] as string));
    return { ...imp, candidates: stems.flatMap((s) => importCandidates(`./${s}`, 'index.ts')) };
  });
  if (!roots.size) return facts;
  const rename = (q: string): string => {
    for (const [spec, root] of roots) if (q === spec || q.startsWith(`${spec}.`)) return root + q.slice(spec.length);
    return q;
  };
  const byModule = new Map(imports.map((i) => [i.module, i.candidates ?? []]));
  return {
    ...facts,
    imports,
    ...(facts.reexports
      ? { reexports: facts.reexports.map((r) => (r.candidates.length || !roots.has(r.module) ? r : { ...r, qname: rename(r.qname), candidates: byModule.get(r.module) ?? [] })) }
      : {}),
    calls: facts.calls.map((c) => (c.resolved ? { ...c, qname: rename(c.qname) } : c)),
    assigns: facts.assigns.map((a) => (a.targetQname ? { ...a, targetQname: rename(a.targetQname) } : a)),
    defs: facts.defs.map((d) => (d.bases.length ? { ...d, bases: d.bases.map(rename) } : d)),
  };
}
