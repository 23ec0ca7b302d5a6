/**
 * The audit's view of how TS/JS files import each other, from the tags the scan keeps per file
 * (`barrelTags`: specifiers and whether a file may re-export), without parsing: which rule triggers a
 * file inherits from the barrels it imports (an importer of `./llm/index.js` that re-exports
 * node-llama-cpp is worth parsing though its own text never names the package), which files following
 * its names may read (their hashes decide whether its cached results still hold), and those files'
 * shapes, loaded before `resolveReexports` runs.
 */
import { createHash } from 'node:crypto';
import type { FileFacts } from '../facts.js';
import { FROM_TAG, MAX_BARREL_DEPTH, REEXPORT_FROM_TAG, REEXPORT_TAG, shapeOf, type ModuleLookup, type ModuleShape } from './barrels.js';

/** What the graph needs of one project file: the scan's row, or null when it is not a readable TS/JS file. */
export interface GraphNode {
  hash: string;
  tags: readonly string[];
}

export interface GraphSource {
  node(path: string): GraphNode | null;
  /** Repo paths a specifier written in `from` may denote (relative, or through tsconfig `paths`). */
  candidates(spec: string, from: string): string[];
  exists(path: string): boolean;
  facts(path: string): Promise<FileFacts | null>;
  /** The rule codes whose triggers a package specifier matches (`node-llama-cpp` → LOAD001, TMPL001). */
  codesOf(spec: string): readonly string[];
}

interface Reach {
  /** Rule codes of the packages the barrels reached pass on. */
  codes: Set<string>;
  /** Every file reached, with its hash: what following this file's names may read. */
  files: Map<string, string>;
  /** The reached files that may re-export: the only ones whose facts resolution reads. */
  barrels: string[];
}

const EMPTY_SHAPE: ModuleShape = { reexports: [], defines: new Set() };

/** The specifiers a file passes names on from: its re-exports, or every import when it may export an imported name. */
function sources(node: GraphNode): string[] {
  const all = node.tags.includes(REEXPORT_TAG);
  const out: string[] = [];
  for (const tag of node.tags) {
    if (tag.startsWith(REEXPORT_FROM_TAG)) out.push(tag.slice(REEXPORT_FROM_TAG.length));
    else if (all && tag.startsWith(FROM_TAG)) out.push(tag.slice(FROM_TAG.length));
  }
  return out;
}

export class ScriptGraph {
  private readonly reaches = new Map<string, Reach>();
  private readonly shapes = new Map<string, ModuleShape | null>();

  constructor(private readonly source: GraphSource) {}

  locate(candidates: readonly string[]): string | null {
    return candidates.find((c) => this.source.exists(c)) ?? null;
  }

  /**
   * The modules `path` imports, and the barrels behind them, breadth first. Only what barrels pass on
   * from packages counts toward the codes: a barrel's own text (its comments, its other imports) says
   * nothing about what an importer calls.
   */
  reach(path: string): Reach {
    let r = this.reaches.get(path);
    if (r) return r;
    r = { codes: new Set(), files: new Map(), barrels: [] };
    this.reaches.set(path, r);
    const start = this.source.node(path);
    let frontier: { file: string; spec: string }[] = [];
    if (start) for (const tag of start.tags) if (tag.startsWith(FROM_TAG)) frontier.push({ file: path, spec: tag.slice(FROM_TAG.length) });
    let first = true;
    for (let depth = 0; frontier.length && depth <= MAX_BARREL_DEPTH; depth++) {
      const next: { file: string; spec: string }[] = [];
      for (const { file: from, spec } of frontier) {
        const candidates = this.source.candidates(spec, from);
        if (!candidates.length) {
          // a package: it counts when a barrel passes it on, not when the importer itself imports it
          if (!first) for (const c of this.source.codesOf(spec)) r.codes.add(c);
          continue;
        }
        const file = this.locate(candidates);
        if (!file || file === path || r.files.has(file)) continue;
        const node = this.source.node(file);
        r.files.set(file, node?.hash ?? '');
        const passed = node ? sources(node) : [];
        if (!passed.length) continue;
        r.barrels.push(file);
        for (const s of passed) next.push({ file, spec: s });
      }
      frontier = next;
      first = false;
    }
    return r;
  }

  /** A digest of the files following `path`'s names may read; empty when it imports no project file. */
  digest(path: string): string {
    const files = [...this.reach(path).files].sort(([a], [b]) => (a < b ? -1 : 1));
    return files.length ? createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16) : '';
  }

  /** The lookup `resolveReexports` reads for `path`, with the shapes of its barrels loaded. */
  async lookupFor(path: string): Promise<ModuleLookup> {
    for (const file of this.reach(path).barrels) {
      if (this.shapes.has(file)) continue;
      const facts = await this.source.facts(file);
      this.shapes.set(file, facts ? shapeOf(facts) : null);
    }
    return {
      locate: (c) => this.locate(c),
      // a module that cannot re-export passes on nothing: its names stay rooted at it
      shape: (file) => (this.shapes.has(file) ? (this.shapes.get(file) ?? null) : EMPTY_SHAPE),
    };
  }
}

/** The part of the cache a memo needs. */
export interface MemoStore {
  memo(name: string): string | undefined;
  remember(name: string, value: string): void;
}

const REACH_MEMO = 'script-reach';

/**
 * Per importer, the digest of the files its names were last followed through (a store memo): when it
 * changes, the importer's cached results no longer hold though its own bytes did not change.
 */
export class ReachMemo {
  private readonly before: Record<string, string> = {};
  private readonly after: Record<string, string> = {};
  private dirty = false;

  constructor(
    private readonly store: MemoStore | null,
    known: ReadonlySet<string> | null,
  ) {
    const text = store?.memo(REACH_MEMO);
    if (!text) return;
    try {
      Object.assign(this.before, JSON.parse(text) as Record<string, string>);
    } catch (error) {
      // a damaged memo only costs recomputing every importer's results once; it is rewritten on save
      if (!(error instanceof SyntaxError)) throw error;
      this.dirty = true;
    }
    // files gone from the tree are forgotten, so the memo never grows with history
    for (const [p, d] of Object.entries(this.before)) {
      if (!known || known.has(p)) this.after[p] = d;
      else this.dirty = true;
    }
  }

  /** Records `path`'s digest now; true when it differs from the one its cached results were computed under. */
  changed(path: string, digest: string): boolean {
    const was = this.before[path] ?? '';
    if (digest) this.after[path] = digest;
    else delete this.after[path];
    if (was === digest) return false;
    this.dirty = true;
    return true;
  }

  save(): void {
    if (this.dirty) this.store?.remember(REACH_MEMO, JSON.stringify(this.after));
  }
}
