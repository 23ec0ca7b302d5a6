/**
 * Loads the tree-sitter Python parser and the extraction query once, from the grammar the package ships.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { Language, Parser, Query } from 'web-tree-sitter';
import { BugError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import { PYTHON_QUERY } from './extract.js';

let loading: Promise<{ parser: Parser; query: Query }> | undefined;

export interface ParserOptions {
  /**
   * Few files to parse (a pre-commit run): compile the grammar with V8's baseline compiler only, and
   * lazily, function by function. By default V8 also recompiles hot wasm functions with its optimising
   * compiler on background threads, and Node waits for those jobs before the process can exit: some 60–90 ms
   * that pay off only over dozens of files (measured: 668 stdlib files parse 1.4× slower on the baseline
   * code alone). The first caller decides, for the whole process.
   */
  quickStart?: boolean;
}

/**
 * One parser per thread, created on first use. The grammar wasm ships inside the package
 * (grammars/), pinned to the runtime's ABI; a failed load is a broken install, hence a BugError.
 */
export function pythonParser(options: ParserOptions = {}): Promise<{ parser: Parser; query: Query }> {
  loading ??= (async () => {
    const wasm = path.join(packageRoot(), 'grammars', 'tree-sitter-python.wasm');
    if (options.quickStart) {
      // read when a wasm module is compiled, which has not happened yet in this process
      v8.setFlagsFromString('--liftoff-only');
      v8.setFlagsFromString('--wasm-lazy-compilation');
    }
    try {
      await Parser.init();
      const language = await Language.load(await readFile(wasm));
      const parser = new Parser();
      parser.setLanguage(language);
      return { parser, query: new Query(language, PYTHON_QUERY) };
    } catch (cause) {
      throw new BugError(`cannot load the Python grammar ${wasm}`, { cause });
    }
  })();
  return loading;
}
