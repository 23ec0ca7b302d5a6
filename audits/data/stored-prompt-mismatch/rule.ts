/**
 * DATA002 (stored-prompt-mismatch): flags a stored `prompt` rebuilt inline instead of the prompt sent. The
 * prompt sent is a name containing "prompt" that the same function passes to a call.
 */

import { defineRule } from '../../../src/audit/rule.js';

const SCAFFOLD = /\b(?:Instruction|Response|Human|Assistant|User|Question|Answer)\s*:/;

export default defineRule({
  code: 'DATA002',
  name: 'stored-prompt-mismatch',
  category: 'data',
  severity: 'warning',
  status: 'stable',
  since: '0.1.0',
  summary: "A record's stored `prompt` is rebuilt inline instead of storing the prompt sent to the model.",
  languages: ['python'],
  triggers: ['"prompt"', "'prompt'"],
  requires: ['Instruction:', 'Response:', 'Human:', 'Assistant:', 'User:', 'Question:', 'Answer:'],
  messages: {
    mismatch:
      'the record stores a `prompt` built here (`{{text}}`) while the model was sent `{{sent}}` (line {{line}}); store the prompt that was used',
  },
  check(ctx) {
    const { calls, strings } = ctx.file;
    for (const s of strings) {
      if (s.key !== 'prompt' || s.role !== 'collection' || !SCAFFOLD.test(s.value)) continue;
      // the prompt actually used: a name containing "prompt" passed to a call in the same function
      let sent: { name: string; line: number } | undefined;
      for (const c of calls) {
        if (c.scope !== s.scope && !s.scope.startsWith(c.scope.split('.')[0] ?? '')) continue;
        for (const a of [...c.args, ...Object.values(c.kwargs)]) {
          if (a.kind === 'name' && /prompt/i.test(a.text) && !SCAFFOLD.test(a.text)) sent ??= { name: a.text, line: c.span.line };
        }
      }
      if (!sent) continue;
      const text = s.value.length > 40 ? s.value.slice(0, 40) + '…' : s.value;
      ctx.report({
        span: s.span,
        messageId: 'mismatch',
        data: { text: text.replace(/\n/g, '\\n'), sent: sent.name, line: String(sent.line) },
      });
    }
  },
});
