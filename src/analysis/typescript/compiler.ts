/**
 * The TypeScript compiler, loaded on first use. It is the copy ts-morph bundles (ts-morph's own
 * dependency `@ts-morph/common` exports it as `ts`); requiring that directly skips ts-morph's wrapper,
 * which would double the load time, and nothing here needs a Project: one `createSourceFile` per file
 * and the scanner are enough for facts.
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
    // resolved from ts-morph's own location, so the copy is the one ts-morph was installed with
    const fromMorph = createRequire(require.resolve('ts-morph'));
    loaded = (fromMorph('@ts-morph/common') as { ts: TS }).ts;
  } catch (cause) {
    throw new BugError('cannot load the TypeScript compiler bundled with ts-morph (is ts-morph installed?)', { cause });
  }
  return loaded;
}
