/**
 * File discovery and reading: which files an audit or the registry looks at, and their bytes and text.
 * Unreadable, binary, oversized or vanished files and symlink loops become skip reasons, never errors;
 * `fileProbe` answers for single paths in git modes without walking the tree.
 */

import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { compileGlob } from './glob.js';
import { UserError } from './errors.js';
import { toPosix } from './paths.js';

/** A file left out of a run, and why (the report's `skipped` entries; their schema is in schemas/finding.ts). */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface DiscoveredFile {
  /** Root-relative, `/`-separated. */
  path: string;
  abs: string;
  size: number;
  /** Modification time (ms), for reusing cached facts without reading the file. */
  mtimeMs: number;
}

export interface Discovery {
  /** Files the include globs select, under the requested targets. */
  files: DiscoveredFile[];
  /** Files the include globs select elsewhere under the root (context, e.g. for loader inference). */
  context: DiscoveredFile[];
  /** Every file under the project root (for resolving script calls), excluded folders left out. */
  all: Set<string>;
  skipped: SkippedFile[];
  /** With `folders: true`: every folder walked (root-relative, `.` for the root) and its mtime. */
  folders: Map<string, number>;
}

export interface DiscoverOptions {
  root: string;
  /** Absolute paths the user asked for (files or folders). */
  targets: string[];
  include: string[];
  exclude: string[];
  /**
   * Also record each folder's mtime: a file added, removed or renamed changes its folder's, so a later
   * run can tell the tree is unchanged by stat'ing folders and known files instead of walking.
   */
  folders?: boolean;
  /**
   * Paths git ignores (`gitIgnored`): files, and folders ending in `/`. Left out like excluded paths, except
   * where the user named them: a named file or folder is audited, but not what git ignores inside it.
   */
  ignored?: ReadonlySet<string> | null;
}

function errno(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/**
 * Walks the targets and the project root. Symlinked folders are followed once (a loop is skipped with a
 * reason); files that vanish or cannot be read mid-walk are skipped with a reason, never fatal.
 */
export function discover(options: DiscoverOptions): Discovery {
  const { root } = options;
  const excluded = globMatcher(options.exclude);
  const included = globMatcher(options.include);
  const ignored = options.ignored ?? null;
  const isExcluded = (rel: string, base: string) => excluded(rel, base) || excluded(base, base);
  const skipped: SkippedFile[] = [];
  const all = new Set<string>();
  const files = new Map<string, DiscoveredFile>();
  const context = new Map<string, DiscoveredFile>();
  const folders = new Map<string, number>();

  // `real` is the folder's resolved path: asked of the file system only at the start and behind a
  // symlink, otherwise the parent's real path plus the name (one syscall less per folder)
  const walk = (dirAbs: string, collect: boolean, seen: Set<string>, knownReal?: string): void => {
    const dirRel = relOf(root, dirAbs);
    let real: string;
    try {
      real = knownReal ?? realpathSync(dirAbs);
    } catch (error) {
      skipped.push({ path: relOf(root, dirAbs), reason: `cannot resolve folder (${errno(error) ?? 'error'})` });
      return;
    }
    if (seen.has(real)) {
      skipped.push({ path: relOf(root, dirAbs), reason: 'symlink loop: this folder was already walked' });
      return;
    }
    if (knownReal === undefined && outside(real)) {
      skipped.push({ path: dirRel, reason: `symlink to a folder outside the project (${real}): not followed` });
      return;
    }
    seen.add(real);
    let entries: Dirent[];
    try {
      if (options.folders) folders.set(dirRel, statSync(dirAbs).mtimeMs);
      entries = readdirSync(dirAbs, { withFileTypes: true });
    } catch (error) {
      const code = errno(error);
      if (code === 'ENOENT') skipped.push({ path: relOf(root, dirAbs), reason: 'vanished during the scan' });
      else skipped.push({ path: relOf(root, dirAbs), reason: `cannot read folder (${code ?? 'error'})` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const abs = dirAbs + path.sep + entry.name;
      const rel = dirRel === '.' ? entry.name : `${dirRel}/${entry.name}`;
      if (isExcluded(rel, entry.name)) continue;
      if (ignored !== null && (ignored.has(rel) || ignored.has(`${rel}/`))) continue;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let size = -1;
      let mtimeMs = 0;
      if (entry.isSymbolicLink()) {
        let st: Stats;
        try {
          st = statSync(abs);
        } catch {
          skipped.push({ path: rel, reason: 'broken symlink' });
          continue;
        }
        isDir = st.isDirectory();
        isFile = st.isFile();
        size = st.size;
        mtimeMs = st.mtimeMs;
        if (isFile) {
          const target = realFile(abs);
          if (target === null || outside(target)) {
            skipped.push({ path: rel, reason: target === null ? 'cannot resolve symlink' : `symlink to a file outside the project (${target}): not followed` });
            continue;
          }
        }
      }
      if (isDir) {
        walk(abs, collect, seen, entry.isSymbolicLink() ? undefined : real + path.sep + entry.name);
      } else if (isFile) {
        all.add(rel);
        const into = collect ? files : context;
        if (included(rel, entry.name) && !files.has(rel) && !into.has(rel)) {
          if (size < 0) {
            try {
              const st = statSync(abs);
              size = st.size;
              mtimeMs = st.mtimeMs;
            } catch {
              skipped.push({ path: rel, reason: 'vanished during the scan' });
              continue;
            }
          }
          into.set(rel, { path: rel, abs, size, mtimeMs });
        }
      }
    }
  };

  const rootAbs = path.resolve(root);
  const targets = options.targets.map((t) => path.resolve(t));
  let realRoot: string | undefined;
  // the walk never leaves the project through a link: what a link leads to must be under the real root
  function outside(real: string): boolean {
    realRoot ??= realFile(rootAbs) ?? rootAbs;
    const back = path.relative(realRoot, real);
    return back === '..' || back.startsWith(`..${path.sep}`) || path.isAbsolute(back);
  }
  const coversRoot = targets.some((t) => t === rootAbs);
  for (const t of targets) {
    const { rel, st } = statTarget(root, t);
    if (st.isDirectory()) {
      walk(t, true, new Set());
    } else if (st.isFile()) {
      all.add(rel);
      // an explicitly named file is audited even when include globs would not pick it (like ruff)
      files.set(rel, { path: rel, abs: t, size: st.size, mtimeMs: st.mtimeMs });
    } else {
      // a FIFO, socket or device named on the command line: never read (a FIFO would block), but never
      // passed over in silence either
      skipped.push({ path: rel, reason: 'not a regular file or folder' });
    }
  }
  if (!coversRoot) walk(rootAbs, false, new Set());
  for (const rel of files.keys()) context.delete(rel);
  return { files: [...files.values()], context: [...context.values()], all, skipped, folders };
}

function realFile(abs: string): string | null {
  try {
    return realpathSync(abs);
  } catch {
    return null;
  }
}

/** A path named on the command line (absolute): its path relative to `root` and its stat, or a UserError. */
export function statTarget(root: string, target: string): { rel: string; st: Stats } {
  let st: Stats;
  try {
    st = statSync(target);
  } catch (error) {
    const code = errno(error);
    throw new UserError(`${target}: ${code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code ?? 'error'})`}`, {
      hint: 'pass files or folders inside the project',
    });
  }
  const rel = relOf(root, target);
  if (rel.startsWith('../')) {
    throw new UserError(`${target}: outside the project root ${path.resolve(root)}`, { hint: 'run provenant from inside the project, or pass --config' });
  }
  return { rel, st };
}

/**
 * A matcher over (relative path, base name) for a list of globs. The common shapes are answered
 * without a regex — a bare name (`node_modules`), `**\/*.ext`, `**\/Name` — since the walk asks for
 * every entry of the tree; anything else goes to picomatch.
 */
function globMatcher(globs: readonly string[]): (rel: string, base: string) => boolean {
  const names = new Set<string>();
  const suffixes: string[] = [];
  const rest: string[] = [];
  for (const g of globs) {
    const ext = /^\*\*\/\*(\.[\w.-]+)$/.exec(g);
    const name = /^(?:\*\*\/)?([\w.-]+)$/.exec(g);
    if (ext?.[1]) suffixes.push(ext[1]);
    else if (name?.[1]) names.add(name[1]);
    else rest.push(g);
  }
  const slow = rest.length ? compileGlob(rest, { dot: true }) : null;
  return (rel, base) =>
    names.has(base) || names.has(rel) || suffixes.some((x) => base.endsWith(x) && base.length > x.length) || (slow?.(rel) ?? false);
}

function relOf(root: string, abs: string): string {
  const rel = toPosix(path.relative(root, abs));
  return rel === '' ? '.' : rel;
}

export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };
export type BytesResult = { ok: true; bytes: Buffer } | { ok: false; reason: string };

const CODING_COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;
const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true });
/** Python codec names that the WHATWG encoding labels spell differently. */
const PYTHON_CODECS: Record<string, string> = {
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
  iso8859: 'latin1',
  'iso8859-1': 'latin1',
  l1: 'latin1',
  cp1252: 'windows-1252',
  'utf-8-sig': 'utf-8',
  utf8: 'utf-8',
};

/**
 * Reads a file's bytes. Binary files, oversized files and files that vanished since discovery come
 * back as a reason to skip, so one bad file never stops an audit.
 */
export function readBytes(file: DiscoveredFile, maxSize: number): BytesResult {
  if (file.size > maxSize) {
    return { ok: false, reason: `too large (${(file.size / 1e6).toFixed(1)} MB > max-file-size ${(maxSize / 1e6).toFixed(1)} MB)` };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file.abs);
  } catch (error) {
    const code = errno(error);
    if (code === 'ENOENT') return { ok: false, reason: 'vanished during the scan' };
    if (code === 'EISDIR') return { ok: false, reason: 'is a folder' };
    return { ok: false, reason: `cannot read (${code ?? 'error'})` };
  }
  if (bytes.length > maxSize) return { ok: false, reason: 'too large (grew past max-file-size during the scan)' };
  if (bytes.subarray(0, 8192).includes(0)) return { ok: false, reason: 'binary file (contains NUL bytes)' };
  return { ok: true, bytes };
}

/** Source text from bytes: UTF-8, or the encoding a PEP 263 coding declaration names. */
export function decodeSource(bytes: Buffer): ReadResult {
  try {
    return { ok: true, text: FATAL_UTF8.decode(bytes) };
  } catch {
    const head = bytes.subarray(0, 400).toString('latin1').split('\n').slice(0, 2);
    for (const line of head) {
      const declared = CODING_COOKIE.exec(line)?.[1]?.toLowerCase();
      const label = declared ? (PYTHON_CODECS[declared.replace(/_/g, '-')] ?? declared.replace(/_/g, '-')) : undefined;
      if (label && label !== 'utf-8' && label !== 'utf8') {
        try {
          return { ok: true, text: new TextDecoder(label).decode(bytes) };
        } catch {
          return { ok: false, reason: `unknown source encoding \`${label}\`` };
        }
      }
    }
    return { ok: false, reason: `not valid UTF-8 (line ${firstInvalidUtf8Line(bytes)}) and no coding declaration` };
  }
}

export function readSource(file: DiscoveredFile, maxSize: number): ReadResult {
  const read = readBytes(file, maxSize);
  return read.ok ? decodeSource(read.bytes) : read;
}

function firstInvalidUtf8Line(buf: Buffer): number {
  const text = new TextDecoder('utf-8').decode(buf);
  const at = text.indexOf('\uFFFD');
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}

/**
 * Names and stats files one at a time, with the walk's include/exclude rules: what a git mode needs for
 * the few paths git names, without walking a tree of thousands of files.
 */
export interface FileProbe {
  /** The file as the walk would have discovered it, or null (excluded, not included, not a file, gone). */
  discover(rel: string): DiscoveredFile | null;
  /** True when the walk would have listed `rel` among every file under the root (`Discovery.all`). */
  has(rel: string): boolean;
  /** True when `rel` is a folder under the root that the walk would have entered. */
  hasFolder(rel: string): boolean;
}

export function fileProbe(root: string, include: string[], exclude: string[]): FileProbe {
  const excluded = globMatcher(exclude);
  const included = globMatcher(include);
  // the walk never enters an excluded folder, so every ancestor is asked too
  const visible = (rel: string): boolean => {
    const parts = rel.split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..')) return false;
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      const base = parts[i - 1] ?? '';
      if (excluded(sub, base) || excluded(base, base)) return false;
    }
    return true;
  };
  const stat = (rel: string): Stats | null => {
    try {
      return statSync(path.join(root, rel));
    } catch (error) {
      const code = errno(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EACCES') return null;
      throw error;
    }
  };
  return {
    discover(rel) {
      if (!visible(rel) || !included(rel, rel.slice(rel.lastIndexOf('/') + 1))) return null;
      const st = stat(rel);
      return st?.isFile() ? { path: rel, abs: path.join(root, rel), size: st.size, mtimeMs: st.mtimeMs } : null;
    },
    has: (rel) => visible(rel) && (stat(rel)?.isFile() ?? false),
    // as a walk sees it: a folder that holds something the walk would enter (`scripts/` left with only
    // `__pycache__/` is no folder of the project's, here as in a full run)
    hasFolder: (rel) => rel === '' || (visible(rel) && (stat(rel)?.isDirectory() ?? false) && holdsVisible(rel)),
  };
  function holdsVisible(rel: string): boolean {
    try {
      return readdirSync(path.join(root, rel), { withFileTypes: true }).some((e) => (e.isFile() || e.isDirectory()) && visible(`${rel}/${e.name}`));
    } catch (error) {
      const code = errno(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return false;
      throw error;
    }
  }
}

/** What a path is when it is not a regular file (`a FIFO`, `a folder`…), or null for a regular file. */
export function notRegular(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a file';
}

/**
 * Where a write to `abs` would land: symlinks resolved all the way, including a last part that does not
 * exist yet and a dangling link (writing through it creates its target).
 */
export function realPathOf(abs: string): string {
  let p = path.resolve(abs);
  const rest: string[] = [];
  for (let hops = 0; hops < 64; ) {
    try {
      return path.join(realpathSync(p), ...rest);
    } catch (error) {
      if (!['ENOENT', 'ENOTDIR'].includes(errno(error) ?? '')) throw error;
    }
    let target: string | null = null;
    try {
      target = lstatSync(p).isSymbolicLink() ? readlinkSync(p) : null;
    } catch (error) {
      if (!['ENOENT', 'ENOTDIR'].includes(errno(error) ?? '')) throw error;
    }
    if (target !== null) {
      // a dangling link: follow it by hand
      p = path.resolve(path.dirname(p), target);
      hops++;
      continue;
    }
    const parent = path.dirname(p);
    if (parent === p) return path.join(p, ...rest);
    rest.unshift(path.basename(p));
    p = parent;
  }
  return path.join(p, ...rest);
}

/** The real path of `abs` when it lies outside the real project root (through a symlink), else null. */
export function realOutside(root: string, abs: string): string | null {
  const real = realPathOf(abs);
  const back = path.relative(realPathOf(root), real);
  return back === '..' || back.startsWith(`..${path.sep}`) || path.isAbsolute(back) ? real : null;
}
