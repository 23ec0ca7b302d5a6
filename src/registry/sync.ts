/**
 * `provenant registry sync`: the index brought up to date, then the generated Markdown block rewritten
 * (temp file + rename) when, and only when, its text changes. A hand-edited block stops the sync with the
 * file untouched: the edit belongs in the annotations file.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeUserFile } from '../core/fs.js';
import { withFileLock } from '../core/lock.js';
import { errorMessage, UserError } from '../core/errors.js';
import type { RegistryEntry } from '../schemas/registry.js';
import { build, openProject, walkIfNeeded, type Built, type Coverage, type RegistryOptions } from './build.js';
import { applyRegistryBlock, renderRegistryBlock } from './markdown.js';
import type { StaleAnnotation } from './resolve.js';
import { headKey, lazyEntries, listMarkdownFolder, rememberSummary, settleMarkdownFolder, statOf, unchangedSummary } from './sync-memo.js';

export interface SyncCounts {
  files: number;
  scripts: number;
  modules: number;
  launchers: number;
  deprecated: number;
  canonical: number;
  parseErrors: number;
}

export interface SyncResult {
  root: string;
  /** The Markdown registry, root-relative. */
  markdown: string;
  markdownState: 'written' | 'unchanged';
  coverage: Coverage;
  counts: SyncCounts;
  stale: StaleAnnotation[];
  entries: RegistryEntry[];
  /** Files parsed in this run (0 when nothing changed). */
  parsed: number;
  /** False when nothing the last sync was made from had changed: nothing was walked, read or resolved. */
  rebuilt: boolean;
  warnings: string[];
}

export function countsOf(entries: readonly RegistryEntry[]): SyncCounts {
  const count = (test: (e: RegistryEntry) => boolean): number => entries.filter(test).length;
  return {
    files: entries.length,
    scripts: count((e) => e.kind === 'script'),
    modules: count((e) => e.kind === 'module'),
    launchers: count((e) => e.kind === 'launcher'),
    deprecated: count((e) => e.status === 'deprecated'),
    canonical: count((e) => e.status === 'canonical'),
    parseErrors: count((e) => e.parseErrors > 0),
  };
}

/** The Markdown file's text, or null when there is none. */
export function readMarkdown(file: string, display: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new UserError(`${display}: cannot read the registry Markdown: ${errorMessage(error)}`, {
      hint: 'registry.markdown in the config names a file the sync writes',
      cause: error,
    });
  }
}

/**
 * Renders and writes the Markdown when its text changes. The block is a function of the entries, so
 * when they hash as they did when this file was last written and the file was not touched since, the
 * render is skipped: a warm sync of a large registry does not rebuild megabytes of Markdown to compare.
 */
async function writeMarkdown(built: Built): Promise<SyncResult['markdownState']> {
  return withFileLock(built.root, path.resolve(built.root, built.config.registry.markdown), built.config.registry.markdown, () => writeMarkdownLocked(built));
}

async function writeMarkdownLocked(built: Built): Promise<SyncResult['markdownState']> {
  const display = built.config.registry.markdown;
  const annotations = built.config.registry.annotations;
  const file = path.resolve(built.root, display);
  const memo = (stat: string | null): string => JSON.stringify({ display, annotations, digest: built.digest, stat });
  const before = statOf(file);
  if (before !== null && built.index.memo('markdown') === memo(before)) return 'unchanged';
  const existing = readMarkdown(file, display);
  const block = renderRegistryBlock(built.entries, built.coverage);
  // throws (exit 2) on a hand-edited block, before anything is written
  const next = applyRegistryBlock(existing, block, display, { annotations });
  let state: SyncResult['markdownState'] = 'unchanged';
  if (next !== existing) {
    mkdirSync(path.dirname(file), { recursive: true });
    await writeUserFile(file, next, display, undefined);
    state = 'written';
  }
  built.index.remember('markdown', memo(statOf(file)));
  return state;
}

/**
 * When nothing the last sync was made from has changed (see `sync-memo.ts`), its summary is returned
 * without walking the tree or rebuilding anything, and the entries are read from the index only if asked.
 */
export async function syncRegistry(options: RegistryOptions): Promise<SyncResult> {
  const project = await openProject(options, { walk: false });
  try {
    const head = await headKey(project.root);
    const opened = project.warnings.length;
    const summary = unchangedSummary(project, head);
    if (summary !== null) {
      const result = { root: project.root, markdownState: 'unchanged' as const, parsed: 0, rebuilt: false, ...summary, warnings: [...project.warnings, ...summary.warnings] };
      return withEntries(result, lazyEntries(project.root));
    }
    const listed = listMarkdownFolder(project);
    walkIfNeeded(project);
    const built = await build(project);
    const markdownState = await writeMarkdown(built);
    settleMarkdownFolder(project, listed);
    const counts = countsOf(built.entries);
    const said = { markdown: built.config.registry.markdown, coverage: built.coverage, counts, stale: built.stale, warnings: built.warnings.slice(opened) };
    rememberSummary(project, head, said);
    return { root: built.root, markdownState, parsed: built.parsed, rebuilt: true, ...said, warnings: built.warnings, entries: built.entries };
  } finally {
    project.index.close();
  }
}

function withEntries(result: Omit<SyncResult, 'entries'>, entries: () => RegistryEntry[]): SyncResult {
  return Object.defineProperty(result, 'entries', { get: entries, enumerable: false }) as SyncResult;
}
