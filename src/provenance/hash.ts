/**
 * Content digests for artifacts: sha256 of a file, streamed through one reused buffer (the read size is
 * what keeps pace with `sha256sum`), and of a directory as the sha256 of its manifest — one
 * `<sha256>  <relative path>` line per file in byte order of the paths, the format `sha256sum -c` reads —
 * so a directory's digest changes when any file in it is added, removed, renamed or edited.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

import { isErrno } from '../core/fs.js';
import { UserError } from '../core/errors.js';
import { toPosix } from '../core/paths.js';

/** 4 MiB: large enough that the hash, not the system calls, sets the pace. */
const CHUNK = 4 * 1024 * 1024;
let buffer: Buffer | undefined;

/** Sidecar stamps never count as part of a directory artifact. */
export const STAMP_SUFFIX = '.prov.json';

export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const chunk = (buffer ??= Buffer.allocUnsafe(CHUNK));
  const fd = openSync(file, 'r');
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(n === CHUNK ? chunk : chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export function sha256Text(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface DirectoryDigest {
  sha256: string;
  files: number;
  size: number;
  manifest: string;
}

/**
 * The files under `dir`, relative, sorted; sidecar stamps are left out. Links are followed (a Hugging Face
 * snapshot is links into its blobs), so the manifest lists what they point at under the link's own name; a
 * link that points nowhere, or back into a folder being walked, is refused rather than left out.
 */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string, real: string, above: ReadonlySet<string>): void => {
    const here = new Set(above).add(real);
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) {
        const target = followLink(dir, child);
        if (target.isDirectory()) {
          const realChild = realpathSync(path.join(dir, child));
          if (here.has(realChild)) throw new UserError(`${path.join(dir, child)}: a link back into a folder that contains it (${readlinkSync(path.join(dir, child))}): the folder would never end`, { hint: 'remove the link, or stamp the folder it points at' });
          walk(child, realChild, here);
        } else if (target.isFile() && !entry.name.endsWith(STAMP_SUFFIX)) out.push(child);
      } else if (entry.isDirectory()) walk(child, path.join(real, entry.name), here);
      else if (entry.isFile() && !entry.name.endsWith(STAMP_SUFFIX)) out.push(child);
    }
  };
  walk('', realpathSync(dir), new Set());
  // byte order, not locale order, so every machine builds the same manifest
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function followLink(dir: string, child: string): Stats {
  const abs = path.join(dir, child);
  try {
    return statSync(abs);
  } catch (error) {
    if (!isErrno(error, 'ENOENT', 'ENOTDIR', 'ELOOP')) throw error;
    throw new UserError(`${abs}: a link to ${readlinkSync(abs)}, which does not exist: the folder cannot be hashed whole`, { hint: 'remove the link or restore what it points at', cause: error });
  }
}

export function sha256Directory(dir: string): DirectoryDigest {
  const lines: string[] = [];
  let size = 0;
  const files = listTree(dir);
  for (const rel of files) {
    const file = path.join(dir, rel);
    size += statSync(file).size;
    lines.push(`${sha256File(file)}  ${toPosix(rel)}\n`);
  }
  const manifest = lines.join('');
  return { sha256: sha256Text(manifest), files: files.length, size, manifest };
}

/** What the verify fast path compares: a file whose size, mtime and inode are unchanged is not reread. */
export interface StatKey {
  size: number;
  mtimeNs: string;
  ino: string;
}

export function statKey(file: string): StatKey {
  const st = statSync(file, { bigint: true });
  return { size: Number(st.size), mtimeNs: st.mtimeNs.toString(), ino: st.ino.toString() };
}

/** A directory's fast-path key: its files' own keys, folded into one (a walk and a stat per file, no reads). */
export function treeStatKey(dir: string): StatKey {
  const h = createHash('sha256');
  let size = 0;
  for (const rel of listTree(dir)) {
    const key = statKey(path.join(dir, rel));
    size += key.size;
    h.update(`${rel}\0${key.size}\0${key.mtimeNs}\0${key.ino}\n`);
  }
  return { size, mtimeNs: h.digest('hex'), ino: 'tree' };
}
