/**
 * The TypeScript/JavaScript front end. Importing this module loads nothing heavy; the compiler loads
 * in `loadScriptFrontEnd()`, so only runs that parse TS/JS files pay for it.
 */
import type { FileFacts } from '../facts.js';
import { loadCompiler } from './compiler.js';
import { extractScript, type ScriptLanguage } from './extract.js';

export type { ScriptLanguage };

export interface ScriptFrontEnd {
  /** Facts for one file. Never throws on bad syntax: the parser recovers, errors become facts. */
  extract(source: string, path: string, language: ScriptLanguage): FileFacts;
}

export async function loadScriptFrontEnd(): Promise<ScriptFrontEnd> {
  await loadCompiler();
  return { extract: extractScript };
}

export { importCandidates } from './paths.js';
