/**
 * The Python front end: parses a file with tree-sitter and extracts its facts, never throwing on bad syntax.
 * The tree-sitter runtime is imported only when a Python file needs parsing.
 */

import { emptyFacts, type FileFacts } from '../facts.js';
import { extractPython } from './extract.js';
import { MAX_NESTING, nestingBeyond } from './nesting.js';

export interface PythonFrontEnd {
  /** Facts for one file. Never throws on bad syntax: what parses is analysed, errors become facts. */
  extract(source: string, path: string): FileFacts;
}

export async function loadPythonFrontEnd(): Promise<PythonFrontEnd> {
  // the parser module compiles the tree-sitter module: load it only when Python needs parsing
  const { flatPythonParser, flatCaptures } = await import('./flat-tree.js');
  const parser = flatPythonParser();
  return {
    extract(source, path) {
      const deep = nestingBeyond(source);
      if (deep) return unanalysed(source, path, deep, `brackets nested more than ${MAX_NESTING} deep (CPython refuses this too)`);
      const tree = parser.parse(source);
      try {
        return extractPython(tree.rootNode, flatCaptures(tree), source, path);
      } catch (error) {
        // a shape nested deeper than the extractor's recursion can follow: the file is reported, not analysed
        if (error instanceof RangeError && /call stack/i.test(error.message)) return unanalysed(source, path, { line: 1, col: 1 }, 'nested too deeply to analyse');
        throw error;
      }
    },
  };
}

/** Facts of a file left unanalysed: its length and one parse error saying why (PARSE001 reports it). */
function unanalysed(source: string, path: string, at: { line: number; col: number }, why: string): FileFacts {
  const facts = emptyFacts(path, 'python');
  facts.lines = source.split('\n').length;
  facts.parseErrors.push({ span: { line: at.line, col: at.col, endLine: at.line, endCol: at.col + 1 }, message: why, unanalysed: true });
  return facts;
}

export { moduleNameOf } from './scopes.js';
