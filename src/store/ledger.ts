/**
 * The provenance ledger: `.provenant/ledger.db`, an index of the stamps provenant wrote (for `log`,
 * `lineage`, dependents of an artifact) and the verify fast path (size, mtime, inode → sha256). Unlike the
 * facts cache it holds history, so it is never deleted behind the user's back: a corrupt or foreign file is
 * a user error naming `provenant ledger rebuild`, which restores it from the sidecar stamps.
 *
 * Writers take the lock up front (`BEGIN IMMEDIATE`) and wait for each other, so concurrent runs never lose
 * a row. All of the ledger's SQL lives here.
 */
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import Database from 'better-sqlite3';

import { UserError } from '../core/errors.js';
import { notRegular } from '../core/files.js';
import { loadMigrations, migrate, migrationsDir, SchemaFromFutureError, type Migration } from './migrate.js';
import { CACHE_DIR, nativeBinding } from './index.js';

export const LEDGER_FILE = 'ledger.db';
const BUSY_TIMEOUT_MS = 30_000;

export interface StampRow {
  id: number;
  run_id: string;
  artifact: string;
  sidecar: string;
  tmp: string | null;
  stamp_sha256: string;
  artifact_sha256: string;
  producer: string | null;
  git_commit: string | null;
  created_at: string;
  /** JSON: a few fields for listings (producer status, verdict-relevant flags). */
  summary: string;
}

export interface RunRow {
  id: string;
  pid: number;
  state: 'pending' | 'written' | 'done';
  started_at: string;
}

export interface NewStamp {
  artifact: string;
  sidecar: string;
  tmp: string | null;
  stampSha256: string;
  artifactSha256: string;
  producer: string | null;
  gitCommit: string | null;
  createdAt: string;
  summary: string;
  inputs: { path: string; sha256: string }[];
}

export interface DigestRow {
  path: string;
  size: number;
  mtime_ns: string;
  ino: string;
  sha256: string;
}

const SQL = {
  runInsert: 'INSERT INTO runs (id, pid, state, started_at) VALUES (@id, @pid, @state, @startedAt)',
  runState: 'UPDATE runs SET state = @state WHERE id = @id',
  runDelete: 'DELETE FROM runs WHERE id = @id',
  runsUnfinished: "SELECT id, pid, state, started_at FROM runs WHERE state != 'done'",
  stampInsert: `INSERT INTO stamps (run_id, artifact, sidecar, tmp, stamp_sha256, artifact_sha256, producer, git_commit, created_at, summary)
    VALUES (@runId, @artifact, @sidecar, @tmp, @stampSha256, @artifactSha256, @producer, @gitCommit, @createdAt, @summary)`,
  stampClearTmp: 'UPDATE stamps SET tmp = NULL WHERE run_id = @runId',
  stampDelete: 'DELETE FROM stamps WHERE id = @id',
  inputInsert: 'INSERT OR IGNORE INTO stamp_inputs (stamp_id, input, input_sha256) VALUES (@stampId, @input, @sha256)',
  stampsOfRun: 'SELECT * FROM stamps WHERE run_id = @runId ORDER BY id',
  stampsOfArtifact: 'SELECT * FROM stamps WHERE artifact = @artifact ORDER BY id',
  stampsOfProducer: 'SELECT * FROM stamps WHERE producer = @producer ORDER BY id',
  latestStamps: 'SELECT * FROM stamps WHERE id IN (SELECT MAX(id) FROM stamps GROUP BY artifact) ORDER BY artifact',
  consumersOf: 'SELECT s.* FROM stamps s JOIN stamp_inputs i ON i.stamp_id = s.id WHERE i.input = @input ORDER BY s.id',
  stampCount: 'SELECT COUNT(*) FROM stamps',
  allStamps: 'SELECT * FROM stamps ORDER BY id',
  inputsOfStamp: 'SELECT input AS path, input_sha256 AS sha256 FROM stamp_inputs WHERE stamp_id = @stampId ORDER BY input',
  digestGet: 'SELECT path, size, mtime_ns, ino, sha256 FROM digests WHERE path = @path',
  digestUpsert: `INSERT INTO digests (path, size, mtime_ns, ino, sha256) VALUES (@path, @size, @mtime_ns, @ino, @sha256)
    ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, ino = excluded.ino, sha256 = excluded.sha256`,
  clearAll: 'DELETE FROM runs; DELETE FROM digests;',
} as const;

let migrations: Migration[] | undefined;

export function ledgerPath(root: string): string {
  return path.join(root, CACHE_DIR, LEDGER_FILE);
}

/**
 * Opens the ledger, creating it when `create`; null when it does not exist and `create` is false. Without
 * `create`, a ledger in a folder this process cannot write (a read-only checkout) is opened read-only: it
 * answers queries, remembers no digests and recovers no runs. With `create`, such a folder is a user error
 * naming it, raised before anything was done.
 */
export function openLedger(root: string, options: { create: boolean; orReadOnly?: boolean }): Ledger | null {
  const file = ledgerPath(root);
  const kind = existsSync(file) ? notRegular(statSync(file)) : null;
  if (kind) {
    throw new UserError(`${file}: ${kind}, not the ledger (an SQLite file)`, { hint: 'run `provenant ledger rebuild`: it moves it aside (ledger.db.bad) and restores the ledger from the stamps' });
  }
  // a reader that would create the ledger if it could (pipeline plan): read-only, or none, where it cannot
  if (options.create && options.orReadOnly && !writable(file)) return existsSync(file) ? openReadOnly(file) : null;
  if (!existsSync(file)) {
    if (!options.create) return null;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const ignore = path.join(path.dirname(file), '.gitignore');
      if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
    } catch (error) {
      throw notWritable(file, error);
    }
  }
  if (!writable(file)) {
    if (options.create) throw notWritable(file, null);
    return openReadOnly(file);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS, ...nativeBinding() });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, (migrations ??= loadMigrations(path.join(migrationsDir(), 'ledger'))));
    return new Ledger(db, file);
  } catch (error) {
    db?.close();
    if (error instanceof Database.SqliteError && (error.code.startsWith('SQLITE_READONLY') || error.code.startsWith('SQLITE_CANTOPEN'))) {
      if (options.create) throw notWritable(file, error);
      return openReadOnly(file);
    }
    throw ledgerError(file, error);
  }
}

/** The ledger and its folder can be written (the folder for the WAL and the journal), or created. */
function writable(file: string): boolean {
  let dir = path.dirname(file);
  while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.W_OK);
    return true;
  } catch {
    // EACCES, EROFS, EPERM (immutable): all mean the same here
    return false;
  }
}

function notWritable(file: string, error: unknown): UserError {
  return new UserError(`${file}: cannot write the ledger: the folder is not writable (a read-only checkout?)`, {
    hint: 'commands that stamp need a writable .provenant/; verify, log and lineage work read-only',
    ...(error ? { cause: error } : {}),
  });
}

/**
 * A read-only connection. SQLite cannot open a WAL database read-only in a folder nobody may write when no
 * -shm file is beside it (and better-sqlite3 has no `immutable` URI), so that case reads a copy made in the
 * temp folder: nobody can be writing the original there anyway.
 */
function openReadOnly(file: string): Ledger {
  try {
    return readOnlyAt(file, file, null);
  } catch (error) {
    if (!(error instanceof Database.SqliteError && (error.code.startsWith('SQLITE_CANTOPEN') || error.code.startsWith('SQLITE_READONLY')))) throw error;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-ledger-'));
  try {
    const copy = path.join(dir, LEDGER_FILE);
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    return readOnlyAt(copy, file, () => rmSync(dir, { recursive: true, force: true }));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error instanceof UserError ? error : ledgerError(file, error);
  }
}

function readOnlyAt(at: string, file: string, cleanup: (() => void) | null): Ledger {
  const list = (migrations ??= loadMigrations(path.join(migrationsDir(), 'ledger')));
  let db: Database.Database | undefined;
  try {
    db = new Database(at, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS, ...nativeBinding() });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > list.length) throw ledgerError(file, new SchemaFromFutureError(version, list.length));
    if (version < list.length) {
      throw new UserError(`${file}: the ledger needs an upgrade, which cannot be written here (read-only)`, { hint: 'run provenant once in a writable checkout' });
    }
    return new Ledger(db, file, true, cleanup);
  } catch (error) {
    db?.close();
    if (error instanceof UserError || (error instanceof Database.SqliteError && cleanup === null)) throw error;
    throw ledgerError(file, error);
  }
}

/** A ledger that cannot be opened is a user's problem to decide about: its history is not thrown away. */
function ledgerError(file: string, error: unknown): unknown {
  const hint = 'run `provenant ledger rebuild` to restore it from the stamps (the old file is kept as ledger.db.bad)';
  if (error instanceof SchemaFromFutureError) {
    return new UserError(`${file}: ledger written by a newer provenant (schema ${error.found} > ${error.latest})`, { hint: 'upgrade provenant', cause: error });
  }
  if (error instanceof Database.SqliteError && (error.code.startsWith('SQLITE_CORRUPT') || error.code === 'SQLITE_NOTADB' || error.code === 'SQLITE_ERROR')) {
    return new UserError(`${file}: the ledger is unreadable (${error.message})`, { hint, cause: error });
  }
  return error;
}

/** Moves an unreadable ledger aside so `ledger rebuild` can start a new one without destroying the old. */
export function setLedgerAside(root: string): string | null {
  const file = ledgerPath(root);
  if (!existsSync(file)) return null;
  const aside = `${file}.bad`;
  rmSync(aside, { force: true });
  renameSync(file, aside);
  for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
  return aside;
}

type Statements = { -readonly [K in keyof typeof SQL]: Database.Statement };

export class Ledger {
  private readonly q: Statements;

  constructor(
    readonly db: Database.Database,
    readonly file: string,
    /** Opened read-only (a read-only checkout): queries only, and the fast path learns nothing. */
    readonly readOnly = false,
    private readonly cleanup: (() => void) | null = null,
  ) {
    const q: Partial<Statements> = {};
    for (const [name, sql] of Object.entries(SQL)) {
      if (name === 'clearAll') continue;
      q[name as keyof typeof SQL] = db.prepare(sql);
    }
    this.q = q as Statements;
  }

  close(): void {
    this.db.close();
    this.cleanup?.();
  }

  /** Step 1 of a run: the run and its stamps, with the temporary sidecar paths it is about to write. */
  planRun(run: { id: string; pid: number; startedAt: string }, stamps: readonly NewStamp[]): void {
    this.db.transaction(() => {
      this.q.runInsert.run({ id: run.id, pid: run.pid, state: 'pending', startedAt: run.startedAt });
      for (const stamp of stamps) this.insertStamp(run.id, stamp);
    }).immediate();
  }

  setRunState(id: string, state: RunRow['state']): void {
    this.db.transaction(() => {
      this.q.runState.run({ id, state });
      if (state === 'done') this.q.stampClearTmp.run({ runId: id });
    }).immediate();
  }

  deleteRun(id: string): void {
    this.db.transaction(() => void this.q.runDelete.run({ id })).immediate();
  }

  unfinishedRuns(): RunRow[] {
    return this.q.runsUnfinished.all() as RunRow[];
  }

  stampsOfRun(runId: string): StampRow[] {
    return this.q.stampsOfRun.all({ runId }) as StampRow[];
  }

  deleteStamp(id: number): void {
    this.q.stampDelete.run({ id });
  }

  history(artifact: string): StampRow[] {
    return this.q.stampsOfArtifact.all({ artifact }) as StampRow[];
  }

  producedBy(producer: string): StampRow[] {
    return this.q.stampsOfProducer.all({ producer }) as StampRow[];
  }

  consumersOf(input: string): StampRow[] {
    return this.q.consumersOf.all({ input }) as StampRow[];
  }

  latest(): StampRow[] {
    return this.q.latestStamps.all() as StampRow[];
  }

  /** Every stamp row, oldest first (`ledger rebuild` carries history over from them). */
  all(): StampRow[] {
    return this.q.allStamps.all() as StampRow[];
  }

  inputsOf(stampId: number): { path: string; sha256: string }[] {
    return this.q.inputsOfStamp.all({ stampId }) as { path: string; sha256: string }[];
  }

  count(): number {
    return this.q.stampCount.pluck().get() as number;
  }

  digest(pathname: string): DigestRow | undefined {
    return this.q.digestGet.get({ path: pathname }) as DigestRow | undefined;
  }

  rememberDigests(rows: readonly DigestRow[]): void {
    if (rows.length === 0 || this.readOnly) return;
    this.db.transaction(() => {
      for (const row of rows) this.q.digestUpsert.run(row);
    }).immediate();
  }

  /** `ledger rebuild`: every row replaced by the given stamps, in one transaction. */
  replaceAll(runId: string, startedAt: string, stamps: readonly NewStamp[]): void {
    this.db.transaction(() => {
      this.db.exec(SQL.clearAll);
      this.q.runInsert.run({ id: runId, pid: process.pid, state: 'done', startedAt });
      for (const stamp of stamps) this.insertStamp(runId, stamp);
    }).immediate();
  }

  private insertStamp(runId: string, stamp: NewStamp): void {
    const { lastInsertRowid } = this.q.stampInsert.run({
      runId,
      artifact: stamp.artifact,
      sidecar: stamp.sidecar,
      tmp: stamp.tmp,
      stampSha256: stamp.stampSha256,
      artifactSha256: stamp.artifactSha256,
      producer: stamp.producer,
      gitCommit: stamp.gitCommit,
      createdAt: stamp.createdAt,
      summary: stamp.summary,
    });
    for (const input of stamp.inputs) this.q.inputInsert.run({ stampId: lastInsertRowid, input: input.path, sha256: input.sha256 });
  }
}
