/**
 * Loads the front ends a caller needs (the registry, `init`) and extracts facts through them. The Python
 * grammar is a wasm load and the TypeScript compiler slow to import; a language whose front end was not
 * loaded gets empty facts.
 */

import { emptyFacts, type FileFacts, type Language } from './facts.js';
import { FRONT_ENDS, frontEndOf, languageOf, loaded, type Extract } from './front-ends.js';
import type { PythonFrontEnd } from './python/index.js';
import type { ScriptFrontEnd } from './typescript/index.js';

export { languageOf };

export interface FrontEnds {
  python: PythonFrontEnd | null;
  /** TypeScript and JavaScript. */
  scripts: ScriptFrontEnd | null;
  extract(source: string, path: string, language: Language): FileFacts;
}

/**
 * Loads only the front ends the files need (the Python grammar is a wasm load, the TypeScript
 * compiler a few hundred milliseconds of module loading).
 */
export async function loadFrontEnds(languages: ReadonlySet<Language>): Promise<FrontEnds> {
  const extractors = new Map<Language, Extract>();
  for (const fe of FRONT_ENDS) {
    if (!fe.light && !fe.languages.some((l) => languages.has(l))) continue;
    const extract = await loaded(fe);
    for (const l of fe.languages) extractors.set(l, extract);
  }
  const bound = (language: Language) => {
    const extract = extractors.get(language);
    return extract ? { extract: (source: string, path: string) => extract(source, path, language) } : null;
  };
  const scripts = extractors.get('typescript');
  return {
    python: bound('python'),
    scripts: scripts ? { extract: scripts } : null,
    extract(source, path, language) {
      const extract = extractors.get(language);
      return extract ? extract(source, path, language) : emptyFacts(path, language);
    },
  };
}

/**
 * Whether max-file-size applies to the source a file's front end reads out of it rather than to its bytes
 * (a notebook's size is mostly outputs): such a file is read whole, then measured by `sourceProblem`.
 */
export function sizedBySource(language: Language): boolean {
  return frontEndOf(language).readSource !== undefined;
}

/** Why a decoded file holds no source its front end reads (not a notebook, code cells too large), or null. */
export function sourceProblem(language: Language, text: string, maxSize: number): string | null {
  const read = frontEndOf(language).readSource?.(text, maxSize);
  return read && !read.ok ? read.reason : null;
}
