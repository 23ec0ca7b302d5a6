/**
 * Parts for every registered file, reading and parsing only what changed: a file whose mtime and size
 * match its index row is not read; one whose bytes hash to the stored hash is not parsed; facts the
 * audit already extracted (same content hash) are reused; the rest go through the front ends. Facts are
 * language-agnostic, so any front end `loadFrontEnds` knows plugs in here.
 */
import { factsKey, type FileFacts, type Language } from '../analysis/facts.js';
import { loadFrontEnds, sizedBySource, sourceProblem, type FrontEnds } from '../analysis/index.js';
import { decodeSource, readBytes } from '../core/files.js';
import type { RegistryFileRow } from '../store/queries.js';
import type { RegisteredFile } from './files.js';
import { partOf, unreadablePart, type FilePart } from './part.js';
import type { PartOf } from './resolve.js';
import type { FileRowChange, RegistryIndex } from './index-db.js';

export interface Collection {
  parts: PartOf[];
  /** Index rows to write (new, changed or touched files). */
  rows: FileRowChange[];
  /** How many files the front ends parsed. */
  parsed: number;
  /** Some indexed file is no longer registered. */
  vanished: boolean;
  warnings: string[];
}

interface Miss {
  file: RegisteredFile;
  hash: string;
  /** The decoded text; null for a file read again when extracted (a notebook: megabytes of outputs, not held). */
  text: string | null;
}

function decodePart(row: RegistryFileRow): FilePart {
  return JSON.parse(row.part) as FilePart;
}

/** Facts written per transaction while parsing. */
const FACTS_BATCH = 256;

type Stat = Pick<RegistryFileRow, 'mtime_ms' | 'size'>;

function unchanged(row: Stat, file: RegisteredFile): boolean {
  return row.mtime_ms === file.mtimeMs && row.size === file.size;
}

/** True when no registered file changed since the index rows were written, and none came or went. */
export function indexMatches(files: readonly RegisteredFile[], rows: ReadonlyMap<string, Stat>): boolean {
  return files.length === rows.size && files.every((f) => {
    const row = rows.get(f.path);
    return row !== undefined && unchanged(row, f);
  });
}

async function frontEndsFor(misses: readonly Miss[]): Promise<FrontEnds | null> {
  if (misses.length === 0) return null;
  const languages = new Set<Language>(misses.map((m) => m.file.language));
  const frontEnds = await loadFrontEnds(languages);
  return frontEnds;
}

/** A file's text read again, as `collect` first read it (a notebook: whole, whatever its size). */
function reread(file: RegisteredFile): { ok: true; text: string } | { ok: false; reason: string } {
  const read = readBytes(file, Number.POSITIVE_INFINITY);
  return read.ok ? decodeSource(read.bytes) : read;
}

export async function collect(files: readonly RegisteredFile[], index: RegistryIndex, maxFileSize: number): Promise<Collection> {
  const rows = index.files();
  const out: Collection = { parts: [], rows: [], parsed: 0, vanished: false, warnings: [] };
  const parts = new Map<string, FilePart>();
  const misses: Miss[] = [];
  const unreadable = (file: RegisteredFile, reason: string): void => {
    const part = unreadablePart(file.language, reason);
    parts.set(file.path, part);
    out.rows.push({ path: file.path, mtimeMs: file.mtimeMs, size: file.size, hash: '', part });
  };
  for (const file of files) {
    const row = rows.get(file.path);
    if (row !== undefined && unchanged(row, file)) {
      parts.set(file.path, decodePart(row));
      continue;
    }
    // a notebook is measured by its code cells, not its outputs
    const read = readBytes(file, sizedBySource(file.language) ? Number.POSITIVE_INFINITY : maxFileSize);
    const decoded = read.ok ? decodeSource(read.bytes) : read;
    if (!read.ok || !decoded.ok) {
      unreadable(file, decoded.ok ? 'unreadable' : decoded.reason);
      continue;
    }
    const hash = factsKey(file.path, read.bytes);
    if (row && row.hash === hash) {
      // touched, not changed: the part stands, only the stat is new
      const part = decodePart(row);
      parts.set(file.path, part);
      out.rows.push({ path: file.path, mtimeMs: file.mtimeMs, size: read.bytes.length, hash, part });
      continue;
    }
    const stored = index.facts(hash);
    if (stored) {
      const part = partOf({ ...stored, path: file.path, language: file.language }, decoded.text);
      parts.set(file.path, part);
      out.rows.push({ path: file.path, mtimeMs: file.mtimeMs, size: read.bytes.length, hash, part });
      continue;
    }
    misses.push({ file: { ...file, size: read.bytes.length }, hash, text: sizedBySource(file.language) ? null : decoded.text });
  }
  const frontEnds = await frontEndsFor(misses);
  // facts go to the store a batch at a time: holding every file's facts until the end made the heap of
  // a 20k-file sync grow past a gigabyte
  let pending: { hash: string; facts: FileFacts }[] = [];
  const flush = (): void => {
    index.putFacts(pending);
    pending = [];
  };
  for (const miss of misses) {
    if (!frontEnds) break;
    const text = miss.text !== null ? { ok: true as const, text: miss.text } : reread(miss.file);
    // a notebook that is no notebook, or whose code cells are over max-file-size, is registered without them
    const problem = text.ok ? sourceProblem(miss.file.language, text.text, maxFileSize) : text.reason;
    if (!text.ok || problem !== null) {
      unreadable(miss.file, problem ?? 'unreadable');
      continue;
    }
    const facts = frontEnds.extract(text.text, miss.file.path, miss.file.language);
    out.parsed++;
    pending.push({ hash: miss.hash, facts });
    if (pending.length >= FACTS_BATCH) flush();
    // a notebook's facts are those of its cells as Python: the entry is the notebook's
    const part = partOf({ ...facts, language: miss.file.language }, text.text);
    parts.set(miss.file.path, part);
    out.rows.push({ path: miss.file.path, mtimeMs: miss.file.mtimeMs, size: miss.file.size, hash: miss.hash, part });
  }
  flush();
  const registered = new Set(files.map((f) => f.path));
  out.vanished = [...rows.keys()].some((path) => !registered.has(path));
  for (const file of files) {
    const part = parts.get(file.path);
    if (part) out.parts.push({ path: file.path, part });
  }
  for (const { path, part } of out.parts) {
    // said on every sync, not only the one that read the file
    if (part.unreadable !== null) out.warnings.push(`${path}: registered without its contents: ${part.unreadable}`);
    if (part.parseErrors > 0) out.warnings.push(`${path}: ${part.parseErrors} syntax error${part.parseErrors === 1 ? '' : 's'}; registered with what parsed`);
  }
  return out;
}
