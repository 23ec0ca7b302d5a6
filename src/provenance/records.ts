/**
 * What is inside a data artifact: for JSONL, the number of records and the union of their top-level
 * fields; for a JSON file, its top-level object (eval reports). Lines are read in chunks and decoded one at
 * a time, so a multi-gigabyte file never sits in memory whole. A line that is not JSON is a problem named
 * by its line number, recorded rather than thrown: the stamp says what was found.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const CHUNK = 1024 * 1024;

export function isJsonl(file: string): boolean {
  return /\.(jsonl|ndjson)$/i.test(file);
}

export function isJson(file: string): boolean {
  return /\.json$/i.test(file) && !/\.prov\.json$/i.test(file);
}

/** Calls `each` with every non-blank line (1-based line numbers). */
export function forEachLine(file: string, each: (line: string, lineNo: number) => void): void {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let rest = Buffer.alloc(0);
  let lineNo = 0;
  const emit = (bytes: Buffer): void => {
    lineNo++;
    const line = bytes.toString('utf8').trim();
    if (line) each(line, lineNo);
  };
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      let data = rest.length ? Buffer.concat([rest, buf.subarray(0, n)]) : buf.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        emit(data.subarray(start, nl));
        start = nl + 1;
      }
      data = data.subarray(start);
      rest = Buffer.from(data);
    }
    if (rest.length) emit(rest);
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
export function readJsonl(file: string, visit?: (record: Record<string, unknown>, lineNo: number) => void): JsonlSummary {
  let records = 0;
  const fields = new Set<string>();
  let problem: string | null = null;
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
  });
  return { records, fields: [...fields].sort(), problem };
}

/** JSON text's value, or why it is not JSON. */
export function parseJson(text: string): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { problem: error.message };
  }
}

/** A JSON file's top-level value, or why it cannot be read or is not JSON. */
export function readJsonFile(file: string): { value: unknown } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
  return parseJson(text);
}
