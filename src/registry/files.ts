/**
 * Which files the registry lists: every file the `registry.include` globs select under the root, minus
 * excluded folders and package markers with nothing in them (an empty `__init__.py` is not a script
 * anyone can reuse). The registry, its coverage and the legacy import all count from this one list.
 */
import type { Language } from '../analysis/facts.js';
import { languageOf } from '../analysis/index.js';
import { discover, type DiscoveredFile } from '../core/files.js';
import type { Config } from '../schemas/config.js';
import type { SkippedFile } from '../schemas/finding.js';

/** A script kept under a `.DEPRECATED` suffix is still the script it was: `x.py.DEPRECATED` is Python. */
export const DEPRECATED_SUFFIX = '.DEPRECATED';

export interface RegisteredFile extends DiscoveredFile {
  language: Language;
  /** Named `*.DEPRECATED`: deprecated whatever the annotations say. */
  deprecatedName: boolean;
}

export interface Registered {
  files: RegisteredFile[];
  /** Every file under the root (for resolving script calls and stale entries). */
  all: Set<string>;
  skipped: SkippedFile[];
  /** Every folder walked and its mtime (see `DiscoverOptions.folders`). */
  folders: Map<string, number>;
}

/** The language of a registered path, reading through a `.DEPRECATED` suffix. */
export function registryLanguageOf(path: string): Language | null {
  const live = path.endsWith(DEPRECATED_SUFFIX) ? path.slice(0, -DEPRECATED_SUFFIX.length) : path;
  return languageOf(live);
}

/** The registered files under `root`, sorted by path. */
export function registeredFiles(root: string, config: Config): Registered {
  const found = discover({ root, targets: [root], include: config.registry.include, exclude: config.exclude, folders: true });
  const files: RegisteredFile[] = [];
  for (const file of found.files) {
    const language = registryLanguageOf(file.path);
    if (!language) continue;
    // a package marker of a few bytes (a newline, a blank docstring) is not worth an entry
    if (/(^|\/)__init__\.py$/.test(file.path) && file.size <= 1) continue;
    files.push({ ...file, language, deprecatedName: file.path.endsWith(DEPRECATED_SUFFIX) });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, all: found.all, skipped: found.skipped, folders: found.folders };
}
