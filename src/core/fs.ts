/**
 * Small file and value helpers every layer shares: the one atomic write, errno tests, the record guard,
 * JSON read into a value or a reason, and the words used to show paths and counts. Messages stay with the callers, which know what the file is.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
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

// ---------------------------------------------------------------------------------------------------
// JSON

/** A JSON text's value, or why it is not JSON: the parser's message and its error. */
export type JsonRead = { value: unknown } | { problem: string; error?: Error };

/** JSON text's value, or why it is not JSON. Errors other than a SyntaxError are not about the text and are rethrown. */
export function parseJson(text: string): JsonRead {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { problem: error.message, error };
  }
}

/** A JSON file's top-level value, or why it cannot be read or is not JSON. */
export function readJson(file: string): JsonRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { problem: errorMessage(error) };
  }
  return parseJson(text);
}

/**
 * `file:line:column: invalid JSON: reason` for text `parseJson` rejected with `problem`: the place is
 * always named (Node's messages carry a position only for some errors), and the parser's own position
 * and quoted text are dropped from the reason.
 */
export function invalidJsonMessage(text: string, display: string, problem: string): string {
  const offset = jsonErrorOffset(text);
  const where = offset === null ? '' : `:${lineColumn(text, offset)}`;
  const reason = problem
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
    .replace(/ (?:in JSON )?at position \d+.*$/s, '');
  return `${display}${where}: invalid JSON: ${reason}`;
}

/**
 * The offset of the first character JSON.parse rejects, or null if the text is valid JSON. Node's
 * messages carry a position only for some errors, and this one's messages must always name a place.
 */
function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const n = text.length;
  const skipSpace = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const literal = (word: string): boolean => {
    for (const char of word) {
      if (text[i] !== char) return false;
      i++;
    }
    return true;
  };
  const string = (): boolean => {
    i++; // the opening quote
    while (i < n) {
      const char = text[i] ?? '';
      if (char === '"') {
        i++;
        return true;
      }
      if (char < ' ') return false;
      if (char !== '\\') {
        i++;
        continue;
      }
      i++;
      const escape = text[i] ?? '';
      if (escape !== '' && '"\\/bfnrt'.includes(escape)) {
        i++;
      } else if (escape === 'u') {
        i++;
        for (let k = 0; k < 4; k++) {
          if (!/[0-9a-fA-F]/.test(text[i] ?? '')) return false;
          i++;
        }
      } else {
        return false;
      }
    }
    return false;
  };
  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const number = (): boolean => {
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (match === null) {
      // Point past a lone minus sign or a dot at the character that broke the number.
      if (text[i] === '-') i++;
      return false;
    }
    i += match[0].length;
    return true;
  };
  const value = (): boolean => {
    skipSpace();
    const char = text[i];
    if (char === '{') return container('}', true);
    if (char === '[') return container(']', false);
    if (char === '"') return string();
    if (char === 't') return literal('true');
    if (char === 'f') return literal('false');
    if (char === 'n') return literal('null');
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return number();
    return false;
  };
  const container = (close: string, object: boolean): boolean => {
    i++; // the opening bracket
    skipSpace();
    if (text[i] === close) {
      i++;
      return true;
    }
    for (;;) {
      if (object) {
        skipSpace();
        if (text[i] !== '"' || !string()) return false;
        skipSpace();
        if (text[i] !== ':') return false;
        i++;
      }
      if (!value()) return false;
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) {
        i++;
        return true;
      }
      return false;
    }
  };
  if (!value()) return i;
  skipSpace();
  return i < n ? i : null;
}

/** `line:column`, both 1-based, of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `${line}:${column}`;
}
