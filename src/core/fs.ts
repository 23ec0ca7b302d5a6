/**
 * Small file and value helpers every layer shares: the one atomic write, errno tests, the record guard,
 * and the words used to show paths and counts. Messages stay with the callers, which know what the file is.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UserError, errorMessage } from './errors.js';

export interface WriteAtomicOptions {
  /** The file's mode; set with chmod after the write, since the mode given at creation is filtered by the umask. */
  mode?: number;
}

/**
 * Temp file in the same directory, fsync, rename: readers see the old file or the new one, never half of
 * one. A failure removes the temp file and rethrows the error as it came (callers say what the file is); a
 * crash leaves at most a `.<name>.<pid>.<random>.tmp` file beside it, which nothing reads.
 */
export function writeAtomic(file: string, content: string | Buffer, options: WriteAtomicOptions = {}): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'wx', options.mode ?? 0o666);
    try {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.mode !== undefined) chmodSync(temp, options.mode);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Whether `error` is a Node system error with one of `codes` (`ENOENT`, `EACCES`, ...). */
export function isErrno(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && 'code' in error && codes.includes(String(error.code));
}

/** A plain object as JSON or YAML gives one: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `1 file`, `2 files`; `many` for words that do not take an s. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `file` relative to `cwd` when inside it, as the user would type it; absolute otherwise. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const absolute = path.resolve(cwd, file);
  const relative = path.relative(cwd, absolute);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
}

/**
 * `writeAtomic` for a file the user named or owns (config, annotations, registry, reports): a failure is a
 * UserError naming it as `display`.
 */
export async function writeUserFile(file: string, content: string, display: string, mode: number | undefined): Promise<void> {
  try {
    writeAtomic(file, content, mode === undefined ? {} : { mode });
  } catch (error) {
    if (isErrno(error, 'EACCES', 'EPERM', 'EROFS')) {
      throw new UserError(`${display}: cannot write: permission denied`, { cause: error });
    }
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      throw new UserError(`${display}: cannot write: its directory does not exist`, { cause: error });
    }
    throw new UserError(`${display}: cannot write: ${errorMessage(error)}`, { cause: error });
  }
}
