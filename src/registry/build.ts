/**
 * One pass from the working tree to entries, shared by `sync`, `check`, `search` and `show`: config,
 * registered files, parts (cached), annotations, git facts, resolution; then the index is brought up to
 * date in one transaction. Writing the Markdown is `sync`'s business, not this module's.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/config.js';
import type { Config } from '../schemas/config.js';
import type { RegistryEntry } from '../schemas/registry.js';
import { loadAnnotations, type LoadedAnnotations } from './annotations.js';
import { collect } from './collect.js';
import { registeredFiles, type Registered } from './files.js';
import { gitFacts } from './git-facts.js';
import { resolveEntries, type StaleAnnotation } from './resolve.js';
import { RegistryIndex } from './index-db.js';

export interface RegistryOptions {
  /** Where config discovery starts. */
  cwd: string;
  configPath?: string;
  isolated?: boolean;
}

export interface Coverage {
  /** Registered files with a purpose (written in the annotations, or a docstring's first sentence). */
  documented: number;
  total: number;
  /** Rounded, but never 100 while something is undocumented (as the Markdown shows it). */
  percent: number;
}

export interface Project {
  root: string;
  config: Config;
  configSource: string | null;
  registered: Registered;
  index: RegistryIndex;
  warnings: string[];
}

export interface Built extends Project {
  entries: RegistryEntry[];
  stale: StaleAnnotation[];
  coverage: Coverage;
  annotations: LoadedAnnotations;
  /** Files the front ends parsed in this run (0 on a warm run). */
  parsed: number;
  /** Entries whose indexed JSON changed in this run. */
  changed: number;
  /** A digest of every entry's JSON: equal digests, equal registries. */
  digest: string;
}

export function coverageOf(entries: readonly RegistryEntry[]): Coverage {
  const documented = entries.filter((e) => e.purpose !== null).length;
  const total = entries.length;
  const raw = total === 0 ? 100 : (documented / total) * 100;
  return { documented, total, percent: documented < total ? Math.min(99, Math.round(raw)) : Math.round(raw) };
}

/**
 * Opens the project: config, the registered files (one walk) and the index. Close `index` when done.
 * `walk: false` leaves the registered files empty, for answers straight from the index.
 */
export async function openProject(options: RegistryOptions, { walk = true }: { walk?: boolean } = {}): Promise<Project> {
  const loaded = await loadConfig({
    cwd: options.cwd,
    ...(options.configPath === undefined ? {} : { configPath: options.configPath }),
    ...(options.isolated ? { isolated: true } : {}),
  });
  const warnings: string[] = [];
  const registered = walk ? registeredFiles(loaded.root, loaded.config) : unwalked();
  const index = RegistryIndex.open(loaded.root, (m) => warnings.push(m));
  return { root: loaded.root, config: loaded.config, configSource: loaded.source, registered, index, warnings };
}

/** What `openProject({ walk: false })` holds until a walk is needed (see `walkIfNeeded`). */
function unwalked(): Registered {
  return { files: [], all: new Set<string>(), skipped: [], folders: new Map() };
}

/** Walks the tree if `openProject` did not. */
export function walkIfNeeded(project: Project): void {
  if (project.registered.folders.size === 0) project.registered = registeredFiles(project.root, project.config);
}

/**
 * The tree as the last build saw it: every folder's mtime and every registered file's mtime and size.
 * A file added, removed or renamed changes its folder's mtime, and an edit changes the file's, so
 * stat'ing these (no directory listing, no parse) tells whether the index still describes the tree.
 */
interface TreeSnapshot {
  inputs: string;
  folders: [string, number][];
  files: [string, number, number][];
}

export const TREE_MEMO = 'tree';

function snapshotOf(project: Project): string {
  const snapshot: TreeSnapshot = {
    inputs: inputsStamp(project),
    folders: [...project.registered.folders],
    files: project.registered.files.map((f) => [f.path, f.mtimeMs, f.size]),
  };
  return JSON.stringify(snapshot);
}

/** Remembers the walked tree as the index now describes it. */
export function recordTree(project: Project): void {
  const snapshot = snapshotOf(project);
  if (project.index.memo(TREE_MEMO) !== snapshot) project.index.remember(TREE_MEMO, snapshot);
}

/** A memo's JSON, or null when there is none or it is damaged (which only costs the shortcut it keeps). */
export function memoJson<T>(project: Project, name: string): T | null {
  const text = project.index.memo(name);
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

/** True when nothing the last build saw has changed on disk (see `TreeSnapshot`). */
export function treeUnchanged(project: Project): boolean {
  // a missing or damaged memo: the caller walks and rebuilds, which rewrites it
  const snapshot = memoJson<TreeSnapshot>(project, TREE_MEMO);
  if (snapshot === null) return false;
  if (snapshot.inputs !== inputsStamp(project) || !Array.isArray(snapshot.folders) || !Array.isArray(snapshot.files)) return false;
  // tens of thousands of calls: a plain concatenation, not path.join
  const prefix = project.root.endsWith(path.sep) ? project.root : project.root + path.sep;
  const stat = (rel: string) => statSync(prefix + rel, { throwIfNoEntry: false });
  for (const [rel, ms] of snapshot.folders) if (stat(rel)?.mtimeMs !== ms) return false;
  for (const [rel, ms, size] of snapshot.files) {
    const st = stat(rel);
    if (!st || st.mtimeMs !== ms || st.size !== size) return false;
  }
  return true;
}

/** True once a build has recorded what it saw (an index never built answers nothing). */
export function everBuilt(project: Project): boolean {
  return project.index.memo(TREE_MEMO) !== undefined;
}

function stampOf(file: string): string {
  try {
    const st = statSync(file);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return 'absent';
  }
}

/**
 * Everything besides the registered files' bytes that entries depend on (config, annotations file),
 * so a search can tell whether the index still describes the tree. Git facts are left out on purpose:
 * a new commit does not make a search answer wrong.
 */
export function inputsStamp(project: Project): string {
  const { config, root, configSource } = project;
  return JSON.stringify({
    registry: config.registry,
    deprecated: config.deprecatedPaths,
    exclude: config.exclude,
    config: configSource ? stampOf(configSource) : null,
    annotations: stampOf(path.resolve(root, config.registry.annotations)),
  });
}

/** Brings the index up to date and returns the entries. */
export async function build(project: Project): Promise<Built> {
  const { root, config, registered, index, warnings } = project;
  const annotations = await loadAnnotations(root, config.registry.annotations);
  const collection = await collect(registered.files, index, config.maxFileSize);
  warnings.push(...collection.warnings);
  const git = await gitFacts(root, { get: () => index.gitMemo(), set: (v) => index.rememberGit(v) });
  if ('reason' in git) warnings.push(`git facts left out: ${git.reason}`);
  const { entries, stale } = resolveEntries({
    parts: collection.parts,
    all: registered.all,
    annotations: annotations.data,
    lineOf: (p) => annotations.lineOf(p),
    git: 'facts' in git ? git.facts : null,
    config,
  });
  for (const s of stale) warnings.push(staleMessage(s, config.registry.annotations));
  const { changed, digest } = index.write({
    files: collection.rows,
    keep: new Set(registered.files.map((f) => f.path)),
    vanished: collection.vanished,
    entries,
    inputs: inputsStamp(project),
  });
  recordTree(project);
  return { ...project, entries, stale, coverage: coverageOf(entries), annotations, parsed: collection.parsed, changed, digest };
}

export function staleMessage(s: StaleAnnotation, file: string): string {
  const where = s.line === null ? file : `${file}:${s.line}`;
  return s.missing === 'file'
    ? `${where}: stale annotation: ${s.path} does not exist`
    : `${where}: ${s.path}: replaced_by ${s.target} does not exist`;
}
