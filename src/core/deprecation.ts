/**
 * When a path counts as deprecated by its name or place: a `.DEPRECATED` suffix, a `deprecated/` folder,
 * or a `deprecated-paths` glob. The audit (SCRIPT001) and the registry ask this one question, so they
 * never disagree about a file.
 */
import { compileGlob } from './glob.js';

/** Why a path is deprecated by its name or place, or null; built once per config. */
export function pathDeprecation(globs: readonly string[]): (path: string) => string | null {
  const matcher = globs.length ? compileGlob([...globs], { dot: true }) : null;
  return (file) => {
    if (/\.deprecated$/i.test(file)) return 'it is marked `.DEPRECATED`';
    if (file.split('/').slice(0, -1).some((seg) => seg.toLowerCase() === 'deprecated')) {
      return 'it lives in a `deprecated/` folder';
    }
    if (matcher?.(file)) return 'it matches `deprecated-paths` in the config';
    return null;
  };
}
