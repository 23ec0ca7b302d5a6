/**
 * How `provenant audit` starts: it runs in pre-commit hooks, where most of its wall time used to be Node
 * resolving and compiling some seventy modules and V8 compiling the parser's wasm. So it runs from one bundle
 * (`dist/bundle/audit-entry.cjs`, built from `audit-entry.ts`) loaded through V8's code cache
 * (`compile-cache.ts`), with wasm compiled by V8's baseline compiler alone, lazily. This module runs bundled
 * too (`dist/bundle/fast-start.cjs`, which bin/provenant.js requires), next to the audit bundle.
 *
 * The wasm choice: by default V8 also recompiles hot wasm functions with its optimising compiler on
 * background threads, and Node waits for those jobs before the process exits, some 60–90 ms that pay off
 * only when a run parses a great many files; an audit parses only the files its rules' triggers pick (on a
 * 5,000-file repository, a cold audit parsed 60 and ran faster on the baseline code). The flags are set before
 * anything is compiled: V8 keys its code cache by them, so they must be the same on every run.
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { compileCacheDir, loadBundle } from './compile-cache.js';

/** As analysis/parse-pool.ts names it; not imported, so this bundle stays small. */
const LIFTOFF_ONLY = Symbol.for('provenant.liftoffOnly');

export async function startAudit(args: string[]): Promise<void> {
  v8.setFlagsFromString('--liftoff-only');
  v8.setFlagsFromString('--wasm-lazy-compilation');
  // a run that parses thousands of files lifts the first flag for its parse workers (analysis/parse-pool.ts)
  (globalThis as { [LIFTOFF_ONLY]?: boolean })[LIFTOFF_ONLY] = true;
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'audit-entry.cjs');
  const loaded = loadBundle(file, compileCacheDir());
  const bundle = loaded.exports as { runAudit(args: string[]): Promise<void>; warmUp(): Promise<void> };
  await bundle.runAudit(args);
  // The cache holds what this process compiled: only a run that audited something writes it (not --help or a
  // usage error, which compile next to nothing), after a sample parse, so that it holds the Python front end
  // whatever this run parsed. That costs some 40 ms, once per install and Node version.
  const audited = (process.exitCode === 0 || process.exitCode === 1) && !args.some((a) => a === '--help' || a === '-h');
  if (audited && loaded.cache !== 'used' && loaded.cacheFile) {
    await bundle.warmUp();
    loaded.save();
  }
}
