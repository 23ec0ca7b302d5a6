/**
 * Every SQL statement of the store. Statements are prepared once per connection (`prepareQueries`)
 * and take named `@params`; migrations are the only SQL kept elsewhere (`registry/migrations/*.sql`).
 */
import type Database from 'better-sqlite3';

/** Connection settings, applied in this order before anything else runs. */
export const CONNECTION_PRAGMAS = [
  // Readers never block the writer and the writer never blocks readers: two audits can share a cache.
  'journal_mode = WAL',
  // WAL makes NORMAL safe against corruption; a power cut may only lose the last transactions.
  'synchronous = NORMAL',
  'foreign_keys = ON',
] as const;

export const SQL = {
  metaGet: 'SELECT value FROM meta WHERE key = @key',
  /**
   * A memo's parts: the row `name`, then `name:000001`, `name:000002`… (one statement: one snapshot). A range
   * of the primary key's index, read in its order (`OR` would sort the values in a temporary B-tree: 50 ms for
   * 16 MB); `@below` is `name` followed by ';', the character after ':'.
   */
  partsGet: 'SELECT name, value FROM memo_bytes WHERE name >= @name AND name < @below ORDER BY name',
  partsDelete: 'DELETE FROM memo_bytes WHERE name = @name OR name GLOB @parts',
  partSet: 'INSERT INTO memo_bytes (name, value) VALUES (@name, @value)',
  bytesDeleteAll: 'DELETE FROM memo_bytes',
  metaSet:
    'INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  filesAll: 'SELECT path, mtime_ms, size, hash, matches, hint, skip, suppressions, results_key, results FROM files',
  /** `@paths` is a JSON array. */
  filesSome:
    'SELECT path, mtime_ms, size, hash, matches, hint, skip, suppressions, results_key, results FROM files WHERE path IN (SELECT value FROM json_each(@paths))',
  filesHinted: 'SELECT path, mtime_ms, size, hash, matches, hint, skip, suppressions, results_key, results FROM files WHERE hint = 1',
  filesAny: 'SELECT EXISTS (SELECT 1 FROM files)',
  fileUpsert: `INSERT INTO files (path, mtime_ms, size, hash, matches, hint, skip, suppressions, results_key, results)
    VALUES (@path, @mtimeMs, @size, @hash, @matches, @hint, @skip, @suppressions, @resultsKey, @results)
    ON CONFLICT (path) DO UPDATE SET
      mtime_ms = excluded.mtime_ms, size = excluded.size, hash = excluded.hash, matches = excluded.matches,
      hint = excluded.hint, skip = excluded.skip, suppressions = excluded.suppressions,
      results_key = excluded.results_key, results = excluded.results`,
  /** `@keep` is a JSON array of the paths to keep. */
  filesDeleteExcept: 'DELETE FROM files WHERE path NOT IN (SELECT value FROM json_each(@keep))',
  filesDeleteAll: 'DELETE FROM files',
  factsGet: 'SELECT facts FROM facts WHERE hash = @hash',
  factsUpsert:
    'INSERT INTO facts (hash, facts) VALUES (@hash, @facts) ON CONFLICT (hash) DO UPDATE SET facts = excluded.facts',
  factsDeleteOrphans: 'DELETE FROM facts WHERE NOT EXISTS (SELECT 1 FROM files WHERE files.hash = facts.hash)',
  factsDeleteAll: 'DELETE FROM facts',
} as const;

/** A `files` row as SQLite returns it. */
export interface FileRow {
  path: string;
  mtime_ms: number;
  size: number;
  hash: string;
  matches: string;
  hint: number;
  skip: string | null;
  suppressions: string;
  results_key: string | null;
  results: string | null;
}

export interface FileParams {
  path: string;
  mtimeMs: number;
  size: number;
  hash: string;
  matches: string;
  hint: 0 | 1;
  skip: string | null;
  suppressions: string;
  resultsKey: string | null;
  results: string | null;
}

type Statement<Params extends object | [], Result = unknown> = Database.Statement<
  Params extends [] ? [] : [Params],
  Result
>;

export interface Queries {
  metaGet: Statement<{ key: string }, string>;
  metaSet: Statement<{ key: string; value: string }>;
  partsGet: Statement<{ name: string; below: string }, { name: string; value: Buffer }>;
  partsDelete: Statement<{ name: string; parts: string }>;
  partSet: Statement<{ name: string; value: Buffer }>;
  bytesDeleteAll: Statement<[]>;
  filesAll: Statement<[], FileRow>;
  filesSome: Statement<{ paths: string }, FileRow>;
  filesHinted: Statement<[], FileRow>;
  filesAny: Statement<[], number>;
  fileUpsert: Statement<FileParams>;
  filesDeleteExcept: Statement<{ keep: string }>;
  filesDeleteAll: Statement<[]>;
  factsGet: Statement<{ hash: string }, Buffer>;
  factsUpsert: Statement<{ hash: string; facts: Uint8Array }>;
  factsDeleteOrphans: Statement<[]>;
  factsDeleteAll: Statement<[]>;
}

export function prepareQueries(db: Database.Database): Queries {
  return {
    metaGet: db.prepare<{ key: string }, string>(SQL.metaGet).pluck(),
    metaSet: db.prepare<{ key: string; value: string }>(SQL.metaSet),
    partsGet: db.prepare<{ name: string; below: string }, { name: string; value: Buffer }>(SQL.partsGet),
    partsDelete: db.prepare<{ name: string; parts: string }>(SQL.partsDelete),
    partSet: db.prepare<{ name: string; value: Buffer }>(SQL.partSet),
    bytesDeleteAll: db.prepare<[]>(SQL.bytesDeleteAll),
    filesAll: db.prepare<[], FileRow>(SQL.filesAll),
    filesSome: db.prepare<{ paths: string }, FileRow>(SQL.filesSome),
    filesHinted: db.prepare<[], FileRow>(SQL.filesHinted),
    filesAny: db.prepare<[], number>(SQL.filesAny).pluck(),
    fileUpsert: db.prepare<FileParams>(SQL.fileUpsert),
    filesDeleteExcept: db.prepare<{ keep: string }>(SQL.filesDeleteExcept),
    filesDeleteAll: db.prepare<[]>(SQL.filesDeleteAll),
    factsGet: db.prepare<{ hash: string }, Buffer>(SQL.factsGet).pluck(),
    factsUpsert: db.prepare<{ hash: string; facts: Uint8Array }>(SQL.factsUpsert),
    factsDeleteOrphans: db.prepare<[]>(SQL.factsDeleteOrphans),
    factsDeleteAll: db.prepare<[]>(SQL.factsDeleteAll),
  };
}

// ---------------------------------------------------------------------------------------------------
// The registry index (migration 0003): prepared only by the registry, so an audit pays nothing for it.

export const REGISTRY_SQL = {
  metaGet: SQL.metaGet,
  metaSet: SQL.metaSet,
  factsGet: SQL.factsGet,
  factsUpsert: SQL.factsUpsert,
  /** Facts neither the audit's rows nor the registry's refer to (the audit drops the registry's own later). */
  factsDeleteOrphans: `DELETE FROM facts WHERE NOT EXISTS (SELECT 1 FROM files WHERE files.hash = facts.hash)
    AND NOT EXISTS (SELECT 1 FROM registry_files WHERE registry_files.hash = facts.hash)`,
  filesAll: 'SELECT path, mtime_ms, size, hash, part FROM registry_files',
  filesStat: 'SELECT path, mtime_ms, size FROM registry_files',
  fileUpsert: `INSERT INTO registry_files (path, mtime_ms, size, hash, part) VALUES (@path, @mtimeMs, @size, @hash, @part)
    ON CONFLICT (path) DO UPDATE SET
      mtime_ms = excluded.mtime_ms, size = excluded.size, hash = excluded.hash, part = excluded.part`,
  /** `@keep` is a JSON array of the paths to keep. */
  filesDeleteExcept: 'DELETE FROM registry_files WHERE path NOT IN (SELECT value FROM json_each(@keep))',
  entriesAll: 'SELECT id, path, entry FROM registry_entries',
  entryGet: 'SELECT entry FROM registry_entries WHERE path = @path',
  /**
   * What a list of every entry shows and filters on, without decoding whole entries in JavaScript.
   * Lists are joined with a newline, which no name or capability contains.
   */
  entriesBrief: 'SELECT path, brief FROM registry_entries ORDER BY path',
  entryUpsert: `INSERT INTO registry_entries (path, entry, brief) VALUES (@path, @entry, @brief)
    ON CONFLICT (path) DO UPDATE SET entry = excluded.entry, brief = excluded.brief RETURNING id`,
  entryDelete: 'DELETE FROM registry_entries WHERE id = @id',
  searchDelete: 'DELETE FROM registry_search WHERE rowid = @id',
  searchInsert: `INSERT INTO registry_search (rowid, path, name, purpose, docstring, defs, args)
    VALUES (@id, @path, @name, @purpose, @docstring, @defs, @args)`,
  /**
   * Ranked hits; bm25 is lower for better matches. Column weights: a hit in the file's name or purpose
   * says more than one in a long docstring.
   */
  search: `SELECT e.path AS path, e.entry AS entry, bm25(registry_search, 3.0, 10.0, 8.0, 1.0, 4.0, 2.0) AS score
    FROM registry_search JOIN registry_entries e ON e.id = registry_search.rowid
    WHERE registry_search MATCH @query ORDER BY score, e.path LIMIT @limit`,
  clearFiles: 'DELETE FROM registry_files',
  clearEntries: 'DELETE FROM registry_entries',
  clearSearch: 'DELETE FROM registry_search',
} as const;

export interface RegistryFileRow {
  path: string;
  mtime_ms: number;
  size: number;
  hash: string;
  part: string;
}

export interface RegistryFileParams {
  path: string;
  mtimeMs: number;
  size: number;
  hash: string;
  part: string;
}

/** One row of `entriesBrief`: the entry's brief JSON (a `RegistryBriefRow` without the path). */
export interface RegistryBriefJsonRow {
  path: string;
  brief: string | null;
}

/** One entry as the browser lists it; `defs` and `canonical_for` are newline-joined (null: none). */
export interface RegistryBriefRow {
  path: string;
  status: string;
  purpose: string | null;
  kind: string;
  replaced_by: string | null;
  bugs: number;
  defs: string | null;
  canonical_for: string | null;
}

export interface RegistrySearchParams {
  id: number;
  path: string;
  name: string;
  purpose: string;
  docstring: string;
  defs: string;
  args: string;
}

export interface RegistryQueries {
  metaGet: Statement<{ key: string }, string>;
  metaSet: Statement<{ key: string; value: string }>;
  factsGet: Statement<{ hash: string }, Buffer>;
  factsUpsert: Statement<{ hash: string; facts: Uint8Array }>;
  factsDeleteOrphans: Statement<[]>;
  filesAll: Statement<[], RegistryFileRow>;
  filesStat: Statement<[], Pick<RegistryFileRow, 'path' | 'mtime_ms' | 'size'>>;
  fileUpsert: Statement<RegistryFileParams>;
  filesDeleteExcept: Statement<{ keep: string }>;
  entriesAll: Statement<[], { id: number; path: string; entry: string }>;
  entryGet: Statement<{ path: string }, string>;
  entriesBrief: Statement<[], RegistryBriefJsonRow>;
  entryUpsert: Statement<{ path: string; entry: string; brief: string }, number>;
  entryDelete: Statement<{ id: number }>;
  searchDelete: Statement<{ id: number }>;
  searchInsert: Statement<RegistrySearchParams>;
  search: Statement<{ query: string; limit: number }, { path: string; entry: string; score: number }>;
  clearFiles: Statement<[]>;
  clearEntries: Statement<[]>;
  clearSearch: Statement<[]>;
}

export function prepareRegistryQueries(db: Database.Database): RegistryQueries {
  const q = REGISTRY_SQL;
  return {
    metaGet: db.prepare<{ key: string }, string>(q.metaGet).pluck(),
    metaSet: db.prepare<{ key: string; value: string }>(q.metaSet),
    factsGet: db.prepare<{ hash: string }, Buffer>(q.factsGet).pluck(),
    factsUpsert: db.prepare<{ hash: string; facts: Uint8Array }>(q.factsUpsert),
    factsDeleteOrphans: db.prepare<[]>(q.factsDeleteOrphans),
    filesAll: db.prepare<[], RegistryFileRow>(q.filesAll),
    filesStat: db.prepare<[], Pick<RegistryFileRow, 'path' | 'mtime_ms' | 'size'>>(q.filesStat),
    fileUpsert: db.prepare<RegistryFileParams>(q.fileUpsert),
    filesDeleteExcept: db.prepare<{ keep: string }>(q.filesDeleteExcept),
    entriesAll: db.prepare<[], { id: number; path: string; entry: string }>(q.entriesAll),
    entryGet: db.prepare<{ path: string }, string>(q.entryGet).pluck(),
    entriesBrief: db.prepare<[], RegistryBriefJsonRow>(q.entriesBrief),
    entryUpsert: db.prepare<{ path: string; entry: string; brief: string }, number>(q.entryUpsert).pluck(),
    entryDelete: db.prepare<{ id: number }>(q.entryDelete),
    searchDelete: db.prepare<{ id: number }>(q.searchDelete),
    searchInsert: db.prepare<RegistrySearchParams>(q.searchInsert),
    search: db.prepare<{ query: string; limit: number }, { path: string; entry: string; score: number }>(q.search),
    clearFiles: db.prepare<[]>(q.clearFiles),
    clearEntries: db.prepare<[]>(q.clearEntries),
    clearSearch: db.prepare<[]>(q.clearSearch),
  };
}
// ---------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------
// The function index (migration 0004): near-duplicate functions for `registry similar` and DUP001.
// Prepared only when similarity is asked for, so an audit that does not compare pays nothing for it.

export const FUNCTION_SQL = {
  metaGet: SQL.metaGet,
  metaSet: SQL.metaSet,
  factsGet: SQL.factsGet,
  filesAll: 'SELECT path, hash, mtime_ms, size FROM function_files',
  /** `@paths` is a JSON array. */
  filesSome: 'SELECT path, hash, mtime_ms, size FROM function_files WHERE path IN (SELECT value FROM json_each(@paths))',
  fileUpsert: `INSERT INTO function_files (path, hash, mtime_ms, size) VALUES (@path, @hash, @mtimeMs, @size)
    ON CONFLICT (path) DO UPDATE SET hash = excluded.hash, mtime_ms = excluded.mtime_ms, size = excluded.size`,
  fileDelete: 'DELETE FROM function_files WHERE path = @path',
  functionInsert: `INSERT INTO functions (path, qualname, line, col, tokens, shingles, cell, cell_line, json_line)
    VALUES (@path, @qualname, @line, @col, @tokens, @shingles, @cell, @cell_line, @json_line) RETURNING id`,
  functionsOfPath:
    'SELECT id, path, qualname, line, col, tokens, shingles, cell, cell_line, json_line FROM functions WHERE path = @path ORDER BY line, id',
  /** `@ids` is a JSON array of function ids. */
  functionsByIds:
    'SELECT id, path, qualname, line, col, tokens, shingles, cell, cell_line, json_line FROM functions WHERE id IN (SELECT value FROM json_each(@ids))',
  functionsDeleteOfPath: 'DELETE FROM functions WHERE path = @path',
  postingInsert: 'INSERT OR IGNORE INTO function_postings (shingle, function) VALUES (@shingle, @function)',
  postingDelete: 'DELETE FROM function_postings WHERE shingle = @shingle AND function = @function',
  /**
   * The functions whose kept prefix holds one of `@shingles` (a JSON array): the candidates of a query
   * function, from its own prefix (see similarity/prefix-filter.ts).
   */
  postingFunctions: 'SELECT DISTINCT function FROM function_postings WHERE shingle IN (SELECT value FROM json_each(@shingles))',
  functionsAll: 'SELECT id, path, qualname, line, col, tokens, shingles, cell, cell_line, json_line FROM functions ORDER BY path, line, id',
  clearPostings: 'DELETE FROM function_postings',
  clearFunctions: 'DELETE FROM functions',
  clearFiles: 'DELETE FROM function_files',
} as const;

export interface FunctionFileRow {
  path: string;
  hash: string;
  mtime_ms: number;
  size: number;
}

export interface FunctionRow {
  id: number;
  path: string;
  qualname: string;
  line: number;
  col: number;
  tokens: number;
  shingles: Buffer;
  /** Notebooks: the cell, the line in it and the notebook JSON's line (`line` is the joined cells' line); else null. */
  cell: number | null;
  cell_line: number | null;
  json_line: number | null;
}

export interface FunctionQueries {
  metaGet: Statement<{ key: string }, string>;
  metaSet: Statement<{ key: string; value: string }>;
  factsGet: Statement<{ hash: string }, Buffer>;
  filesAll: Statement<[], FunctionFileRow>;
  filesSome: Statement<{ paths: string }, FunctionFileRow>;
  fileUpsert: Statement<{ path: string; hash: string; mtimeMs: number; size: number }>;
  fileDelete: Statement<{ path: string }>;
  functionInsert: Statement<Omit<FunctionRow, 'id'>, number>;
  functionsOfPath: Statement<{ path: string }, FunctionRow>;
  functionsByIds: Statement<{ ids: string }, FunctionRow>;
  functionsDeleteOfPath: Statement<{ path: string }>;
  postingInsert: Statement<{ shingle: number; function: number }>;
  postingDelete: Statement<{ shingle: number; function: number }>;
  postingFunctions: Statement<{ shingles: string }, number>;
  functionsAll: Statement<[], FunctionRow>;
  clearPostings: Statement<[]>;
  clearFunctions: Statement<[]>;
  clearFiles: Statement<[]>;
}

export function prepareFunctionQueries(db: Database.Database): FunctionQueries {
  const q = FUNCTION_SQL;
  return {
    metaGet: db.prepare<{ key: string }, string>(q.metaGet).pluck(),
    metaSet: db.prepare<{ key: string; value: string }>(q.metaSet),
    factsGet: db.prepare<{ hash: string }, Buffer>(q.factsGet).pluck(),
    filesAll: db.prepare<[], FunctionFileRow>(q.filesAll),
    filesSome: db.prepare<{ paths: string }, FunctionFileRow>(q.filesSome),
    fileUpsert: db.prepare<{ path: string; hash: string; mtimeMs: number; size: number }>(q.fileUpsert),
    fileDelete: db.prepare<{ path: string }>(q.fileDelete),
    functionInsert: db.prepare<Omit<FunctionRow, 'id'>, number>(q.functionInsert).pluck(),
    functionsOfPath: db.prepare<{ path: string }, FunctionRow>(q.functionsOfPath),
    functionsByIds: db.prepare<{ ids: string }, FunctionRow>(q.functionsByIds),
    functionsDeleteOfPath: db.prepare<{ path: string }>(q.functionsDeleteOfPath),
    postingInsert: db.prepare<{ shingle: number; function: number }>(q.postingInsert),
    postingDelete: db.prepare<{ shingle: number; function: number }>(q.postingDelete),
    postingFunctions: db.prepare<{ shingles: string }, number>(q.postingFunctions).pluck(),
    functionsAll: db.prepare<[], FunctionRow>(q.functionsAll),
    clearPostings: db.prepare<[]>(q.clearPostings),
    clearFunctions: db.prepare<[]>(q.clearFunctions),
    clearFiles: db.prepare<[]>(q.clearFiles),
  };
}
// ---------------------------------------------------------------------------------------------------

/** `PRAGMA user_version`: the number of the last migration applied. */
export function userVersion(db: Database.Database): number {
  const version: unknown = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') throw new TypeError(`PRAGMA user_version returned ${String(version)}`);
  return version;
}

export function setUserVersion(db: Database.Database, version: number): void {
  // PRAGMA takes no bound parameters; the integer check keeps the interpolation safe.
  if (!Number.isInteger(version) || version < 0) throw new RangeError(`bad user_version ${version}`);
  db.pragma(`user_version = ${version}`);
}
