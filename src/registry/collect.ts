/**
 * Parts for every registered file, reading and parsing only what changed: a file whose mtime and size
 * match its index row is not read; one whose bytes hash to the stored hash is not parsed; facts the
 * audit already extracted (same content hash) are reused; the rest go through the front ends. Facts are
 * language-agnostic, so any front end `loadFrontEnds` knows plugs in here.
 */
import { factsKey, type FileFacts, type Language } from '../analysis/facts.js';
import { loadFrontEnds, sizedBySource, sourceProblem, type FrontEnds } from '../analysis/index.js';
import type { FactsPayload, ParsePool } from '../analysis/parse-pool.js';
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

/** A file's text read again, as `collect` first read it (a notebook: whole, whatever its size). */
function reread(file: RegisteredFile): { ok: true; text: string } | { ok: false; reason: string } {
  const read = readBytes(file, Number.POSITIVE_INFINITY);
  return read.ok ? decodeSource(read.bytes) : read;
}

interface InFlight {
  file: RegisteredFile;
  hash: string;
  text: string;
  got: Promise<FactsPayload>;
}

/** Files handed to each worker before the oldest is waited for. */
const WINDOW_PER_WORKER = 24;

/**
 * The audit's parse workers, when enough Python files may need parsing (those whose stat is not the
 * indexed one: an upper bound) and the machine has the cores; `PROVENANT_PARSE_WORKERS` overrides.
 */
async function openWorkers(files: readonly RegisteredFile[], rows: ReadonlyMap<string, Stat>): Promise<{ pool: ParsePool; window: number } | null> {
  const candidates = files.filter((f) => {
    const row = rows.get(f.path);
    return f.language === 'python' && (row === undefined || !unchanged(row, f));
  }).length;
  if (candidates === 0) return null;
  const { ParsePool: Pool, poolSize } = await import('../analysis/parse-pool.js');
  const pool = Pool.open(poolSize(candidates));
  return pool === null ? null : { pool, window: pool.size * WINDOW_PER_WORKER };
}

export async function collect(files: readonly RegisteredFile[], index: RegistryIndex, maxFileSize: number): Promise<Collection> {
  const rows = index.files();
  const out: Collection = { parts: [], rows: [], parsed: 0, vanished: false, warnings: [] };
  const parts = new Map<string, FilePart>();
  const unreadable = (file: RegisteredFile, reason: string): void => {
    const part = unreadablePart(file.language, reason);
    parts.set(file.path, part);
    out.rows.push({ path: file.path, mtimeMs: file.mtimeMs, size: file.size, hash: '', part });
  };
  // facts go to the store a batch at a time: holding every file's facts until the end made the heap of
  // a 20k-file sync grow past a gigabyte
  let pending: { hash: string; facts: FileFacts | string | Uint8Array }[] = [];
  const flush = (): void => {
    index.putFacts(pending);
    pending = [];
  };
  const frontEnds = new Map<Language, Promise<FrontEnds>>();
  const frontEndFor = (language: Language): Promise<FrontEnds> => {
    let loaded = frontEnds.get(language);
    if (!loaded) frontEnds.set(language, (loaded = loadFrontEnds(new Set([language]))));
    return loaded;
  };
  // a worker sends the facts packed as the cache keeps them, and the part it made of them: the facts are only stored here
  const parsed = (file: RegisteredFile, hash: string, facts: FileFacts | string | Uint8Array, part: FilePart): void => {
    out.parsed++;
    pending.push({ hash, facts });
    if (pending.length >= FACTS_BATCH) flush();
    parts.set(file.path, part);
    out.rows.push({ path: file.path, mtimeMs: file.mtimeMs, size: file.size, hash, part });
  };
  // a notebook's facts are those of its cells as Python: the entry is the notebook's
  const parsedHere = (file: RegisteredFile, hash: string, text: string, facts: FileFacts): void =>
    parsed(file, hash, facts, partOf({ ...facts, language: file.language }, text));
  const parse = async (file: RegisteredFile, hash: string, read: string | null): Promise<void> => {
    const text = read !== null ? { ok: true as const, text: read } : reread(file);
    // a notebook that is no notebook, or whose code cells are over max-file-size, is registered without them
    const problem = text.ok ? sourceProblem(file.language, text.text, maxFileSize) : text.reason;
    if (!text.ok || problem !== null) {
      unreadable(file, problem ?? 'unreadable');
      return;
    }
    if (workers !== null && file.language === 'python') {
      // parsed in a worker; at most a window of files (and their texts) waits for its facts
      inFlight.push({ file, hash, text: text.text, got: workers.pool.extract(file.path, text.text, { part: true, pack: true }) });
      if (inFlight.length >= workers.window) await settle(inFlight.shift() as InFlight);
      return;
    }
    parsedHere(file, hash, text.text, (await frontEndFor(file.language)).extract(text.text, file.path, file.language));
  };
  const workers = await openWorkers(files, rows);
  const inFlight: InFlight[] = [];
  const settle = async (item: InFlight): Promise<void> => {
    let answer: FactsPayload;
    try {
      answer = await item.got;
    } catch (error) {
      // a worker that died or whose parser threw: the file is parsed here instead, as without workers
      if (!(error instanceof Error && error.name === 'WorkerLost')) throw error;
      parsedHere(item.file, item.hash, item.text, (await frontEndFor('python')).extract(item.text, item.file.path, 'python'));
      return;
    }
    if ('factless' in answer) throw new Error(`a parse worker sent no facts for ${item.file.path}, which the registry asked for`);
    parsed(item.file, item.hash, 'json' in answer ? answer.json : answer.packed, answer.part as FilePart);
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
    // parsed now, not listed for later: holding every changed file's text until the parse made the
    // heap of a cold sync grow with the repository
    await parse({ ...file, size: read.bytes.length }, hash, sizedBySource(file.language) ? null : decoded.text);
  }
  try {
    for (const item of inFlight.splice(0)) await settle(item);
  } finally {
    await workers?.pool.close();
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
