/**
 * Picks a file's front end by its name and loads only the front ends a run needs. The Python grammar is a
 * wasm load and the TypeScript compiler slow to import; a language whose front end was not loaded gets empty
 * facts.
 */

import { configLanguageForPath, extractConfigFacts } from './config.js';
import { emptyFacts, type FileFacts, type Language } from './facts.js';
import { extractLauncherFacts, languageForPath, loadYamlFrontEnd } from './launch/index.js';
import { extractNotebook, isNotebookPath } from './notebook/index.js';
import type { PythonFrontEnd } from './python/index.js';
import type { ScriptFrontEnd } from './typescript/index.js';

export interface FrontEnds {
  python: PythonFrontEnd | null;
  /** TypeScript and JavaScript. */
  scripts: ScriptFrontEnd | null;
  extract(source: string, path: string, language: Language): FileFacts;
}

export function languageOf(path: string): Language | null {
  if (/\.pyi?$/.test(path)) return 'python';
  if (isNotebookPath(path)) return 'notebook';
  if (/\.[cm]?tsx?$/.test(path)) return 'typescript';
  if (/\.[cm]?jsx?$/.test(path)) return 'javascript';
  return languageForPath(path) ?? configLanguageForPath(path);
}

/**
 * Loads only the front ends the files need (the Python grammar is a wasm load, the TypeScript
 * compiler a few hundred milliseconds of module loading).
 */
export async function loadFrontEnds(languages: ReadonlySet<Language>): Promise<FrontEnds> {
  const python = languages.has('python') || languages.has('notebook') ? await (await import('./python/index.js')).loadPythonFrontEnd() : null;
  const wantsScripts = languages.has('typescript') || languages.has('javascript');
  const scripts = wantsScripts ? await (await import('./typescript/index.js')).loadScriptFrontEnd() : null;
  if (languages.has('yaml')) await loadYamlFrontEnd();
  return {
    python,
    scripts,
    extract(source, path, language) {
      if (language === 'python') {
        if (!python) return emptyFacts(path, language);
        return python.extract(source, path);
      }
      if (language === 'notebook') {
        if (!python) return emptyFacts(path, language);
        return extractNotebook(source, path, python);
      }
      if (language === 'typescript' || language === 'javascript') {
        if (!scripts) return emptyFacts(path, language);
        return scripts.extract(source, path, language);
      }
      if (language === 'json' || language === 'toml') return extractConfigFacts(source, path, language);
      return extractLauncherFacts(source, path);
    },
  };
}
