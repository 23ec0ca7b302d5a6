/**
 * Where the installed package lives, and paths in POSIX form.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The installed package's root (the folder holding package.json), from src/ or dist/src/ alike. */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'grammars'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('provenant: cannot find the package root from ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Repo-relative POSIX path. */
export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
