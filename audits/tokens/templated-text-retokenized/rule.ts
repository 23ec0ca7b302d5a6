/**
 * TOK002 (templated-text-retokenized): flags text rendered by `apply_chat_template` that is tokenized again.
 * Without `add_special_tokens=False` the text gets a second BOS, whatever the model, so the rule does not ask
 * which model is used.
 */

import { tokenizesText } from '../../../src/audit/apis.js';
import type { CallFact, Literal } from '../../../src/analysis/facts.js';
import { defineRule, lastSegment } from '../../../src/audit/rule.js';

function templatedWithoutTokenizing(call: CallFact): boolean {
  const t = call.kwargs.tokenize;
  return lastSegment(call.qname).endsWith('apply_chat_template') && t?.kind === 'bool' && !t.value;
}

export default defineRule({
  code: 'TOK002',
  name: 'templated-text-retokenized',
  category: 'tokens',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'Text rendered by a chat template is tokenized again with special tokens (double BOS).',
  languages: ['python'],
  triggers: ['apply_chat_template'],
  messages: {
    double: '`{{callee}}` tokenizes `{{name}}`, which `apply_chat_template(tokenize=False)` already rendered with special tokens (line {{line}}); pass `add_special_tokens=False`',
  },
  check(ctx) {
    const { calls, assigns } = ctx.file;
    for (const call of calls) {
      if (!tokenizesText(call)) continue;
      const add = call.kwargs.add_special_tokens;
      if (add?.kind === 'bool' && !add.value) continue;
      const arg: Literal | undefined = call.args[0] ?? call.kwargs.text ?? call.kwargs.prompts;
      let source: CallFact | undefined;
      let name = '';
      if (arg?.kind === 'call') {
        source = calls[arg.call];
        name = 'apply_chat_template(…)';
      } else if (arg?.kind === 'name') {
        for (const a of assigns) {
          if (a.target === arg.text && a.scope === call.scope && a.span.line <= call.span.line && a.value.kind === 'call') {
            source = calls[a.value.call];
          }
        }
        name = arg.text;
      }
      if (!source || !templatedWithoutTokenizing(source)) continue;
      ctx.report({ span: call.span, messageId: 'double', data: { callee: call.callee, name, line: String(source.span.line) } });
    }
  },
});
