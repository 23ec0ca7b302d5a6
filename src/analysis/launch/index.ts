/**
 * Launcher front ends: shell scripts, Makefiles and YAML files → script calls. Also the shell-word
 * helpers the Python front end uses for `subprocess`/`os.system` commands.
 */
import { BugError } from '../../core/errors.js';
import type { FileFacts } from '../facts.js';
import { extractMakeFacts } from './make.js';
import { extractShellFacts } from './shell.js';

export { scriptCallsFromWords, type ArgWord } from './argv.js';
export type { Cwd } from './calls.js';
export { splitShellWords } from './words.js';
export { extractMakeFacts, extractShellFacts };

/** The YAML front end pulls in a YAML parser; it loads only once a YAML file needs reading. */
let yaml: typeof import('./yaml.js') | undefined;
export async function loadYamlFrontEnd(): Promise<void> {
  yaml ??= await import('./yaml.js');
}

export type LauncherLanguage = 'shell' | 'make' | 'yaml';

export function languageForPath(path: string): LauncherLanguage | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base === 'Makefile' || base === 'makefile' || base === 'GNUmakefile' || base.endsWith('.mk')) return 'make';
  const lower = base.toLowerCase();
  if (lower.endsWith('.sh') || lower.endsWith('.bash')) return 'shell';
  if (lower.endsWith('.yml') || lower.endsWith('.yaml')) return 'yaml';
  return null;
}

export function extractLauncherFacts(source: string, path: string): FileFacts {
  switch (languageForPath(path)) {
    case 'shell':
      return extractShellFacts(source, path);
    case 'make':
      return extractMakeFacts(source, path);
    case 'yaml':
      if (!yaml) throw new BugError('the YAML front end was used before loadYamlFrontEnd()');
      return yaml.extractYamlFacts(source, path);
    case null:
      throw new BugError(`not a launcher file (shell, Makefile or YAML): ${path}`);
  }
}
