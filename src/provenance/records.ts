/**
 * What is inside a data artifact: for JSONL, the number of records and the union of their top-level
 * fields; for a JSON file, its top-level object (eval reports). Lines are read in chunks and decoded one at
 * a time, so a multi-gigabyte file never sits in memory whole. A line that is not JSON is a problem named
 * by its line number, recorded rather than thrown: the stamp says what was found.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 1024 * 1024;

export function isJsonl(file: string): boolean {
  return /\.(jsonl|ndjson)$/i.test(file);
}

export function isJson(file: string): boolean {
  return /\.json$/i.test(file) && !/\.prov\.json$/i.test(file);
}

/**
 * Lines longer than this are not decoded: a string that long is beyond what JSON.parse can take in one piece
 * (V8 strings stop at 512 MiB) and no training record is that large. They are counted and reported instead.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface LineOptions {
  maxLineBytes?: number;
  /** A line over the limit: its number and length in bytes (its bytes are streamed past, never kept). */
  long?(lineNo: number, bytes: number): void;
}

/** Calls `each` with every non-blank line (1-based line numbers). */
export function forEachLine(file: string, each: (line: string, lineNo: number) => void, options: LineOptions = {}): void {
  const max = options.maxLineBytes ?? MAX_LINE_BYTES;
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  // the line read so far, in pieces (joined once, so a long line costs no quadratic copying)
  let parts: Buffer[] = [];
  let pending = 0;
  let lineNo = 0;
  const end = (): void => {
    lineNo++;
    if (pending > max) options.long?.(lineNo, pending);
    else {
      const line = Buffer.concat(parts).toString('utf8').trim();
      if (line) each(line, lineNo);
    }
    parts = [];
    pending = 0;
  };
  const add = (bytes: Buffer): void => {
    pending += bytes.length;
    if (pending <= max) parts.push(Buffer.from(bytes));
    else parts = [];
  };
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      const data = buf.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        add(data.subarray(start, nl));
        end();
        start = nl + 1;
      }
      if (start < n) add(data.subarray(start));
    }
    if (pending) end();
  } finally {
    closeSync(fd);
  }
}

export interface JsonlSummary {
  records: number;
  fields: string[];
  /** The first line that is not a JSON object, e.g. "line 12: Unexpected token". */
  problem: string | null;
}

/** Counts records and collects fields; `visit` sees each decoded record (QC reads them in the same pass). */
export function readJsonl(file: string, visit?: (record: Record<string, unknown>, lineNo: number) => void, options: { maxLineBytes?: number } = {}): JsonlSummary {
  let records = 0;
  const fields = new Set<string>();
  let problem: string | null = null;
  const max = options.maxLineBytes ?? MAX_LINE_BYTES;
  const long = (lineNo: number, bytes: number): void => {
    problem ??= `line ${lineNo}: ${megabytes(bytes)} on one line, longer than ${megabytes(max)}; not decoded, not counted as a record`;
  };
  forEachLine(file, (line, lineNo) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      problem ??= `line ${lineNo}: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problem ??= `line ${lineNo}: not a JSON object`;
      return;
    }
    records++;
    for (const key of Object.keys(value)) fields.add(key);
    visit?.(value as Record<string, unknown>, lineNo);
  }, { maxLineBytes: max, long });
  return { records, fields: [...fields].sort(), problem };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
