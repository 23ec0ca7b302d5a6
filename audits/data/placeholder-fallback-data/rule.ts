import { defineRule, lastSegment } from '../../../src/audit/rule.js';

const PLACEHOLDER = /placeholder|lorem ipsum|dummy (?:response|answer|output|text)|TODO:? (?:generate|fill)/i;
/** Calls whose text is a message, not data: logging, progress bars, and exceptions being raised. */
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
  triggers: ['placeholder', 'lorem', 'dummy', 'TODO'],
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
