/**
 * DATA001 (placeholder-fallback-data): flags placeholder text written as data on a failure path: inside an
 * `except` block, or under a test for an empty value (`if not response:`, `response or "…"`) that an
 * `except` block of the same function emptied. Strings that are messages (logging, `print`, progress bars,
 * a raised exception), comparisons, keys and `help=` texts are skipped.
 */

import type { AssignFact, FileFacts, Literal, StringFact } from '../../../src/analysis/facts.js';
import { defineRule, lastSegment } from '../../../src/audit/rule.js';

const PLACEHOLDER = /placeholder|lorem ipsum|dummy (?:response|answer|output|text)|TODO:? (?:generate|fill)/i;

/**
 * A placeholder word inside a string on a line not far below an `except …:` clause; further below when a
 * test of an emptied value (`if not x:`, `x is None`, `x or "…"`, `else:`) comes just before it.
 */
function placeholderInExcept(text: string): boolean {
  const re = new RegExp(PLACEHOLDER.source, 'gi');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const line = text.slice(lineStart, text.indexOf('\n', m.index) >>> 0);
    if (!/["']/.test(line)) continue;
    const near = text.slice(Math.max(0, lineStart - 600), lineStart);
    if (EXCEPT.test(near)) return true;
    // the test sits on the line itself or on one of the two lines above it
    const twoAbove = text.lastIndexOf('\n', text.lastIndexOf('\n', lineStart - 2) - 1) + 1;
    const test = text.slice(twoAbove, lineStart) + line;
    if (EMPTY_TEST.test(test) && EXCEPT.test(text.slice(Math.max(0, lineStart - 3000), lineStart))) return true;
  }
  return false;
}

const EXCEPT = /^\s*except\b[^\n]*:\s*$/m;
const EMPTY_TEST = /\bif not \w|\bis None\b|\bis not None\b|\w\s+or\s+[rbuf]*["']|^\s*else\s*:/m;

/** Calls whose text is a message, not data: logging, progress bars, and exceptions being raised. */
const LOGGING =
  /^(?:print|debug|info|warning|warn|error|exception|critical|log|write|echo|secho|set_description|set_postfix|\w*(?:Error|Exception|Warning))$/;

/** The text a string writes, without the code of its f-string interpolations (`{shorten(x, placeholder='…')}`). */
function writtenText(s: StringFact): string {
  return s.fstring ? s.value.replace(/\{\{|\}\}/g, '').replace(/\{[^{}]*\}/g, '') : s.value;
}

function isEmpty(value: Literal): boolean {
  return (
    value.kind === 'none' ||
    (value.kind === 'str' && value.value.trim() === '') ||
    (value.kind === 'list' && value.items.length === 0) ||
    (value.kind === 'dict' && value.keys.length === 0)
  );
}

/** The `except` assignment that empties the value a guarded placeholder stands in for. */
function emptiedInExcept(s: StringFact, file: FileFacts): AssignFact | undefined {
  if (!s.guard) return undefined;
  return file.assigns.find((a) => a.inExcept && a.scope === s.scope && a.target === s.guard && a.span.line < s.span.line && isEmpty(a.value));
}

export default defineRule({
  code: 'DATA001',
  name: 'placeholder-fallback-data',
  category: 'data',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'A failure path writes placeholder text into the data as if a model had produced it.',
  languages: ['python'],
  triggers: ['placeholder', 'Placeholder', 'PLACEHOLDER', 'lorem ipsum', 'Lorem ipsum', 'dummy response', 'dummy answer', 'dummy output', 'dummy text', 'TODO: generate', 'TODO: fill'],
  requires: ['except'],
  prefilter: placeholderInExcept,
  messages: {
    placeholder: 'when generation fails, placeholder text becomes data (`{{text}}`); drop or mark the record instead',
    guarded:
      'when generation fails, `{{name}}` is emptied (line {{line}}) and placeholder text takes its place as data (`{{text}}`); drop or mark the record instead',
  },
  check(ctx) {
    for (const s of ctx.file.strings) {
      if (!PLACEHOLDER.test(writtenText(s))) continue;
      const emptied = s.inExcept ? undefined : emptiedInExcept(s, ctx.file);
      if (!s.inExcept && !emptied) continue;
      if (s.role === 'comparison' || s.role === 'key' || s.key === 'help' || s.flow?.raised) continue;
      if (s.call !== undefined) {
        const receiver = ctx.file.calls[s.call];
        if (receiver && LOGGING.test(lastSegment(receiver.qname))) continue;
      }
      const text = (s.value.length > 40 ? s.value.slice(0, 40) + '…' : s.value).replace(/\n/g, '\\n');
      if (emptied) {
        ctx.report({ span: s.span, messageId: 'guarded', data: { name: emptied.target, line: String(emptied.span.line), text } });
      } else {
        ctx.report({ span: s.span, messageId: 'placeholder', data: { text } });
      }
    }
  },
});
