/**
 * The facts cache: `<root>/.provenant/provenant.db`, a SQLite file that remembers what the scan learned
 * about each file (by path, mtime and size) and the facts extracted from each content hash, so a warm
 * audit parses only what changed.
 *
 * It is a cache, so it never stops an audit: a database that is corrupt, foreign or from a newer
 * provenant is deleted and rebuilt with a warning, and one that cannot be used at all (a directory in
 * its place, a read-only folder, a lock held too long) leaves the run without a cache, with a warning.
 */
import { existsSync, lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { createRequire } from 'node:module';

import Database from 'better-sqlite3';

import type { FileFacts, SuppressionFact } from '../analysis/facts.js';
import { errorMessage } from '../core/errors.js';
import { parseJson } from '../core/fs.js';
import { loadMigrations, migrate, SchemaFromFutureError, type Migration } from './migrate.js';
import { PackedFactsError, packedOf, unpackFacts } from '../analysis/packed-facts.js';
import { CONNECTION_PRAGMAS, prepareQueries, type FileParams, type FileRow, type Queries } from './queries.js';

export interface CachedFile {
  /** Root-relative, `/`-separated. */
  path: string;
  /** From `fs.statSync(...).mtimeMs`. */
  mtimeMs: number;
  size: number;
  /** sha256 hex of the path and the bytes (the key of the file's facts). */
  hash: string;
  /** Rule codes whose prefilter this file passes, whichever rules are enabled. */
  matches: string[];
  /** May define a sanctioned loader. */
  hint: boolean;
  /** Why the file was skipped (binary, not UTF-8, …), or null. */
  skip: string | null;
  /** The file's `# provenant: ignore` comments, parsed. */
  suppressions: SuppressionFact[];
  /** Rule results for this content, valid while `resultsKey` matches (JSON text, decoded on use). */
  resultsKey: string | null;
  results: string | null;
}

export interface FactsStore {
  /** All file rows at once (one query), keyed by path. */
  files(): Map<string, CachedFile>;
  /** The rows of these paths only (one query), keyed by path: a git mode asks about a few files. */
  filesFor(paths: readonly string[]): Map<string, CachedFile>;
  /**
   * The rows of files that may define a sanctioned loader, or null when the cache has no rows at all
   * (nothing was ever scanned, so it cannot tell).
   */
  hintedFiles(): CachedFile[] | null;
  /** Facts by content hash, or undefined. */
  facts(hash: string): FileFacts | undefined;
  /** The same facts as the cache keeps them (packed), for a worker to unpack. */
  factsPacked(hash: string): Buffer | undefined;
  /**
   * One transaction: upsert these rows and facts, delete file rows whose path is neither in `keep` nor
   * among `files`, and drop the facts no remaining file row refers to. With `keep` null (a run that saw
   * only part of the tree) no row is deleted.
   */
  /** `facts` may come encoded already (JSON text, or packed as a parse worker sends them). */
  save(files: CachedFile[], facts: { hash: string; facts: FileFacts | string | Uint8Array }[], keep: ReadonlySet<string> | null): void;
  /** A small derived value remembered across runs (e.g. the inferred loaders), or undefined. */
  memo(name: string): string | undefined;
  remember(name: string, value: string): void;
  /** A large value kept as bytes, in parts (the run memo, printed as it is): its parts in order, or undefined. */
  memoParts(name: string): Buffer[] | undefined;
  /** Replaces the parts of `name` in one transaction; they are made while it runs, one at a time. */
  rememberParts(name: string, parts: Iterable<Buffer>): void;
  close(): void;
}

export interface StoreOptions {
  /** The project root; the cache lives in `<root>/.provenant/`. */
  root: string;
  /** Identifies the engine that computed the rows; rows from another engine are dropped. */
  engineKey: string;
  warn(message: string): void;
}

export const CACHE_DIR = '.provenant';
export const DB_FILE = 'provenant.db';
/** How long a writer waits for another process's transaction before giving up on the cache. */
const BUSY_TIMEOUT_MS = 10_000;
const ENGINE_KEY = 'engine_key';

/** The path of the cache database under `root`. */
export function databasePath(root: string): string {
  return path.join(root, CACHE_DIR, DB_FILE);
}

export function openStore(options: StoreOptions): FactsStore {
  const file = databasePath(options.root);
  if (!prepareFolder(file, options.warn)) return noStore();
  const store = new SqliteStore(file, options.engineKey, options.warn);
  return store.connection ? store : noStore();
}

/**
 * The store's connection for other indexes kept beside the facts cache (the registry's): migrated like
 * the cache, but the cache's engine key is left alone, so neither side drops the other's rows. Null (after
 * a warning) when the database cannot be used.
 */
export function openDatabase(options: Omit<StoreOptions, 'engineKey'>): Database.Database | null {
  const file = databasePath(options.root);
  if (!prepareFolder(file, options.warn)) return null;
  return new SqliteStore(file, null, options.warn).connection?.db ?? null;
}

/** A store that remembers nothing: the run goes on without a cache. */
function noStore(): FactsStore {
  return {
    files: () => new Map(),
    filesFor: () => new Map(),
    hintedFiles: () => null,
    facts: () => undefined,
    factsPacked: () => undefined,
    save: () => undefined,
    memo: () => undefined,
    memoParts: () => undefined,
    rememberParts: () => undefined,
    remember: () => undefined,
    close: () => undefined,
  };
}

/** Creates `.provenant/` with its `.gitignore`; false (after a warning) when the cache cannot live there. */
function prepareFolder(file: string, warn: (message: string) => void): boolean {
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
    const ignore = path.join(dir, '.gitignore');
    if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
    if (existsSync(file) && !lstatSync(file).isFile()) {
      warn(`${file}: not a regular file; running without a cache`);
      return false;
    }
  } catch (error) {
    if (!isFsError(error)) throw error;
    warn(`${dir}: cannot write the cache (${errorMessage(error)}); running without a cache`);
    return false;
  }
  return true;
}

interface Connection {
  db: Database.Database;
  queries: Queries;
}

let migrations: Migration[] | undefined;

class SqliteStore implements FactsStore {
  connection: Connection | null;
  /** The rows as `files()` read them, so `save` can skip the unchanged ones. */
  private readonly loaded = new Map<string, FileRow>();
  /** `loaded` holds every row of the table (as of the last `files()`, plus this process's writes). */
  private loadedAll = false;

  constructor(
    private readonly file: string,
    /** Null: the connection serves another index and leaves the cache's key to the audit. */
    private readonly engineKey: string | null,
    private readonly warn: (message: string) => void,
  ) {
    this.connection = this.connect();
  }

  files(): Map<string, CachedFile> {
    return this.guard(new Map<string, CachedFile>(), ({ queries }) => {
      const files = new Map<string, CachedFile>();
      this.loaded.clear();
      this.loadedAll = false;
      for (const row of queries.filesAll.all()) {
        files.set(row.path, fromRow(row));
        this.loaded.set(row.path, row);
      }
      this.loadedAll = true;
      return files;
    });
  }

  filesFor(paths: readonly string[]): Map<string, CachedFile> {
    return this.guard(new Map<string, CachedFile>(), ({ queries }) => {
      const files = new Map<string, CachedFile>();
      for (const row of queries.filesSome.all({ paths: JSON.stringify(paths) })) {
        files.set(row.path, fromRow(row));
        this.loaded.set(row.path, row);
      }
      return files;
    });
  }

  hintedFiles(): CachedFile[] | null {
    return this.guard(null, ({ queries }) => {
      if (!queries.filesAny.get()) return null;
      return queries.filesHinted.all().map((row) => {
        this.loaded.set(row.path, row);
        return fromRow(row);
      });
    });
  }

  factsPacked(hash: string): Buffer | undefined {
    return this.guard(undefined, ({ queries }) => queries.factsGet.get({ hash }));
  }

  facts(hash: string): FileFacts | undefined {
    return this.guard(undefined, ({ queries }) => {
      const packed = queries.factsGet.get({ hash });
      return packed === undefined ? undefined : decodeFacts(packed, hash);
    });
  }

  save(files: CachedFile[], facts: { hash: string; facts: FileFacts | string | Uint8Array }[], keep: ReadonlySet<string> | null): void {
    // Encoding happens before the write lock is taken, so another process waits less.
    const rows = files.map(toParams);
    const encoded = facts.map((f) => ({ hash: f.hash, facts: packedOf(f.facts) }));
    const kept = keep && new Set(keep);
    if (kept) for (const f of files) kept.add(f.path);
    const write = ({ db, queries }: Connection): void => {
      // A warm run hands back every row it read; only the changed ones are written, and when nothing
      // changed at all the write lock is not even taken.
      const changed = rows.filter((row) => !sameRow(this.loaded.get(row.path), row));
      // without a full `loaded` it is unknown whether rows vanished: ask the table
      const vanished = kept !== null && (!this.loadedAll || [...this.loaded.keys()].some((path) => !kept.has(path)));
      if (changed.length === 0 && encoded.length === 0 && !vanished) return;
      // a row that changed may have dropped the last reference to some facts
      const orphans = vanished || changed.some((row) => this.loaded.get(row.path)?.hash !== row.hash);
      db.transaction(() => {
        for (const row of changed) queries.fileUpsert.run(row);
        for (const row of encoded) queries.factsUpsert.run(row);
        if (kept && vanished) queries.filesDeleteExcept.run({ keep: JSON.stringify([...kept]) });
        if (orphans) queries.factsDeleteOrphans.run();
      }).immediate();
      if (kept) for (const path of this.loaded.keys()) if (!kept.has(path)) this.loaded.delete(path);
      for (const row of changed) this.loaded.set(row.path, toRow(row));
    };
    this.guard(undefined, write, write);
  }

  memo(name: string): string | undefined {
    return this.guard(undefined, ({ queries }) => queries.metaGet.get({ key: `memo:${name}` }));
  }

  remember(name: string, value: string): void {
    const write = ({ queries }: Connection): void => {
      queries.metaSet.run({ key: `memo:${name}`, value });
    };
    this.guard(undefined, write);
  }

  memoParts(name: string): Buffer[] | undefined {
    const rows = this.guard(undefined, ({ queries }) => queries.partsGet.all({ name, below: `${name};` }));
    // the range also holds names like `run0`: only the memo's own rows count
    const parts = rows?.filter((r) => r.name === name || r.name.startsWith(`${name}:`)).map((r) => r.value);
    return parts?.length ? parts : undefined;
  }

  rememberParts(name: string, parts: Iterable<Buffer>): void {
    const write = ({ db, queries }: Connection): void => {
      db.transaction(() => {
        queries.partsDelete.run({ name, parts: `${name}:*` });
        let n = 0;
        for (const value of parts) {
          queries.partSet.run({ name: n === 0 ? name : `${name}:${String(n).padStart(6, '0')}`, value });
          n++;
        }
      }).immediate();
    };
    this.guard(undefined, write);
  }

  close(): void {
    this.connection?.db.close();
    this.connection = null;
  }

  /**
   * Runs `use` on the connection. A corrupt database is rebuilt (and `retry`, when given, runs on the
   * new one); any other SQLite or file-system failure leaves the rest of the run without a cache.
   */
  private guard<T>(fallback: T, use: (connection: Connection) => T, retry?: (connection: Connection) => T): T {
    const connection = this.connection;
    if (!connection) return fallback;
    try {
      return use(connection);
    } catch (error) {
      const reason = rebuildReason(error);
      if (reason === null && !isStorageError(error)) throw error;
      this.close();
      if (reason === null) {
        this.warn(`${this.file}: cannot use the cache (${errorMessage(error)}); running without a cache`);
        return fallback;
      }
      this.warn(`${this.file}: ${reason}; rebuilding`);
      this.loaded.clear();
      // the new database is empty, so the (empty) `loaded` is all of it
      this.loadedAll = true;
      if (!this.remove()) return fallback;
      this.connection = this.connect();
      return retry ? this.guard(fallback, retry) : fallback;
    }
  }

  /** Opens, configures and migrates the database, rebuilding it once if it is not ours to use. */
  private connect(): Connection | null {
    for (let attempt = 1; ; attempt++) {
      let db: Database.Database | undefined;
      try {
        db = new Database(this.file, { timeout: BUSY_TIMEOUT_MS, ...nativeBinding() });
        for (const pragma of CONNECTION_PRAGMAS) db.pragma(pragma);
        migrate(db, (migrations ??= loadMigrations()));
        const queries = prepareQueries(db);
        if (this.engineKey !== null) this.adoptEngineKey(db, queries, this.engineKey);
        return { db, queries };
      } catch (error) {
        db?.close();
        const reason = rebuildReason(error);
        if (reason === null && !isStorageError(error)) throw error;
        if (reason === null || attempt > 1) {
          this.warn(`${this.file}: cannot open the cache (${errorMessage(error)}); running without a cache`);
          return null;
        }
        this.warn(`${this.file}: ${reason}; rebuilding`);
        if (!this.remove()) return null;
      }
    }
  }

  /** Rows computed by another engine are not reused: they are dropped and the new key recorded. */
  private adoptEngineKey(db: Database.Database, queries: Queries, engineKey: string): void {
    if (queries.metaGet.get({ key: ENGINE_KEY }) === engineKey) return;
    db.transaction(() => {
      // Re-read under the write lock: another process may have just adopted the same key.
      if (queries.metaGet.get({ key: ENGINE_KEY }) === engineKey) return;
      queries.filesDeleteAll.run();
      queries.factsDeleteAll.run();
      queries.bytesDeleteAll.run();
      queries.metaSet.run({ key: ENGINE_KEY, value: engineKey });
    }).immediate();
  }

  /** Deletes the database and its WAL files; false (after a warning) when that fails. */
  private remove(): boolean {
    try {
      for (const suffix of ['', '-wal', '-shm']) rmSync(this.file + suffix, { force: true });
      return true;
    } catch (error) {
      if (!isFsError(error)) throw error;
      this.warn(`${this.file}: cannot delete the cache (${errorMessage(error)}); running without a cache`);
      return false;
    }
  }
}

/** Why the database should be deleted and built anew, or null when it should not. */
function rebuildReason(error: unknown): string | null {
  if (error instanceof SchemaFromFutureError) {
    return `cache from a newer provenant (schema ${error.found} > ${error.latest})`;
  }
  if (error instanceof CorruptRowError) return `cache is corrupt (${error.message})`;
  if (!(error instanceof Database.SqliteError)) return null;
  if (error.code.startsWith('SQLITE_CORRUPT') || error.code === 'SQLITE_NOTADB') {
    return `cache is corrupt (${error.message})`;
  }
  // A valid SQLite file whose tables are not the ones the migrations made (another tool's file).
  if (error.code === 'SQLITE_ERROR') return `cache has an unexpected schema (${error.message})`;
  return null;
}

let binding: { nativeBinding?: string } | undefined;

/**
 * The addon's path, where its build puts it: better-sqlite3 otherwise asks the \`bindings\` package, which
 * probes a dozen folders on every start (a few milliseconds of every pre-commit run). When the file is
 * elsewhere, that search is left to run as usual.
 */
export function nativeBinding(): { nativeBinding?: string } {
  if (binding) return binding;
  try {
    const file = createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
    binding = existsSync(file) ? { nativeBinding: file } : {};
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'MODULE_NOT_FOUND')) throw error;
    binding = {};
  }
  return binding;
}

/** Failures of the medium (locks, permissions, disk), which cost the cache but not the audit. */
function isStorageError(error: unknown): boolean {
  return error instanceof Database.SqliteError || isFsError(error);
}

function isFsError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'syscall' in error;
}

/** A stored value that does not decode: the file was damaged or written by something else. */
class CorruptRowError extends Error {
  override readonly name = 'CorruptRowError';
}

function decodeJson(text: string, what: string): unknown {
  const parsed = parseJson(text);
  if ('value' in parsed) return parsed.value;
  throw new CorruptRowError(`${what}: ${parsed.problem}`, { cause: parsed.error });
}

/**
 * Facts are kept packed (deflated JSON, analysis/packed-facts.ts): a tenth of the bytes to write and to keep.
 * A warm run of an unchanged tree reads none (the run memo answers it), and a parse worker sends the facts of
 * the files read twice packed already, which then reach the cache without being unpacked. Trusted as
 * `FileFacts`: only an engine with the same key (which covers the facts model) wrote them.
 */
function decodeFacts(packed: Buffer, hash: string): FileFacts {
  let text: string;
  try {
    text = unpackFacts(packed);
  } catch (error) {
    if (!(error instanceof PackedFactsError)) throw error;
    throw new CorruptRowError(`facts of ${hash}: ${error.message}`, { cause: error });
  }
  return decodeJson(text, 'facts') as FileFacts;
}

const EMPTY = '[]';

/** A list column is JSON text, with `[]` read back without parsing. */
function listToText(list: readonly unknown[]): string {
  return list.length === 0 ? EMPTY : JSON.stringify(list);
}

function textToList<T>(text: string, what: string): T[] {
  return text === EMPTY ? [] : (decodeJson(text, what) as T[]);
}

/** The columns stored as they are pass through; only the list, flag and snake_case ones are converted. */
function toParams({ matches, hint, suppressions, ...asIs }: CachedFile): FileParams {
  return { ...asIs, matches: listToText(matches), hint: hint ? 1 : 0, suppressions: listToText(suppressions) };
}

function fromRow({ mtime_ms, results_key, matches, hint, suppressions, ...asIs }: FileRow): CachedFile {
  return {
    ...asIs,
    mtimeMs: mtime_ms,
    resultsKey: results_key,
    matches: textToList<string>(matches, `matches of ${asIs.path}`),
    hint: hint === 1,
    suppressions: textToList<SuppressionFact>(suppressions, `suppressions of ${asIs.path}`),
  };
}

function toRow({ mtimeMs, resultsKey, ...rest }: FileParams): FileRow {
  return { ...rest, mtime_ms: mtimeMs, results_key: resultsKey };
}

function sameRow(row: FileRow | undefined, params: FileParams): boolean {
  return (
    row !== undefined &&
    row.mtime_ms === params.mtimeMs &&
    row.size === params.size &&
    row.hash === params.hash &&
    row.matches === params.matches &&
    row.hint === params.hint &&
    row.skip === params.skip &&
    row.suppressions === params.suppressions &&
    row.results_key === params.resultsKey &&
    row.results === params.results
  );
}
