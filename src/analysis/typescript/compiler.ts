/**
 * The TypeScript compiler, loaded on first use: the copy ts-morph bundles, through its public `ts` export
 * (not its undeclared dependency `@ts-morph/common`). Nothing here needs a Project: one `createSourceFile`
 * per file and the scanner are enough for facts.
 *
 * `require`, not `import()`: the bundle keeps it out (esbuild follows neither `createRequire` call), and
 * Node's ES module wrapper around ts-morph's CommonJS costs about 120 ms more than `require` (measured on
 * a 2-CPU Linux machine: require 0.20 s, import 0.32 s).
 */
import { createRequire } from 'node:module';
import type { ts as tsNamespace } from 'ts-morph';
import { BugError } from '../../core/errors.js';

export type TS = typeof tsNamespace;

let loaded: TS | undefined;

/** The compiler API; throws a BugError when used before `loadCompiler()` resolved. */
export function compiler(): TS {
  if (!loaded) throw new BugError('the TypeScript front end was used before loadCompiler()');
  return loaded;
}

export async function loadCompiler(): Promise<TS> {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  try {
    loaded = (require('ts-morph') as typeof import('ts-morph')).ts;
  } catch (cause) {
    throw new BugError('cannot load the TypeScript compiler bundled with ts-morph (is ts-morph installed?)', { cause });
  }
  return loaded;
}
