/**
 * The shortcut of a `registry sync` that has nothing to do. The last sync remembers a key over everything
 * its result was made from — the tree as it was walked (every folder's and registered file's stat), the
 * bytes of the config and annotations files, the config itself, HEAD, the index's version and digest, the
 * tool's version and the Markdown's stat once written — with the summary it printed. When the key is
 * the same, the summary is said again and nothing is read, resolved or rendered.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RegistryEntry } from '../schemas/registry.js';
import { VERSION } from '../version.js';
import { RegistryIndex } from './index-db.js';
import { memoJson, recordTree, TREE_MEMO, treeUnchanged, type Coverage, type Project } from './build.js';
import { headOf } from './git-facts.js';
import type { StaleAnnotation } from './resolve.js';
import type { SyncCounts } from './sync.js';

const SYNC_MEMO = 'sync';

export interface SyncSummary {
  markdown: string;
  coverage: Coverage;
  counts: SyncCounts;
  stale: StaleAnnotation[];
  /** The build's own warnings (not those of opening the store, said afresh by every run). */
  warnings: string[];
}

interface Remembered {
  key: string;
  summary: SyncSummary;
}

function sha(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

function bytesOf(file: string): string {
  try {
    return sha(readFileSync(file));
  } catch {
    return 'absent';
  }
}

/** A file's mtime and size, or null when there is none. */
export function statOf(file: string): string | null {
  const st = statSync(file, { throwIfNoEntry: false });
  return st ? `${st.mtimeMs}:${st.size}` : null;
}

/** The part of the key read before the build: what HEAD is (git is asked once a run). */
export async function headKey(root: string): Promise<string> {
  const at = await headOf(root);
  return 'id' in at ? at.id : `none: ${at.reason}`;
}

function keyOf(project: Project, head: string): string {
  const { root, config, configSource, index } = project;
  return sha(JSON.stringify({
    tool: VERSION,
    index: index.state(),
    tree: sha(index.memo(TREE_MEMO) ?? ''),
    head,
    config,
    configBytes: configSource ? bytesOf(configSource) : null,
    annotations: bytesOf(path.resolve(root, config.registry.annotations)),
    markdown: statOf(path.resolve(root, config.registry.markdown)),
  }));
}

/** The summary the last sync printed, when nothing it was made from has changed since; else null. */
export function unchangedSummary(project: Project, head: string): SyncSummary | null {
  if (project.index.inMemory) return null;
  const remembered = memoJson<Remembered>(project, SYNC_MEMO);
  if (remembered === null || !treeUnchanged(project) || remembered.key !== keyOf(project, head)) return null;
  return remembered.summary;
}

/** Remembers what this sync printed and the key it holds for (after the Markdown was written). */
export function rememberSummary(project: Project, head: string, summary: SyncSummary): void {
  if (project.index.inMemory) return;
  project.index.remember(SYNC_MEMO, JSON.stringify({ key: keyOf(project, head), summary } satisfies Remembered));
}

/** The index's entries, read when first asked for (the shortcut itself never needs them). */
export function lazyEntries(root: string): () => RegistryEntry[] {
  let entries: RegistryEntry[] | undefined;
  return () => {
    if (entries === undefined) {
      const index = RegistryIndex.open(root, () => {});
      try {
        entries = index.entries();
      } finally {
        index.close();
      }
    }
    return entries;
  };
}

/**
 * Writing the Markdown changes its folder's mtime, which the tree snapshot of the build holds: left so,
 * the next sync would take the tree for changed. The folder is listed before the walk and after the
 * write; when the only difference is the Markdown itself, nothing else came or went in between, and the
 * snapshot takes the folder's new mtime. Call `listMarkdownFolder` before the walk.
 */
export function listMarkdownFolder(project: Project): string[] | null {
  try {
    return readdirSync(path.dirname(path.resolve(project.root, project.config.registry.markdown))).sort();
  } catch {
    return null;
  }
}

export function settleMarkdownFolder(project: Project, before: readonly string[] | null): void {
  const file = path.resolve(project.root, project.config.registry.markdown);
  const folder = path.dirname(file);
  const rel = path.relative(project.root, folder).split(path.sep).join('/') || '.';
  const known = project.registered.folders.get(rel);
  const after = listMarkdownFolder(project);
  if (before === null || after === null || known === undefined) return;
  const expected = [...new Set([...before, path.basename(file)])].sort();
  if (after.length !== expected.length || after.some((name, i) => name !== expected[i])) return;
  const mtime = statSync(folder, { throwIfNoEntry: false })?.mtimeMs;
  if (mtime === undefined || mtime === known) return;
  project.registered.folders.set(rel, mtime);
  recordTree(project);
}
