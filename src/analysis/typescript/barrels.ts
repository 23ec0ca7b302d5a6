/**
 * Re-exports followed across files: an importer's names rooted at a local module are rewritten to the
 * module that one takes them from. A local barrel (`src/llm/index.ts`: `export { getLlama } from
 * 'node-llama-cpp'`, `export * from './runtime.js'`, `export { LlamaChatSession as Chat } from …`) makes
 * an importer's `getLlama()` read `src/llm.getLlama` in its own facts; here such names are rewritten to
 * where the barrel takes them from (`node-llama-cpp.getLlama`), through chains of barrels, with a depth
 * limit and a guard against cycles. Works on facts only (no compiler), so it runs after the cache, like
 * tsconfig aliases; `barrelTags` is the cheap text view the scan keeps per file to know, without parsing,
 * which files import which and which may re-export.
 */
import type { CallFact, FileFacts, Literal, ReexportFact } from '../facts.js';
import { moduleQname } from './paths.js';

/** What following a name needs to know of one module file. */
export interface ModuleShape {
  reexports: readonly ReexportFact[];
  /** Names the module binds itself at the top level (functions, classes, variables). */
  defines: ReadonlySet<string>;
}

export interface ModuleLookup {
  /** The first of the candidates that is a file of the project, or null. */
  locate(candidates: readonly string[]): string | null;
  /** The shape of a project file; null when it cannot be read (skipped, unreadable, not TS/JS). */
  shape(path: string): ModuleShape | null;
}

/** Barrels nest a few levels in practice; a longer chain is cut rather than followed. */
export const MAX_BARREL_DEPTH = 16;

/** A tag the scan keeps for a TS/JS file: a module specifier the file imports or re-exports from. */
export const FROM_TAG = 'from:';
/** A module specifier the file re-exports from (`export { x } from 'm'`, `export * from 'm'`). */
export const REEXPORT_FROM_TAG = 'reexport:';
/** The tag of a file that may pass on names it imported (`export { x }`, `export default x`): every import may be re-exported. */
export const REEXPORT_TAG = 'reexports';

const SPECIFIER = /\b(?:from|import|require)\s*\(?\s*(['"])([^'"\n]{1,300})\1/g;
// type-only re-exports carry no values; statements start a line, so a re-export quoted in a doc
// comment (` * `export * from …``) is not taken for one
const REEXPORT_FROM = /^[ \t]*export\s+(?!type\b)(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*(['"])([^'"\n]{1,300})\1/gm;
const MAY_PASS_ON = /^[ \t]*export\s*(?:\{[^}]*\}(?!\s*from\b)|default\s+[A-Za-z_$][\w$]*\s*(?:;|$))/m;

/**
 * Tags read from a file's text without parsing: every module specifier (`from:./llm/index.js`; `node:`
 * builtins left out), the specifiers it re-exports from (`reexport:node-llama-cpp`), and `reexports`
 * when it may pass on a name it imported. Comments and strings can add a tag that is not real: that
 * only costs a file read, never a wrong name.
 */
export function barrelTags(view: string): string[] {
  const tags = new Set<string>();
  for (const m of view.matchAll(SPECIFIER)) {
    const spec = m[2] as string;
    if (!spec.startsWith('node:')) tags.add(FROM_TAG + spec);
  }
  for (const m of view.matchAll(REEXPORT_FROM)) tags.add(REEXPORT_FROM_TAG + (m[2] as string));
  if (MAY_PASS_ON.test(view)) tags.add(REEXPORT_TAG);
  return [...tags];
}

/** The shape of a module from its facts. */
export function shapeOf(facts: FileFacts): ModuleShape {
  const defines = new Set<string>();
  for (const d of facts.defs) if (!d.qualname.includes('.')) defines.add(d.name);
  for (const a of facts.assigns) if (a.scope === '<module>' && /^[A-Za-z_$][\w$]*$/.test(a.target)) defines.add(a.target);
  return { reexports: facts.reexports ?? [], defines };
}

interface Target {
  qname: string;
  /** Set when the name is a whole local module (`export * as ns from './x.js'`): members resolve there. */
  module?: string;
}

type Seen = Set<string>;

class Resolver {
  constructor(private readonly lookup: ModuleLookup) {}

  /** What `name`, imported from the module file `file`, stands for; null when the file does not say. */
  member(file: string, name: string, depth: number, seen: Seen): Target | null {
    const key = `${file}\u0000${name}`;
    if (depth > MAX_BARREL_DEPTH || seen.has(key)) return null;
    seen.add(key);
    const shape = this.lookup.shape(file);
    if (!shape) return null;
    const explicit = shape.reexports.find((r) => r.exported === name);
    if (explicit) return this.follow(explicit, depth + 1, seen);
    if (shape.defines.has(name)) return { qname: `${moduleQname(file)}.${name}` };
    const packages: ReexportFact[] = [];
    for (const r of shape.reexports) {
      if (r.exported !== '*') continue;
      const at = r.candidates.length ? this.lookup.locate(r.candidates) : null;
      if (!at) {
        if (!r.candidates.length) packages.push(r);
        continue;
      }
      const found = this.member(at, name, depth + 1, seen);
      if (found) return found;
    }
    // `export *` from two packages leaves a name ambiguous (the compiler drops such names): no guess
    return packages.length === 1 ? { qname: `${(packages[0] as ReexportFact).qname}.${name}` } : null;
  }

  private follow(r: ReexportFact, depth: number, seen: Seen): Target {
    const at = r.candidates.length ? this.lookup.locate(r.candidates) : null;
    if (!at) return { qname: r.qname };
    const root = moduleQname(at);
    if (r.qname === root) return { qname: root, module: at };
    if (!root || !r.qname.startsWith(`${root}.`)) return { qname: r.qname };
    return { qname: this.within(at, r.qname.slice(root.length + 1), depth, seen) };
  }

  /** `rest` (`getLlama().loadModel`) read as a member path of the module file `file`. */
  within(file: string, rest: string, depth: number, seen: Seen): string {
    const m = /^([^.()[\]]+)(.*)$/.exec(rest);
    const unchanged = `${moduleQname(file)}.${rest}`;
    if (!m) return unchanged;
    const name = m[1] as string;
    const tail = m[2] as string;
    const t = this.member(file, name, depth, seen);
    if (!t) return unchanged;
    if (t.module && tail.startsWith('.') && depth < MAX_BARREL_DEPTH) return this.within(t.module, tail.slice(1), depth + 1, seen);
    return t.qname + tail;
  }
}

/** Module roots the file imports, longest first, with the file each denotes and its default-import names. */
function localRoots(facts: FileFacts, lookup: ModuleLookup): { root: string; file: string; defaults: Set<string> }[] {
  const byRoot = new Map<string, { root: string; file: string; defaults: Set<string> }>();
  for (const imp of facts.imports) {
    if (!imp.candidates?.length) continue;
    const file = lookup.locate(imp.candidates);
    // a root-level index.ts has the empty root: its names cannot be told from globals
    const root = file ? moduleQname(file) : '';
    if (!file || !root) continue;
    const entry = byRoot.get(root) ?? { root, file, defaults: new Set<string>() };
    if (imp.name === 'default' && imp.alias) entry.defaults.add(imp.alias);
    byRoot.set(root, entry);
  }
  return [...byRoot.values()].sort((a, b) => b.root.length - a.root.length);
}

/**
 * Facts whose qualified names rooted at a local module are rewritten to what that module re-exports:
 * `src/llm.getLlama().loadModel` → `node-llama-cpp.getLlama().loadModel`. A default import reads the
 * module's `default` export (`import Chat from './llm'` is `Chat` only by its local name). Names no
 * barrel passes on are left as they were.
 */
export function resolveReexports(facts: FileFacts, lookup: ModuleLookup): FileFacts {
  const roots = localRoots(facts, lookup);
  if (!roots.length) return facts;
  const resolver = new Resolver(lookup);
  const memo = new Map<string, string>();
  const rewrite = (q: string): string => {
    let out = memo.get(q);
    if (out !== undefined) return out;
    out = q;
    const hit = roots.find((r) => q === r.root || q.startsWith(`${r.root}.`));
    if (hit) {
      const rest = q.slice(hit.root.length + 1);
      const first = /^[^.()[\]]+/.exec(rest)?.[0] ?? '';
      const seen: Seen = new Set();
      if (q === hit.root) {
        // a lowercase default import binds the module itself: called, it is the default export
        out = resolver.member(hit.file, 'default', 0, seen)?.qname ?? q;
      } else if (hit.defaults.has(first)) {
        const t = resolver.member(hit.file, 'default', 0, seen);
        out = t && !t.module ? t.qname + rest.slice(first.length) : resolver.within(hit.file, rest, 0, new Set());
      } else out = resolver.within(hit.file, rest, 0, seen);
    }
    memo.set(q, out);
    return out;
  };
  const literal = (l: Literal): Literal =>
    l.kind === 'name' && l.qname ? { ...l, qname: rewrite(l.qname) } : l.kind === 'list' ? { ...l, items: l.items.map(literal) } : l;
  const call = (c: CallFact): CallFact => {
    const kwargs: Record<string, Literal> = {};
    for (const [k, v] of Object.entries(c.kwargs)) kwargs[k] = literal(v);
    return { ...c, qname: c.resolved ? rewrite(c.qname) : c.qname, args: c.args.map(literal), kwargs };
  };
  return {
    ...facts,
    calls: facts.calls.map(call),
    assigns: facts.assigns.map((a) => ({ ...a, targetQname: a.targetQname ? rewrite(a.targetQname) : null, value: literal(a.value) })),
    defs: facts.defs.map((d) => (d.bases.length ? { ...d, bases: d.bases.map(rewrite) } : d)),
  };
}
