/** One file through the compiler's parser: the syntax tree and the syntax errors it recovered from. */
import type { ts as T } from 'ts-morph';
import type { ParseErrorFact } from '../facts.js';
import { compiler } from './compiler.js';
import { positionOf } from './text.js';

const MAX_PARSE_ERRORS = 5;

export interface Parsed {
  sf: T.SourceFile;
  /** JSX syntax is on (.tsx, .jsx and plain JS files). */
  jsx: boolean;
}

export function parseSource(source: string, file: string): Parsed {
  const ts = compiler();
  const live = file.replace(/\.DEPRECATED$/, '');
  const kind = /\.tsx$/.test(live)
    ? ts.ScriptKind.TSX
    : /\.jsx$/.test(live)
      ? ts.ScriptKind.JSX
      : /\.[cm]?ts$/.test(live)
        ? ts.ScriptKind.TS
        : ts.ScriptKind.JS;
  // JSDoc is read from the comment text where needed; parsing every JSDoc into nodes is wasted work
  const options = { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone };
  return { sf: ts.createSourceFile(file, source, options, true, kind), jsx: kind !== ts.ScriptKind.TS };
}

export function parseErrorsOf(sf: T.SourceFile): ParseErrorFact[] {
  const ts = compiler();
  // the parser keeps its diagnostics on the file; a Program would only copy them
  const diagnostics = (sf as unknown as { parseDiagnostics?: readonly T.Diagnostic[] }).parseDiagnostics ?? [];
  return diagnostics.slice(0, MAX_PARSE_ERRORS).map((d) => {
    const start = positionOf(sf, d.start ?? 0);
    const end = positionOf(sf, (d.start ?? 0) + (d.length ?? 0));
    const message = `syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    return { span: { line: start.line, col: start.col, endLine: end.line, endCol: end.col }, message };
  });
}
