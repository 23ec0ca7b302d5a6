/**
 * Content digests for artifacts: sha256 of a file, streamed through one reused buffer (the read size is
 * what keeps pace with `sha256sum`), and of a directory as the sha256 of its manifest — one
 * `<sha256>  <relative path>` line per file in byte order of the paths, the format `sha256sum -c` reads —
 * so a directory's digest changes when any file in it is added, removed, renamed or edited.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

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

/** The files under `dir` (symlinks are not followed; sidecar stamps are left out), relative, sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && !entry.name.endsWith(STAMP_SUFFIX)) out.push(child);
    }
  };
  walk('');
  // byte order, not locale order, so every machine builds the same manifest
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function sha256Directory(dir: string): DirectoryDigest {
  const lines: string[] = [];
  let size = 0;
  const files = listTree(dir);
  for (const rel of files) {
    const file = path.join(dir, rel);
    size += lstatSync(file).size;
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
