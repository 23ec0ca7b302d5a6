import { emptyFacts, type FileFacts, type Language } from './facts.js';
import { extractLauncherFacts, languageForPath, loadYamlFrontEnd } from './launch/index.js';
import type { PythonFrontEnd } from './python/index.js';

export interface FrontEnds {
  python: PythonFrontEnd | null;
  extract(source: string, path: string, language: Language): FileFacts;
}

export function languageOf(path: string): Language | null {
  if (/\.pyi?$/.test(path)) return 'python';
  return languageForPath(path);
}

/** Loads only the front ends the files need (the Python grammar is a wasm load). */
export async function loadFrontEnds(languages: ReadonlySet<Language>): Promise<FrontEnds> {
  const python = languages.has('python') ? await (await import('./python/index.js')).loadPythonFrontEnd() : null;
  if (languages.has('yaml')) await loadYamlFrontEnd();
  return {
    python,
    extract(source, path, language) {
      if (language === 'python') {
        if (!python) return emptyFacts(path, language);
        return python.extract(source, path);
      }
      return extractLauncherFacts(source, path);
    },
  };
}
