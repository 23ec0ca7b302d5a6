/**
 * The function index in the store (migration 0004): each indexed file's functions with their winnowed
 * shingles, and postings from each function's prefix shingles to the function. Candidates come from
 * prefix filtering (prefix-filter.ts), which loses no match above the threshold: in memory over the
 * files compared when they are known, else (a few query functions, a pre-commit run) through the
 * stored postings. The exact Jaccard similarity is then computed on the candidates alone.
 *
 * Functions marked as deliberate copies (`# Copied from …`) are not indexed.
 */
import type Database from 'better-sqlite3';

import { FACTS_VERSION, type DefFact, type NotebookMap } from '../analysis/facts.js';
import { BugError } from '../core/errors.js';
import { jaccard, SHINGLE_K, WINNOW_W } from '../analysis/python/fingerprint.js';
import { prepareFunctionQueries, type FunctionQueries, type FunctionRow } from '../store/queries.js';
import { PackedFactsError, unpackFacts } from '../analysis/packed-facts.js';
import { prefixLength, PrefixFilter, sizesAllow } from './prefix-filter.js';

/**
 * Postings are kept for each function's prefix at this threshold, in the order of the shingles' own
 * values (fixed, so a stored prefix never changes as other files come and go). A prefix at a higher
 * threshold is a part of it, so any threshold from here up is served by the postings; a lower one
 * compares in memory.
 */
const POSTINGS_FLOOR = 0.5;
/** What the rows were computed with; other rows are dropped, as the facts cache drops another engine's. */
export const INDEX_VERSION = `functions ${FACTS_VERSION} k${SHINGLE_K} w${WINNOW_W} prefix ${POSTINGS_FLOOR}`;
const VERSION_KEY = 'function_index_version';
/** Up to this many files, their functions are read file by file; above, in one pass over the index. */
const FEW_FILES = 500;
/** Function ids per `functionsByIds` statement. */
const IDS_PER_READ = 500;

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
    const packed = this.q.factsGet.get({ hash });
    try {
      return packed === undefined ? undefined : unpackFacts(packed);
    } catch (error) {
      // a damaged cache row only costs a parse
      if (error instanceof PackedFactsError) return undefined;
      throw error;
    }
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
        .filter((d) => d.kind === 'function' && d.shingles.length > 0 && d.copiedFrom === undefined)
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
          for (const shingle of storedPrefix(d.shingles)) this.q.postingInsert.run({ shingle, function: id });
        }
      }
      for (const f of touch) this.q.fileUpsert.run({ path: f.path, hash: f.hash, mtimeMs: f.mtimeMs, size: f.size });
    }).immediate();
  }

  private forget(path: string): void {
    for (const row of this.q.functionsOfPath.all({ path })) {
      for (const shingle of storedPrefix(decodeShingles(row.shingles))) this.q.postingDelete.run({ shingle, function: row.id });
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
   * With `best`, only the first match under that order is kept (what DUP001 reports), which lets a
   * family of identical functions be answered without listing every pair of it.
   */
  matches(
    queries: readonly IndexedFunction[],
    threshold: number,
    accept: Accept,
    options: {
      /** The files candidates may come from (default: every indexed file). */
      pool?: Iterable<string>;
      best?: (a: Match, b: Match) => number;
    } = {},
  ): Match[][] {
    if (queries.length === 0) return [];
    const pool = options.pool ? [...options.pool] : null;
    // a few query functions against the whole index: its postings, without reading every function
    if (!pool && threshold >= POSTINGS_FLOOR) return queries.map((query) => this.matchesThroughPostings(query, threshold, accept, options.best));
    const functions = pool ? this.functionsIn(pool) : this.q.functionsAll.all().map(fromRow);
    return matchesAmong(functions, queries, threshold, accept, options.best);
  }

  private functionsIn(paths: readonly string[]): IndexedFunction[] {
    if (paths.length <= FEW_FILES) return paths.flatMap((p) => this.functionsOf(p));
    const wanted = new Set(paths);
    return this.q.functionsAll.all().filter((row) => wanted.has(row.path)).map(fromRow);
  }

  private matchesThroughPostings(query: IndexedFunction, threshold: number, accept: Accept, best?: (a: Match, b: Match) => number): Match[] {
    // the query's prefix in the stored order (the shingles' values, ascending): a part of every posting
    // function's stored prefix that a match above `threshold` can share
    const prefix = query.shingles.slice(0, prefixLength(query.shingles.length, threshold));
    const ids = this.q.postingFunctions.all({ shingles: JSON.stringify(prefix) });
    const found: Match[] = [];
    for (let i = 0; i < ids.length; i += IDS_PER_READ) {
      for (const row of this.q.functionsByIds.all({ ids: JSON.stringify(ids.slice(i, i + IDS_PER_READ)) })) {
        const candidate = fromRow(row);
        if (candidate.id === query.id || !sizesAllow(query.shingles.length, candidate.shingles.length, threshold) || !accept(candidate, query)) continue;
        const similarity = jaccard(query.shingles, candidate.shingles);
        if (similarity >= threshold) found.push({ of: candidate, similarity });
      }
    }
    return keep(found, best);
  }
}

type Accept = (candidate: IndexedFunction, query: IndexedFunction) => boolean;

/** The first shingles of a function, whose postings are stored (see `POSTINGS_FLOOR`). */
function storedPrefix(shingles: readonly number[]): readonly number[] {
  return shingles.slice(0, prefixLength(shingles.length, POSTINGS_FLOOR));
}

function keep(found: Match[], best: ((a: Match, b: Match) => number) | undefined): Match[] {
  if (!best) return found.sort(byBestMatch);
  let top: Match | undefined;
  for (const m of found) if (!top || best(m, top) < 0) top = m;
  return top ? [top] : [];
}

/** `matches` over functions held in memory, candidates by prefix filtering. */
function matchesAmong(
  functions: readonly IndexedFunction[],
  queries: readonly IndexedFunction[],
  threshold: number,
  accept: Accept,
  best: ((a: Match, b: Match) => number) | undefined,
): Match[][] {
  const inPool = new Set(functions.map((f) => f.id));
  // a query from outside the pool is compared, never offered as a candidate
  const outside = queries.filter((q) => !inPool.has(q.id));
  const filter = new PrefixFilter([...functions, ...outside], threshold);
  const ranked = new WeakMap<object, IndexedFunction[]>();
  const membersInOrder = (group: { members: IndexedFunction[] }): IndexedFunction[] => {
    let sorted = ranked.get(group);
    if (!sorted) {
      // one similarity for the whole group: the order among members is the order of their matches
      sorted = best ? [...group.members].sort((a, b) => best({ of: a, similarity: 1 }, { of: b, similarity: 1 })) : group.members;
      ranked.set(group, sorted);
    }
    return sorted;
  };
  return queries.map((query) => {
    const found: Match[] = [];
    for (const { group, similarity } of filter.similarTo(query.id)) {
      for (const candidate of membersInOrder(group)) {
        if (candidate.id === query.id || !inPool.has(candidate.id) || !accept(candidate, query)) continue;
        found.push({ of: candidate, similarity });
        // the group's best member under `best`: the rest of the group ranks below it
        if (best) break;
      }
    }
    return keep(found, best);
  });
}

/** Most similar first; ties by path, then line, so output is stable. */
export function byBestMatch(a: Match, b: Match): number {
  return b.similarity - a.similarity || (a.of.path < b.of.path ? -1 : a.of.path > b.of.path ? 1 : 0) || a.of.line - b.of.line;
}
