/**
 * Loads a CommonJS bundle through V8's code cache, the way `v8-compile-cache` does for `require` (Node 22's
 * `module.enableCompileCache` does it for every module; Node 20 has no such switch). The first run compiles
 * the bundle and, once its work is done, saves the code V8 compiled for it, lazily compiled functions
 * included; later runs hand that back to V8 and skip parsing and compiling.
 *
 * V8 checks what it is handed (its version, its flags, the source's length) and refuses a cache that does not
 * fit, in which case the bundle is compiled as usual and the cache is written anew. The file name holds a
 * digest of the source, so a rebuilt bundle of the same length never meets an old cache.
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { writeAtomic } from '../core/fs.js';

/** Cache files kept per folder: several installed versions of provenant can take turns without evicting each other. */
const KEEP = 4;

export interface LoadedBundle {
  exports: Record<string, unknown>;
  /** Where the cache was read from or will be written; null when caching is off. */
  cacheFile: string | null;
  /** What happened to the cache this run: used, absent (first run, or caching off) or refused by V8. */
  cache: 'used' | 'absent' | 'refused';
  /** Writes the cache when it was absent or refused. Call it when the run's work is done. */
  save(): void;
}

/**
 * The folder for cache files: `PROVENANT_COMPILE_CACHE` when set (`off` turns caching off), else the user's
 * cache folder (`$XDG_CACHE_HOME`, `~/.cache`, `~/Library/Caches` or `%LOCALAPPDATA%`) under `provenant/v8`.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const chosen = env.PROVENANT_COMPILE_CACHE;
  if (chosen !== undefined && chosen !== '') return ['off', '0', 'false'].includes(chosen.toLowerCase()) ? null : path.resolve(chosen);
  let home: string;
  try {
    home = os.homedir();
  } catch (error) {
    // no HOME and no passwd entry (a container running as an arbitrary uid): run without a code cache
    if (isFsError(error)) return null;
    throw error;
  }
  const base =
    process.platform === 'win32'
      ? (env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'))
      : process.platform === 'darwin'
        ? path.join(home, 'Library', 'Caches')
        : (env.XDG_CACHE_HOME || path.join(home, '.cache'));
  return path.join(base, 'provenant', 'v8');
}

/** True for the errors of a file system that refuses, lacks room or lacks the file (and other system errors). */
function isFsError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    // no cache yet, or one that cannot be read: the bundle compiles as it would without one
    if (isFsError(error)) return undefined;
    throw error;
  }
}

/**
 * Writes `data` whole or not at all (`writeAtomic`), and drops the oldest surplus files of
 * the same bundle (names starting with `prefix`).
 */
function writeCache(file: string, prefix: string, data: Buffer): void {
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomic(file, data, { mode: 0o600 });
    const others = readdirSync(dir)
      .filter((name) => name.startsWith(prefix) && name.endsWith('.v8cache'))
      .map((name) => ({ name, mtime: statSync(path.join(dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const old of others.slice(KEEP)) rmSync(path.join(dir, old.name), { force: true });
  } catch (error) {
    // The cache only saves time: a read-only home, a full disk or a concurrent run's cleanup must never fail
    // the command that just finished. The next run compiles and tries again.
    if (!isFsError(error)) throw error;
  }
}

/** Loads `file` (a CommonJS bundle) as a module, through the code cache in `cacheDir` (none when null). */
export function loadBundle(file: string, cacheDir: string | null): LoadedBundle {
  const source = readFileSync(file, 'utf8');
  const prefix = `${path.basename(file, '.cjs')}--`;
  const digest = createHash('sha1').update(source).digest('hex').slice(0, 12);
  const cacheFile = cacheDir ? path.join(cacheDir, `${prefix}${digest}--${process.version}-${process.arch}.v8cache`) : null;
  const cachedData = cacheFile ? readCache(cacheFile) : undefined;
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const cache = !cachedData ? 'absent' : script.cachedDataRejected ? 'refused' : 'used';
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return {
    exports: module.exports,
    cacheFile,
    cache,
    save() {
      if (cacheFile && cache !== 'used') writeCache(cacheFile, prefix, script.createCachedData());
    },
  };
}
