/**
 * The function index in the store (migration 0004): each indexed file's functions with their winnowed
 * shingles, and postings from shingle to function. Candidates for a batch of query functions come from
 * one SQL query (shared-shingle counts, pruned by the least count a match above the threshold needs);
 * the exact Jaccard similarity is then computed on the candidates alone.
 */
import type Database from 'better-sqlite3';

import { FACTS_VERSION, type DefFact, type NotebookMap } from '../analysis/facts.js';
import { BugError } from '../core/errors.js';
import { jaccard, SHINGLE_K, WINNOW_W } from '../analysis/python/fingerprint.js';
import { prepareFunctionQueries, type FunctionQueries, type FunctionRow } from '../store/queries.js';

/** What the rows were computed with; other rows are dropped, as the facts cache drops another engine's. */
export const INDEX_VERSION = `functions ${FACTS_VERSION} k${SHINGLE_K} w${WINNOW_W}`;
const VERSION_KEY = 'function_index_version';
/**
 * A shingle held by more functions than this is boilerplate (`for I in I ( I ) :`) and does not pick
 * candidates; the pruning bound is lowered by the shingles left out, so no match above the threshold is
 * lost, only the candidate search is kept small.
 */
const COMMON_SHINGLE = 200;
/** Query functions per candidate query: one statement, bounded JSON. */
const BATCH = 64;
/** Up to this many files, candidates are counted in memory (see `matchesInMemory`). */
const IN_MEMORY_FILES = 500;

/** Where a function of a notebook is: its cell, the line in the cell, the notebook JSON's line. */
export interface CellPlace {
  cell: number;
  line: number;
  jsonLine: number;
}

/** A function as the index holds it, its shingles decoded. `line` is the joined cells' line in a notebook. */
export interface IndexedFunction extends Omit<FunctionRow, 'shingles' | 'cell' | 'cell_line' | 'json_line'> {
  shingles: number[];
  /** Set for a function of a notebook. */
  place: CellPlace | null;
}

export interface IndexedFile {
  path: string;
  hash: string;
  mtimeMs: number;
  size: number;
}

/** A file version to (re)index, with its function definitions. */
export interface FileFunctions extends IndexedFile {
  defs: readonly DefFact[];
  /** A notebook's map from its joined cells' lines to cells (facts.notebook). */
  notebook?: NotebookMap | undefined;
}

export interface Match {
  of: IndexedFunction;
  similarity: number;
}

function encodeShingles(shingles: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(shingles.length * 4);
  shingles.forEach((s, i) => buf.writeUInt32LE(s, i * 4));
  return buf;
}

function decodeShingles(buf: Buffer): number[] {
  const out = new Array<number>(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readUInt32LE(i * 4);
  return out;
}

function fromRow(row: FunctionRow): IndexedFunction {
  const place = row.cell === null ? null : { cell: row.cell, line: row.cell_line ?? row.line, jsonLine: row.json_line ?? row.line };
  return { id: row.id, path: row.path, qualname: row.qualname, line: row.line, col: row.col, tokens: row.tokens, shingles: decodeShingles(row.shingles), place };
}

function placeIn(map: NotebookMap | undefined, line: number): { cell: number | null; cell_line: number | null; json_line: number | null } {
  const cell = map?.cells[line - 1];
  if (!map || cell === undefined) return { cell: null, cell_line: null, json_line: null };
  return { cell, cell_line: map.cellLines[line - 1] ?? line, json_line: map.jsonLines[line - 1] ?? line };
}

/** The least number of shared shingles for Jaccard ≥ t: J ≤ shared / |A|, so shared ≥ t·|A|. */
function minShared(size: number, threshold: number): number {
  return Math.max(1, Math.ceil(threshold * size - 1e-9));
}

export class FunctionIndex {
  private readonly q: FunctionQueries;

  constructor(private readonly db: Database.Database) {
    this.q = prepareFunctionQueries(db);
    if (this.q.metaGet.get({ key: VERSION_KEY }) !== INDEX_VERSION) {
      db.transaction(() => {
        this.q.clearPostings.run();
        this.q.clearFunctions.run();
        this.q.clearFiles.run();
        this.q.metaSet.run({ key: VERSION_KEY, value: INDEX_VERSION });
      }).immediate();
    }
  }

  /** Every indexed file, by path. */
  files(): Map<string, IndexedFile> {
    const out = new Map<string, IndexedFile>();
    for (const r of this.q.filesAll.all()) out.set(r.path, { path: r.path, hash: r.hash, mtimeMs: r.mtime_ms, size: r.size });
    return out;
  }

  /** The indexed files among `paths`, by path. */
  filesOf(paths: readonly string[]): Map<string, IndexedFile> {
    const out = new Map<string, IndexedFile>();
    for (const r of this.q.filesSome.all({ paths: JSON.stringify(paths) })) out.set(r.path, { path: r.path, hash: r.hash, mtimeMs: r.mtime_ms, size: r.size });
    return out;
  }

  /** A derived value kept beside the index (in the store's `meta`), or undefined. */
  memo(name: string): string | undefined {
    return this.q.metaGet.get({ key: `memo:${name}` });
  }

  remember(name: string, value: string): void {
    this.q.metaSet.run({ key: `memo:${name}`, value });
  }

  /** Cached facts JSON by content hash (the audit's and the registry's cache), or undefined. */
  cachedFacts(hash: string): string | undefined {
    return this.q.factsGet.get({ hash });
  }

  /**
   * One transaction: replace the functions of `put` files, record new stats of `touch` files (same
   * content), and forget `remove` paths, so a reader never sees half an update.
   */
  update(put: readonly FileFunctions[], touch: readonly IndexedFile[], remove: readonly string[]): void {
    if (!put.length && !touch.length && !remove.length) return;
    const encoded = put.map((f) => ({
      file: f,
      defs: f.defs
        .filter((d) => d.kind === 'function' && d.shingles.length > 0)
        .map((d) => ({
          qualname: d.qualname,
          line: d.span.line,
          col: d.span.col,
          tokens: d.tokens,
          shingles: d.shingles,
          blob: encodeShingles(d.shingles),
          ...placeIn(f.notebook, d.span.line),
        })),
    }));
    this.db.transaction(() => {
      for (const path of [...remove, ...put.map((f) => f.path)]) this.forget(path);
      for (const { file, defs } of encoded) {
        this.q.fileUpsert.run({ path: file.path, hash: file.hash, mtimeMs: file.mtimeMs, size: file.size });
        for (const d of defs) {
          const id = this.q.functionInsert.get({
            path: file.path,
            qualname: d.qualname,
            line: d.line,
            col: d.col,
            tokens: d.tokens,
            shingles: d.blob,
            cell: d.cell,
            cell_line: d.cell_line,
            json_line: d.json_line,
          });
          if (id === undefined) throw new BugError(`no id returned for ${file.path}:${d.qualname}`);
          for (const shingle of d.shingles) this.q.postingInsert.run({ shingle, function: id });
        }
      }
      for (const f of touch) this.q.fileUpsert.run({ path: f.path, hash: f.hash, mtimeMs: f.mtimeMs, size: f.size });
    }).immediate();
  }

  private forget(path: string): void {
    for (const row of this.q.functionsOfPath.all({ path })) {
      for (const shingle of decodeShingles(row.shingles)) this.q.postingDelete.run({ shingle, function: row.id });
    }
    this.q.functionsDeleteOfPath.run({ path });
    this.q.fileDelete.run({ path });
  }

  functionsOf(path: string): IndexedFunction[] {
    return this.q.functionsOfPath.all({ path }).map(fromRow);
  }

  /**
   * For each query function, the indexed functions at least `threshold` similar to it (Jaccard of the
   * shingle sets) that `accept` lets through, best first. The query itself (same id) is never a match.
   */
  matches(
    queries: readonly IndexedFunction[],
    threshold: number,
    accept: (candidate: IndexedFunction, query: IndexedFunction) => boolean,
    /** The files candidates may come from: when they are few, counting happens in memory. */
    pool?: Iterable<string>,
  ): Match[][] {
    if (queries.length === 0) return [];
    const paths = pool ? [...pool] : null;
    if (paths && paths.length <= IN_MEMORY_FILES) return this.matchesInMemory(queries, paths, threshold, accept);
    const out: Match[][] = queries.map(() => []);
    for (let start = 0; start < queries.length; start += BATCH) {
      const batch = queries.slice(start, start + BATCH);
      const shared = this.candidates(batch, threshold);
      const ids = [...new Set(shared.map((c) => c.function))];
      const byId = new Map<number, IndexedFunction>();
      for (let i = 0; i < ids.length; i += 500) {
        for (const row of this.q.functionsByIds.all({ ids: JSON.stringify(ids.slice(i, i + 500)) })) byId.set(row.id, fromRow(row));
      }
      for (const c of shared) {
        const query = batch[c.query];
        const candidate = byId.get(c.function);
        if (!query || !candidate || candidate.id === query.id || !accept(candidate, query)) continue;
        const similarity = jaccard(query.shingles, candidate.shingles);
        if (similarity >= threshold) out[start + c.query]?.push({ of: candidate, similarity });
      }
    }
    for (const list of out) list.sort(byBestMatch);
    return out;
  }

  /**
   * `matches` over a few files: their functions are read once and shared shingles are counted through
   * postings held in memory, which for an audit's handful of files is far cheaper than the SQL search.
   * Candidates are picked the same way, and the similarity is exact, so the answers are the same.
   */
  private matchesInMemory(
    queries: readonly IndexedFunction[],
    paths: readonly string[],
    threshold: number,
    accept: (candidate: IndexedFunction, query: IndexedFunction) => boolean,
  ): Match[][] {
    const postings = new Map<number, IndexedFunction[]>();
    for (const p of paths) {
      for (const f of this.functionsOf(p)) {
        for (const shingle of f.shingles) {
          const holders = postings.get(shingle);
          if (holders) holders.push(f);
          else postings.set(shingle, [f]);
        }
      }
    }
    return queries.map((query) => {
      // as in the SQL search: boilerplate shingles pick no candidates, and the bound drops to match
      const rare = query.shingles.filter((s) => (postings.get(s)?.length ?? 0) <= COMMON_SHINGLE);
      const need = Math.max(1, minShared(query.shingles.length, threshold) - (query.shingles.length - rare.length));
      const shared = new Map<IndexedFunction, number>();
      for (const shingle of rare) {
        for (const f of postings.get(shingle) ?? []) shared.set(f, (shared.get(f) ?? 0) + 1);
      }
      const found: Match[] = [];
      for (const [candidate, n] of shared) {
        if (n < need || candidate.id === query.id || !accept(candidate, query)) continue;
        const similarity = jaccard(query.shingles, candidate.shingles);
        if (similarity >= threshold) found.push({ of: candidate, similarity });
      }
      return found.sort(byBestMatch);
    });
  }

  /** Shared-shingle counts, with boilerplate shingles left out and the bound lowered to match. */
  private candidates(batch: readonly IndexedFunction[], threshold: number): { query: number; function: number; shared: number }[] {
    const all = [...new Set(batch.flatMap((f) => f.shingles))];
    const common = new Set<number>();
    for (let i = 0; i < all.length; i += 2000) {
      for (const r of this.q.shingleCounts.all({ shingles: JSON.stringify(all.slice(i, i + 2000)), cap: COMMON_SHINGLE })) {
        if (r.n > COMMON_SHINGLE) common.add(r.shingle);
      }
    }
    return this.db.transaction(() => {
      this.q.queryClear.run();
      batch.forEach((f, query) => {
        const kept = f.shingles.filter((s) => !common.has(s));
        // the bound drops by the shingles left out; when the rare ones alone cannot show a match,
        // every holder of one of them is a candidate
        const need = Math.max(1, minShared(f.shingles.length, threshold) - (f.shingles.length - kept.length));
        for (const shingle of kept) this.q.queryInsert.run({ query, shingle, need });
      });
      const found = this.q.candidates.all();
      this.q.queryClear.run();
      return found;
    })();
  }
}

/** Most similar first; ties by path, then line, so output is stable. */
export function byBestMatch(a: Match, b: Match): number {
  return b.similarity - a.similarity || (a.of.path < b.of.path ? -1 : a.of.path > b.of.path ? 1 : 0) || a.of.line - b.of.line;
}
