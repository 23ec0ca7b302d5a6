/**
 * DATA001 (placeholder-fallback-data): flags placeholder text written as data inside an `except` block.
 * Strings that are messages (logging, `print`, progress bars, a raised exception), comparisons, keys and
 * `help=` texts are skipped.
 */

import { defineRule, lastSegment } from '../../../src/audit/rule.js';

const PLACEHOLDER = /placeholder|lorem ipsum|dummy (?:response|answer|output|text)|TODO:? (?:generate|fill)/i;
/** Calls whose text is a message, not data: logging, progress bars, and exceptions being raised. */
/** A placeholder word inside a string on a line not far below an `except …:` clause. */
function placeholderInExcept(text: string): boolean {
  const re = new RegExp(PLACEHOLDER.source, 'gi');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const line = text.slice(lineStart, text.indexOf('\n', m.index) >>> 0);
    if (!/["']/.test(line)) continue;
    if (/^\s*except\b[^\n]*:\s*$/m.test(text.slice(Math.max(0, lineStart - 600), lineStart))) return true;
  }
  return false;
}

const LOGGING =
  /^(?:print|debug|info|warning|warn|error|exception|critical|log|write|echo|secho|set_description|set_postfix|\w*(?:Error|Exception|Warning))$/;

export default defineRule({
  code: 'DATA001',
  name: 'placeholder-fallback-data',
  category: 'data',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'An `except` path writes placeholder text into the data as if a model had produced it.',
  languages: ['python'],
  triggers: ['placeholder', 'Placeholder', 'PLACEHOLDER', 'lorem ipsum', 'Lorem ipsum', 'dummy response', 'dummy answer', 'dummy output', 'dummy text', 'TODO: generate', 'TODO: fill'],
  requires: ['except'],
  prefilter: placeholderInExcept,
  messages: {
    placeholder: 'when generation fails, placeholder text becomes data (`{{text}}`); drop or mark the record instead',
  },
  check(ctx) {
    for (const s of ctx.file.strings) {
      if (!s.inExcept || !PLACEHOLDER.test(s.value)) continue;
      if (s.role === 'comparison' || s.role === 'key' || s.key === 'help') continue;
      if (s.call !== undefined) {
        const receiver = ctx.file.calls[s.call];
        if (receiver && LOGGING.test(lastSegment(receiver.qname))) continue;
      }
      const text = s.value.length > 40 ? s.value.slice(0, 40) + '…' : s.value;
      ctx.report({ span: s.span, messageId: 'placeholder', data: { text: text.replace(/\n/g, '\\n') } });
    }
  },
});
