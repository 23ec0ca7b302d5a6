/**
 * Locks between provenant processes (and between callers in one process), released by the kernel when
 * the holder dies — so `kill -9`, a crash or a reused process id never leaves a lock held or lets two
 * holders in. Each lock is an empty SQLite file under `.provenant/locks/`: holding it exclusively is an
 * open `BEGIN EXCLUSIVE` transaction on it, holding it shared an open read transaction. SQLite takes
 * these as fcntl locks, which the kernel drops with the last file descriptor of the process, and it
 * tracks them per connection within a process, so one process's two callers exclude each other too.
 * (A lock file with a pid in it, or a mkdir with a heartbeat, has to guess whether its holder is dead.)
 *
 * Beside each lock file, `<lock>.holder` names who holds it (pid, host, command, since) for the message
 * a waiting or refused process prints; it is informative only and never decides anything (of several
 * shared holders it names the latest).
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import type Database from 'better-sqlite3';

import { errorMessage, UserError } from './errors.js';
import { isErrno } from './fs.js';

export const LOCKS_DIR = path.join('.provenant', 'locks');

export interface LockOptions {
  /** What the lock protects, for messages: "the output data/x.jsonl", "the pipeline". */
  what: string;
  /** How long to wait for another holder, in milliseconds; 0 refuses at once. */
  waitMs: number;
  /** Shared holders exclude only exclusive ones (a run holds the folders above its outputs shared). */
  shared?: boolean;
  /** Said in the refusal after the holder, e.g. "wait for it to finish". */
  hint?: string;
}

export interface Holder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface HeldLock {
  readonly file: string;
  release(): void;
}

type DatabaseConstructor = typeof Database;
let sqlite: DatabaseConstructor | undefined;

function openDatabase(file: string): Database.Database {
  sqlite ??= createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
  // timeout 0: waiting is done here, without blocking the event loop for the other callers of this process
  return new sqlite(file, { timeout: 0 });
}

/** The lock file for `name` (any text: a path, "pipeline", a run id) under the project `root`. */
export function lockFile(root: string, name: string): string {
  const slug = name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40);
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return path.join(root, LOCKS_DIR, `${slug}-${digest}.lock`);
}

/**
 * Takes the lock now or returns null when another holder has it (no waiting). Throws a UserError when the
 * lock file cannot be created (a read-only checkout).
 */
export function tryLock(root: string, name: string, options: { shared?: boolean; what: string }): HeldLock | null {
  const file = lockFile(root, name);
  prepareFolder(path.dirname(file), options.what);
  // a finished run's holder removes its lock file (removeLock): one that vanishes between our open and our
  // lock is taken again from a new file instead of failing a concurrent run's recovery
  for (let attempt = 1; ; attempt++) {
    try {
      return lockOnce(file, options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof UserError) || !vanished(error.cause)) throw error;
    }
  }
}

/** The lock file was unlinked under us: gone at the access check, or SQLite's fstat of it failed. */
function vanished(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return code === 'ENOENT' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR'));
}

function lockOnce(file: string, options: { shared?: boolean; what: string }): HeldLock | null {
  let db: Database.Database;
  try {
    db = openDatabase(file);
  } catch (error) {
    throw cannotLock(file, options.what, error);
  }
  try {
    // SQLite quietly opens a file it may not write read-only, and a read-only connection's transactions
    // exclude no one: such a lock would be no lock at all
    accessSync(file, constants.W_OK);
  } catch (error) {
    db.close();
    throw cannotLock(file, options.what, error);
  }
  try {
    if (options.shared) {
      db.exec('BEGIN');
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } else {
      db.exec('BEGIN EXCLUSIVE');
    }
  } catch (error) {
    db.close();
    if (isBusy(error)) return null;
    throw cannotLock(file, options.what, error);
  }
  // a shared lock's file names its latest holder (others may hold it too); an exclusive one its only holder
  writeHolder(file);
  let held = true;
  return {
    file,
    release() {
      if (!held) return;
      held = false;
      if (!options.shared) rmSync(holderFile(file), { force: true });
      // closing the connection ends the transaction and with it the fcntl lock
      db.close();
    },
  };
}

/** Takes the lock, waiting up to `waitMs` for its holder; a UserError naming the holder when it does not come free. */
export async function acquireLock(root: string, name: string, options: LockOptions): Promise<HeldLock> {
  let deadline = Date.now() + options.waitMs;
  let graced = false;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const held = tryLock(root, name, options);
    if (held) return held;
    if (Date.now() >= deadline) {
      // a holder that has just taken the lock (and not yet said who it is) or is just letting it go:
      // a moment more either frees the lock or names the holder
      if (graced || lockHolder(root, name) !== null) throw busyError(root, name, options);
      graced = true;
      deadline = Date.now() + HOLDER_GRACE_MS;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(1, deadline - Date.now()))));
  }
}

/** Runs `use` while holding the lock, and releases it however `use` ends. */
export async function withLock<T>(root: string, name: string, options: LockOptions, use: () => Promise<T> | T): Promise<T> {
  const held = await acquireLock(root, name, options);
  try {
    return await use();
  } finally {
    held.release();
  }
}

const HOLDER_GRACE_MS = 300;

/** How long an in-place edit waits for another process's edit of the same file. */
const EDIT_WAIT_MS = 60_000;

/**
 * Runs `edit` holding the lock of the file `abs` (inside `root`): every in-place edit of a file provenant
 * rewrites (registry annotations, config, baseline, registry Markdown) reads the file inside `edit`, so
 * edits by concurrent processes apply one after another and none is lost. `waitMs`: how long to wait for
 * another holder (an interactive caller waits less than a script).
 */
export function withFileLock<T>(root: string, abs: string, display: string, edit: () => Promise<T> | T, waitMs = EDIT_WAIT_MS): Promise<T> {
  const rel = path.relative(root, path.resolve(root, abs)).split(path.sep).join('/');
  return withLock(root, `file:${rel}`, { what: display, waitMs, hint: 'another provenant command is editing it; try again when it is done' }, edit);
}

/** Who holds the lock `name`, as its holder recorded it, or null when nobody wrote it (yet). */
export function lockHolder(root: string, name: string): Holder | null {
  try {
    const value = JSON.parse(readFileSync(holderFile(lockFile(root, name)), 'utf8')) as Partial<Holder>;
    if (typeof value.pid !== 'number' || typeof value.command !== 'string') return null;
    return { pid: value.pid, host: String(value.host ?? ''), command: value.command, since: String(value.since ?? '') };
  } catch (error) {
    // informative only: a holder that has not written the file yet (or a torn one) is just not named
    if (error instanceof SyntaxError || isErrno(error, 'ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR')) return null;
    throw error;
  }
}

/** Deletes the lock file of `name` when nobody holds it (a finished run's lock). */
export function removeLock(root: string, name: string): void {
  const file = lockFile(root, name);
  if (!existsSync(file)) return;
  const held = tryLock(root, name, { what: name });
  if (!held) return;
  try {
    rmSync(file, { force: true });
  } finally {
    held.release();
  }
}

export function describeHolder(holder: Holder | null): string {
  if (!holder) return 'another provenant process';
  const host = holder.host && holder.host !== os.hostname() ? ` on ${holder.host}` : '';
  return `process ${holder.pid}${host} (${holder.command}), since ${holder.since}`;
}

function busyError(root: string, name: string, options: LockOptions): UserError {
  const holder = lockHolder(root, name);
  return new UserError(`${options.what} is in use by ${describeHolder(holder)}`, { hint: options.hint ?? 'wait for it to finish, then try again' });
}

function holderFile(file: string): string {
  return `${file}.holder`;
}

function writeHolder(file: string): void {
  const holder: Holder = { pid: process.pid, host: os.hostname(), command: commandLine(), since: new Date().toISOString() };
  try {
    writeFileSync(holderFile(file), JSON.stringify(holder) + '\n');
  } catch (error) {
    // the lock is held either way; only the name in a refusal message is lost
    if (!isErrno(error, 'EACCES', 'EPERM', 'EROFS', 'ENOSPC')) throw error;
  }
}

function commandLine(): string {
  const args = process.argv.slice(2).join(' ');
  const text = `provenant ${args}`.trim();
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function prepareFolder(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const ignore = path.join(path.dirname(dir), '.gitignore');
    if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
  } catch (error) {
    throw cannotLock(dir, what, error);
  }
}

function cannotLock(file: string, what: string, error: unknown): UserError {
  const readOnly = isErrno(error, 'EACCES', 'EPERM', 'EROFS') || /readonly|read-only|unable to open/i.test(errorMessage(error));
  return new UserError(`cannot lock ${what}: ${file}: ${readOnly ? 'not writable here' : errorMessage(error)}`, {
    hint: readOnly ? 'this command changes files; run it in a writable checkout' : 'check the .provenant/locks folder',
    cause: error,
  });
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

