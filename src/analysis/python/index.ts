/**
 * The Python front end: parses a file with tree-sitter and extracts its facts, never throwing on bad syntax.
 * The tree-sitter runtime is imported only when a Python file needs parsing.
 */

import type { FileFacts } from '../facts.js';
import { extractPython } from './extract.js';

export interface PythonFrontEnd {
  /** Facts for one file. Never throws on bad syntax: what parses is analysed, errors become facts. */
  extract(source: string, path: string): FileFacts;
}

export async function loadPythonFrontEnd(): Promise<PythonFrontEnd> {
  // the parser module pulls in the tree-sitter runtime: load it only when Python needs parsing
  const { parser, query } = await (await import('./parser.js')).pythonParser();
  return {
    extract(source, path) {
      const tree = parser.parse(source);
      if (!tree) throw new Error(`tree-sitter returned no tree for ${path}`);
      try {
        return extractPython(tree, query, source, path);
      } finally {
        tree.delete();
      }
    },
  };
}

export { moduleNameOf } from './scopes.js';
