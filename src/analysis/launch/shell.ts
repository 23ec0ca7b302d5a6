/**
 * The shell front end: the script calls and parse errors of a `.sh` or `.bash` file, as facts.
 */

import { emptyFacts, type FileFacts } from '../facts.js';
import { analyzeShellText, toFact } from './calls.js';
import { LineIndex } from './spans.js';

/** Script calls of a `.sh`/`.bash` file; each span covers the target word. */
export function extractShellFacts(source: string, path: string): FileFacts {
  const facts = emptyFacts(path, 'shell');
  const index = new LineIndex(source);
  facts.lines = index.lineCount;
  const { calls, errors } = analyzeShellText(source, { callerPath: path, selfPath: true });
  facts.scriptCalls = calls.map((call) => toFact(call, index.span(call.word.start, call.word.end), 'shell'));
  facts.parseErrors = errors.map((error) => ({ span: index.span(error.start, error.end), message: error.message }));
  return facts;
}
