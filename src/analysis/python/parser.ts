/**
 * Loads the tree-sitter Python parser and the extraction query once, from the grammar the package ships.
 */

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Language, Parser, Query } from 'web-tree-sitter';
import { BugError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import { PYTHON_QUERY } from './extract.js';

let loading: Promise<{ parser: Parser; query: Query }> | undefined;

/**
 * One parser per thread, created on first use. The grammar wasm ships inside the package
 * (grammars/), pinned to the runtime's ABI; a failed load is a broken install, hence a BugError.
 */
export function pythonParser(): Promise<{ parser: Parser; query: Query }> {
  loading ??= (async () => {
    const wasm = path.join(packageRoot(), 'grammars', 'tree-sitter-python.wasm');
    try {
      // the runtime's own wasm, found through the package rather than next to the runtime's script, which
      // the bundled `provenant audit` (dist/bundle/audit-entry.cjs) carries inside itself. Script and wasm
      // must be of one release: package.json pins web-tree-sitter to an exact version.
      const runtime = createRequire(import.meta.url).resolve('web-tree-sitter/web-tree-sitter.wasm');
      await Parser.init({ locateFile: () => runtime });
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
