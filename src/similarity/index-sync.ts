/**
 * Keeps the function index current for a set of files, touching as little as possible: a file whose
 * mtime and size match its indexed row is trusted unread; one whose bytes hash to the indexed version
 * only gets its stat refreshed; anything else takes its functions from facts the caller already has,
 * then from the facts cache, and only then from the parser (loaded on first need).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { factsKey, type FileFacts } from '../analysis/facts.js';
import { languageOf, sizedBySource, sourceProblem } from '../analysis/index.js';
import type { PythonFrontEnd } from '../analysis/python/index.js';
import { decodeSource } from '../core/files.js';
import { errorMessage } from '../core/errors.js';
import type { FileFunctions, FunctionIndex, IndexedFile } from './function-index.js';

export interface IndexRequestFile {
  /** Root-relative, `/`-separated. */
  path: string;
  /** Known stat (from discovery); otherwise the file is stat'ed. */
  stat?: { mtimeMs: number; size: number };
  /** Content to index instead of the working file (staged content). */
  content?: Buffer;
  /** The content hash when the caller knows it for this very content. */
  hash?: string;
  /** Facts the caller already has (or can get cheaply) for that content. */
  facts?: () => Promise<FileFacts>;
}

export interface IndexSyncOptions {
  root: string;
  index: FunctionIndex;
  files: readonly IndexRequestFile[];
  /**
   * What happens to indexed paths outside `files`: `complete` forgets them (the run saw the whole tree),
   * `only` leaves them be.
   */
  mode: 'complete' | 'only';
  maxFileSize: number;
  warn(message: string): void;
}

export interface IndexSyncResult {
  /**
   * The indexed version of every file the index now covers (of the files asked about, in `only` mode):
   * path → content hash.
   */
  current: Map<string, string>;
  /** Files whose functions were (re)read. */
  indexed: number;
  /** Files dropped from the index (gone, or over the size limit). */
  removed: number;
  parsed: number;
}

type Verdict =
  | { kind: 'fresh' }
  | { kind: 'gone' }
  | { kind: 'touch'; file: IndexedFile }
  | { kind: 'read'; file: IndexedFile; bytes: Buffer | null };

function statOf(abs: string): { mtimeMs: number; size: number } | null {
  try {
    const s = statSync(abs);
    return s.isFile() ? { mtimeMs: s.mtimeMs, size: s.size } : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}

function bySource(file: string): boolean {
  const language = languageOf(file);
  return language !== null && sizedBySource(language);
}

function judge(root: string, want: IndexRequestFile, known: IndexedFile | undefined, maxFileSize: number): Verdict {
  if (want.content) {
    const hash = want.hash ?? factsKey(want.path, want.content);
    if (known?.hash === hash) return { kind: 'fresh' };
    // staged content never was the working file: mtime -1 makes the next run look at the file again
    return { kind: 'read', file: { path: want.path, hash, mtimeMs: -1, size: want.content.length }, bytes: want.content };
  }
  const stat = want.stat ?? statOf(path.join(root, want.path));
  // a notebook is measured by its code cells (when read), not by its outputs
  if (!stat || (stat.size > maxFileSize && !bySource(want.path))) return { kind: 'gone' };
  if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return { kind: 'fresh' };
  if (want.hash && want.hash === known?.hash) return { kind: 'touch', file: { ...known, ...stat } };
  let bytes: Buffer | null = null;
  let hash = want.hash;
  if (!hash) {
    try {
      bytes = readFileSync(path.join(root, want.path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
      throw error;
    }
    hash = factsKey(want.path, bytes);
  }
  if (known?.hash === hash) return { kind: 'touch', file: { ...known, ...stat } };
  return { kind: 'read', file: { path: want.path, hash, ...stat }, bytes };
}

/** Brings the index up to date for `files` in one transaction and says what it now covers. */
export async function syncFunctionIndex(options: IndexSyncOptions): Promise<IndexSyncResult> {
  const { root, index } = options;
  const wanted = new Map(options.files.map((f) => [f.path, f]));
  // `only` looks at the files asked about, and so reads just their rows
  const indexed = () => (options.mode === 'only' ? index.filesOf([...wanted.keys()]) : index.files());
  const known = indexed();
  const put: FileFunctions[] = [];
  const touch: IndexedFile[] = [];
  const remove = options.mode === 'complete' ? [...known.keys()].filter((p) => !wanted.has(p)) : [];
  let frontEnd: PythonFrontEnd | undefined;
  let parsed = 0;
  for (const want of wanted.values()) {
    const verdict = judge(root, want, known.get(want.path), options.maxFileSize);
    if (verdict.kind === 'fresh') continue;
    if (verdict.kind === 'gone') {
      if (known.has(want.path)) remove.push(want.path);
      continue;
    }
    if (verdict.kind === 'touch') {
      touch.push(verdict.file);
      continue;
    }
    const { defs, notebook } = await defsOf(root, want, verdict.file, verdict.bytes, index, async () => {
      parsed++;
      return (frontEnd ??= await (await import('../analysis/python/index.js')).loadPythonFrontEnd());
    }, options);
    put.push({ ...verdict.file, defs, notebook });
  }
  index.update(put, touch, remove);
  const current = new Map<string, string>();
  for (const [p, f] of indexed()) current.set(p, f.hash);
  return { current, indexed: put.length, removed: remove.length, parsed };
}

type Defs = Pick<FileFacts, 'defs' | 'notebook'>;
const NONE: Defs = { defs: [] };

async function defsOf(
  root: string,
  want: IndexRequestFile,
  file: IndexedFile,
  bytes: Buffer | null,
  index: FunctionIndex,
  parser: () => Promise<PythonFrontEnd>,
  { warn, maxFileSize }: Pick<IndexSyncOptions, 'warn' | 'maxFileSize'>,
): Promise<Defs> {
  if (want.facts) return await want.facts();
  const cached = index.cachedFacts(file.hash);
  if (cached !== undefined) {
    try {
      return JSON.parse(cached) as FileFacts;
    } catch (error) {
      // a damaged cache row only costs a parse
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  let content = bytes;
  if (!content) {
    try {
      content = readFileSync(path.join(root, want.path));
    } catch (error) {
      warn(`${want.path}: cannot read (${errorMessage(error)}); its functions are not compared`);
      return NONE;
    }
  }
  const decoded = decodeSource(content);
  if (!decoded.ok) {
    warn(`${want.path}: ${decoded.reason}; its functions are not compared`);
    return NONE;
  }
  const language = languageOf(want.path);
  if (language === 'notebook') {
    // a notebook the audit and the registry already name as unreadable is not named a third time here
    if (sourceProblem(language, decoded.text, maxFileSize) !== null) return NONE;
    const { extractNotebook } = await import('../analysis/notebook/index.js');
    return extractNotebook(decoded.text, want.path, await parser());
  }
  return (await parser()).extract(decoded.text, want.path);
}
