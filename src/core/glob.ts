/**
 * Glob matching for config patterns, with picomatch loaded only on first use.
 */

import { createRequire } from 'node:module';
import type picomatch from 'picomatch';

const require = createRequire(import.meta.url);
let loaded: typeof picomatch | undefined;

/**
 * picomatch, loaded on first use: most audits only meet the plain names and `**\/*.ext` patterns the
 * walk answers itself (see files.ts), and a pre-commit run should not pay for a glob compiler.
 */
export function compileGlob(patterns: string | string[], options?: picomatch.PicomatchOptions): (path: string) => boolean {
  loaded ??= require('picomatch') as typeof picomatch;
  return loaded(patterns, options);
}
