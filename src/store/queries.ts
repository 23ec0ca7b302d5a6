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
  metaSet:
    'INSERT INTO meta (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  filesAll: 'SELECT path, mtime_ms, size, hash, matches, hint, skip, suppressions, results_key, results FROM files',
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
  filesAll: Statement<[], FileRow>;
  fileUpsert: Statement<FileParams>;
  filesDeleteExcept: Statement<{ keep: string }>;
  filesDeleteAll: Statement<[]>;
  factsGet: Statement<{ hash: string }, string>;
  factsUpsert: Statement<{ hash: string; facts: string }>;
  factsDeleteOrphans: Statement<[]>;
  factsDeleteAll: Statement<[]>;
}

export function prepareQueries(db: Database.Database): Queries {
  return {
    metaGet: db.prepare<{ key: string }, string>(SQL.metaGet).pluck(),
    metaSet: db.prepare<{ key: string; value: string }>(SQL.metaSet),
    filesAll: db.prepare<[], FileRow>(SQL.filesAll),
    fileUpsert: db.prepare<FileParams>(SQL.fileUpsert),
    filesDeleteExcept: db.prepare<{ keep: string }>(SQL.filesDeleteExcept),
    filesDeleteAll: db.prepare<[]>(SQL.filesDeleteAll),
    factsGet: db.prepare<{ hash: string }, string>(SQL.factsGet).pluck(),
    factsUpsert: db.prepare<{ hash: string; facts: string }>(SQL.factsUpsert),
    factsDeleteOrphans: db.prepare<[]>(SQL.factsDeleteOrphans),
    factsDeleteAll: db.prepare<[]>(SQL.factsDeleteAll),
  };
}

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
