/**
 * Which files an audit looks at and how it sees the rest of the tree: a full walk, a walk narrowed to
 * what git selects, or with a warm cache, for `--staged` and for named files, no walk at all.
 */
import path from 'node:path';
import type { DiscoveredFile, FileProbe } from '../core/files.js';
import { discover, fileProbe, statTarget } from '../core/files.js';
import type { StagedFile } from '../core/git.js';
import { toPosix } from '../core/paths.js';
import type { Config } from '../schemas/config.js';
import type { SkippedFile } from '../schemas/finding.js';
import type { FactsStore } from '../store/index.js';
import { filesFromSet, type ProjectFiles } from './project.js';

/** What git says a git mode should audit. */
export type GitAnswer = { staged: StagedFile[] } | { changed: Set<string> };

export interface Selection {
  files: DiscoveredFile[];
  contents?: Map<string, Buffer>;
}

export interface Tree {
  selection: Selection;
  /** Other included files: what zero-config loader inference may read. */
  context: DiscoveredFile[];
  files: ProjectFiles;
  /** Every file under the root, or null when the run did not walk the tree. */
  all: ReadonlySet<string> | null;
  skipped: SkippedFile[];
}

/**
 * `--staged` without walking the tree: the staged paths are matched against the globs and stat'ed one by
 * one, rules ask the file system about the paths they resolve, and loader inference reads the files the
 * cache knows may define a loader. A loader file no run has seen yet is missed until a full audit sees it;
 * with an empty cache (nothing to know it from) the tree is walked as in a full run.
 */
export function stagedTree(root: string, config: Config, staged: StagedFile[], store: FactsStore | null): Tree | null {
  return unwalkedTree(root, config, store, (probe) => stagedSelection(staged, (p) => probe.discover(p)));
}

/**
 * Named files, all of them files (what the pre-commit framework passes a hook), the same way: each is audited
 * as a walking run would (even when the include globs would not pick it), and the rest of the tree is asked
 * about path by path. A folder among the targets, or an empty cache, means a walk.
 */
export function namedFilesTree(root: string, config: Config, targets: readonly string[], store: FactsStore | null): Tree | null {
  const named: DiscoveredFile[] = [];
  for (const target of targets) {
    const { rel, st } = statTarget(root, target);
    if (!st.isFile()) return null;
    if (!named.some((f) => f.path === rel)) named.push({ path: rel, abs: target, size: st.size, mtimeMs: st.mtimeMs });
  }
  return unwalkedTree(root, config, store, () => ({ files: named }));
}

/** The tree as the cache knows it, without a walk; null when the cache knows nothing (a walk is needed). */
function unwalkedTree(root: string, config: Config, store: FactsStore | null, select: (probe: FileProbe) => Selection): Tree | null {
  const hinted = config.sanctionedLoaders.length ? [] : store?.hintedFiles();
  if (!hinted) return null;
  const probe = fileProbe(root, config.include, config.exclude);
  const selection = select(probe);
  const selected = new Set(selection.files.map((f) => f.path));
  const context: DiscoveredFile[] = [];
  for (const row of hinted) {
    const file = selected.has(row.path) ? null : probe.discover(row.path);
    if (file) context.push(file);
  }
  return { selection, context, files: probedFiles(probe), all: null, skipped: [] };
}

/** `ProjectFiles` answered by the file system one path at a time, as the globs see the tree. */
export function probedFiles(probe: FileProbe): ProjectFiles {
  return {
    has: (p) => probe.has(p),
    holdsPackage: (pkg) => probe.has(`${pkg}.py`) || probe.hasFolder(pkg) || probe.hasFolder(`src/${pkg}`),
    hasFolder: (dir) => dir === '' || probe.hasFolder(dir),
  };
}

/**
 * The tree with some selected files' text replaced (an editor's unsaved buffers, by absolute path): audited
 * like staged content, never remembered as the files' results.
 */
export function withContents(tree: Tree, root: string, contents: ReadonlyMap<string, Buffer>): Tree {
  const merged = new Map(tree.selection.contents);
  for (const [abs, bytes] of contents) merged.set(toPosix(path.relative(root, abs)), bytes);
  const files = tree.selection.files.map((f) => {
    const bytes = merged.get(f.path);
    return bytes ? { ...f, size: bytes.length } : f;
  });
  return { ...tree, selection: { files, contents: merged } };
}

/** The tree as a full walk sees it, narrowed to what a git mode selects. */
export function walkedTree(root: string, config: Config, targets: string[], asked: GitAnswer | null, ignored: ReadonlySet<string> | null = null): Tree {
  const discovery = discover({ root, targets, include: config.include, exclude: config.exclude, ignored });
  const selection = asked ? gitSelection(discovery.files, asked) : { files: discovery.files };
  const selected = new Set(selection.files.map((f) => f.path));
  const context = asked ? discovery.files.filter((f) => !selected.has(f.path)) : discovery.context;
  return { selection, context, files: filesFromSet(discovery.all), all: discovery.all, skipped: discovery.skipped };
}

/** The staged files the tree holds (`find` says how it sees a path), audited with their index content. */
function stagedSelection(staged: StagedFile[], find: (path: string) => DiscoveredFile | null): Selection & { contents: Map<string, Buffer> } {
  const contents = new Map<string, Buffer>();
  const files: DiscoveredFile[] = [];
  for (const s of staged) {
    const known = find(s.path);
    if (!known) continue; // excluded, not included by the globs, or gone from the work tree
    contents.set(s.path, s.bytes);
    files.push({ ...known, size: s.bytes.length });
  }
  return { files, contents };
}

/** The files a git mode audits, with the index content in `--staged` mode. */
function gitSelection(files: DiscoveredFile[], asked: GitAnswer): Selection {
  if ('staged' in asked) {
    const byPath = new Map(files.map((f) => [f.path, f]));
    return stagedSelection(asked.staged, (p) => byPath.get(p) ?? null);
  }
  return { files: files.filter((f) => asked.changed.has(f.path)) };
}
