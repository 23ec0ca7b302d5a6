/**
 * A cache row before the scan has learnt anything about its file. Kept apart from index.ts, which loads
 * better-sqlite3, so the scan can make rows without loading the database.
 */
import type { CachedFile } from './index.js';

/** A row for a file not examined yet: its stat, and nothing learnt (no hash, matches, skip or results). */
export function freshRow(path: string, mtimeMs: number, size: number): CachedFile {
  return { path, mtimeMs, size, hash: '', matches: [], hint: false, skip: null, suppressions: [], resultsKey: null, results: null };
}
