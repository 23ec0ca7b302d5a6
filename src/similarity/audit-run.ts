/**
 * DUP001's side of an audit, loaded only when the rule runs: brings the function index up to date for
 * the files compared, and answers which functions of the audited files nearly duplicate another one.
 *
 * The universe compared against is the whole project's Python when the project keeps a registry (or
 * selects DUP explicitly), else only the files this audit parses anyway, so a plain audit never parses
 * a file for DUP001's sake.
 */
import type Database from 'better-sqlite3';

import type { FileFacts } from '../analysis/facts.js';
import type { Config } from '../schemas/config.js';
import type { CanonicalFiles } from '../schemas/similar.js';
import { bestMatches, duplicatesFor, type DuplicateSettings, type NearDuplicate } from './near-duplicates.js';
import { FunctionIndex } from './function-index.js';
import { syncFunctionIndex, type IndexRequestFile } from './index-sync.js';

const MEMO_KEY = 'dup001';

export interface AuditedPythonFile {
  path: string;
  /** The content hash the scan computed for this content. */
  hash: string;
  mtimeMs: number;
  size: number;
  /** Staged content, audited instead of the working file. */
  content?: Buffer;
  facts(): Promise<FileFacts>;
}

export interface DuplicateAuditRequest {
  root: string;
  config: Config;
  canonical(): Promise<CanonicalFiles>;
  /** Index in memory, leaving `.provenant/` alone (`--no-cache`). */
  noCache: boolean;
  /** The files the audit parsed (their facts at hand). */
  audited: readonly AuditedPythonFile[];
  /**
   * null: compare the audited files among themselves. Else the whole project's Python is compared:
   * `others` is all of it (`complete`), or, when the tree was not walked, the news to add to what was
   * indexed before (`trust`).
   */
  project: 'complete' | 'trust' | null;
  others: readonly IndexRequestFile[];
  /** The files whose functions are reported on. */
  report: readonly string[];
  warn(message: string): void;
}

/**
 * The index in the store under `.provenant/`, or in memory with `--no-cache` or when the store cannot
 * hold it (a database this version cannot use is a lost shortcut, never a failed audit).
 */
async function openIndex(root: string, noCache: boolean, warn: (m: string) => void): Promise<{ db: Database.Database; index: FunctionIndex }> {
  const [{ default: Sqlite }, { loadMigrations, migrate }] = await Promise.all([import('better-sqlite3'), import('../store/migrate.js')]);
  if (!noCache) {
    const db = (await import('../store/index.js')).openDatabase({ root, warn });
    if (db) {
      try {
        return { db, index: new FunctionIndex(db) };
      } catch (error) {
        db.close();
        if (!(error instanceof Sqlite.SqliteError)) throw error;
        warn(`${root}/.provenant: cannot use the function index (${error.message}); comparing in memory`);
      }
    }
  }
  const db = new Sqlite(':memory:');
  migrate(db, loadMigrations());
  return { db, index: new FunctionIndex(db) };
}

export async function auditDuplicates(request: DuplicateAuditRequest): Promise<Map<string, NearDuplicate[]>> {
  const { root, config } = request;
  const canonical = await request.canonical();
  const { db, index } = await openIndex(root, request.noCache, request.warn);
  try {
    const audited: IndexRequestFile[] = request.audited.map((f) => ({
      path: f.path,
      hash: f.hash,
      facts: f.facts,
      ...(f.content ? { content: f.content } : { stat: { mtimeMs: f.mtimeMs, size: f.size } }),
    }));
    const files = new Map(request.others.map((f) => [f.path, f]));
    for (const f of audited) files.set(f.path, f);
    const settings = { threshold: config.registry.similarityThreshold, minTokens: config.registry.minTokens, canonical };
    if (request.project === 'trust') return await trustedDuplicates(request, index, [...files.values()], settings);
    const synced = await syncFunctionIndex({
      root,
      index,
      files: [...files.values()],
      mode: request.project ?? 'only',
      maxFileSize: config.maxFileSize,
      warn: request.warn,
    });
    const universe = request.project ? synced.current : new Map([...synced.current].filter(([p]) => files.has(p)));
    const previous = index.memo(MEMO_KEY);
    const run = duplicatesFor({
      index,
      universe,
      audited: request.report,
      settings,
      memo: previous,
    });
    if (run.memo !== previous) index.remember(MEMO_KEY, run.memo);
    return run.byPath;
  } finally {
    db.close();
  }
}

/**
 * A run that did not walk the tree (`--staged`, named files in a pre-commit hook): the files given are
 * indexed, the rest of the index is taken as the last walking run left it, and only the files a match
 * points at are checked against the disk, the matching redone when one of them changed since. Checking
 * every indexed file instead costs a stat per file of the project on every commit.
 */
async function trustedDuplicates(
  request: DuplicateAuditRequest,
  index: FunctionIndex,
  files: readonly IndexRequestFile[],
  settings: DuplicateSettings,
): Promise<Map<string, NearDuplicate[]>> {
  const sync = (wanted: readonly IndexRequestFile[]) =>
    syncFunctionIndex({ root: request.root, index, files: wanted, mode: 'only', maxFileSize: request.config.maxFileSize, warn: request.warn });
  await sync(files);
  const checked = new Set(files.map((f) => f.path));
  for (;;) {
    const found = bestMatches(index, request.report, null, settings);
    const unchecked = [...new Set([...found.values()].flatMap((list) => list.map((d) => d.of.path)))].filter((p) => !checked.has(p));
    if (!unchecked.length) return found;
    for (const p of unchecked) checked.add(p);
    const rechecked = await sync(unchecked.map((path) => ({ path })));
    if (!rechecked.indexed && !rechecked.removed) return found;
  }
}
