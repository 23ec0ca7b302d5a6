/**
 * `provenant registry search` and `show`: answers from the index, which is refreshed first whenever a
 * registered file, the config or the annotations changed since the last sync, so an answer never comes
 * from an outdated index without saying so.
 */
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { toPosix } from '../core/paths.js';
import type { RegistryEntry, Status } from '../schemas/registry.js';
import { build, everBuilt, inputsStamp, openProject, recordTree, treeUnchanged, walkIfNeeded, type Project, type RegistryOptions } from './build.js';
import { indexMatches } from './collect.js';
import { searchColumns } from './index-db.js';

export interface SearchHit {
  path: string;
  /** Higher is better (bm25, sign flipped), rounded to 3 decimals. */
  score: number;
  status: Status;
  purpose: string | null;
  /** The fields a query word was found in: path, name, purpose, docstring, defs, args. */
  matched: string[];
}

export interface SearchResult {
  root: string;
  query: string;
  hits: SearchHit[];
  /** The index was out of date and was refreshed before answering. */
  refreshed: boolean;
  warnings: string[];
}

export interface SearchOptions extends RegistryOptions {
  query: string;
  /** Most hits returned (default 10). */
  limit?: number;
  /**
   * false: answer from the index as the last sync left it, without walking the tree to check that it
   * is fresh (an index that was never built is still built first). Default true.
   */
  refresh?: boolean;
}

/** Words as FTS5's unicode61 tokenizer splits them; punctuation (`-`, `"`, `*`, `:`) never reaches FTS5. */
export function queryWords(query: string): string[] {
  return [...new Set((query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []))];
}

/** Every word, as a prefix (`critic` finds `critics`); `any` joins them with OR instead of AND. */
export function ftsExpression(words: readonly string[], any: boolean): string {
  return words.map((w) => `"${w}"*`).join(any ? ' OR ' : ' ');
}

function matchedFields(entry: RegistryEntry, words: readonly string[]): string[] {
  const columns = searchColumns(entry);
  const tests = words.map((w) => new RegExp(`(?:^|[^\\p{L}\\p{N}])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'iu'));
  return Object.entries(columns)
    .filter(([, text]) => tests.some((t) => t.test(text)))
    .map(([field]) => field);
}

/** Refreshes the index when the tree, the config or the annotations moved on since the last sync. */
export async function ensureFresh(project: Project): Promise<boolean> {
  if (project.registered.folders.size === 0) {
    // not walked yet: the snapshot of the last build answers without listing a folder
    if (treeUnchanged(project)) return false;
    walkIfNeeded(project);
  }
  const fresh = indexMatches(project.registered.files, project.index.stats()) && project.index.inputs() === inputsStamp(project);
  if (fresh) {
    recordTree(project);
    return false;
  }
  await build(project);
  project.warnings.push('the registry index was out of date; refreshed it first');
  return true;
}

/** Ranked hits from an open, fresh index. */
export function searchIndex(project: Project, query: string, limit: number): SearchHit[] {
  const words = queryWords(query);
  if (words.length === 0) return [];
  // every word first; when no file has them all, any of them, ranked
  let rows = project.index.search(ftsExpression(words, false), limit);
  if (rows.length === 0 && words.length > 1) rows = project.index.search(ftsExpression(words, true), limit);
  return rows.map(({ path: p, entry, score }) => ({
    path: p,
    score: Math.round(-score * 1000) / 1000,
    status: entry.status,
    purpose: entry.purpose,
    matched: matchedFields(entry, words),
  }));
}

export async function searchRegistry(options: SearchOptions): Promise<SearchResult> {
  const limit = options.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit: expected a whole number above 0, got ${limit}`);
  const project = await openProject(options, { walk: false });
  // an index that was never built cannot be trusted, whatever the caller says
  const trusted = options.refresh === false && everBuilt(project);
  try {
    const refreshed = trusted ? false : await ensureFresh(project);
    const hits = searchIndex(project, options.query, limit);
    return { root: project.root, query: options.query, hits, refreshed, warnings: project.warnings };
  } finally {
    project.index.close();
  }
}

export interface ShowResult {
  root: string;
  entry: RegistryEntry;
  refreshed: boolean;
  warnings: string[];
}

/** One entry in full. `file` is relative to `cwd` (or absolute), as a user types it. */
export async function showRegistryEntry(options: RegistryOptions & { file: string }): Promise<ShowResult> {
  const project = await openProject(options, { walk: false });
  try {
    const rel = toPosix(path.relative(project.root, path.resolve(options.cwd, options.file)));
    if (rel.startsWith('../') || rel === '..' || path.isAbsolute(rel)) {
      throw new UserError(`${options.file}: outside the project root ${project.root}`);
    }
    const refreshed = await ensureFresh(project);
    const entry = project.index.entry(rel);
    if (!entry) {
      const base = rel.slice(rel.lastIndexOf('/') + 1);
      walkIfNeeded(project);
      const near = project.registered.files.map((f) => f.path).filter((p) => p.endsWith(`/${base}`) || p === base);
      throw new UserError(`${rel}: not in the registry`, {
        hint: near.length
          ? `did you mean ${near.slice(0, 3).join(', ')}?`
          : `registered files are those the registry.include globs select (${project.config.registry.include.join(', ')})`,
      });
    }
    return { root: project.root, entry, refreshed, warnings: project.warnings };
  } finally {
    project.index.close();
  }
}
