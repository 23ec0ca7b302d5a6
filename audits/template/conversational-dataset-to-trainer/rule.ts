/**
 * TMPL003 (conversational-dataset-to-trainer): notes a TRL trainer in a file that builds conversational
 * records. TRL applies the chat template to such records by itself, so a base or unknown model trains on chat
 * markup. Training on chat-formatted records is a choice, not the inference-time contamination TMPL001
 * reports, so the rule informs (`info`) unless configured otherwise.
 */

import { TRL_TRAINER } from '../../../src/audit/apis.js';
import { defineRule, lastSegment, modelWhy, noteSeverity } from '../../../src/audit/rule.js';

export default defineRule({
  code: 'TMPL003',
  name: 'conversational-dataset-to-trainer',
  category: 'template',
  severity: 'info',
  status: 'stable',
  since: '0.1.0',
  summary: 'A TRL trainer is fed conversational records, which it wraps in the chat template.',
  languages: ['python'],
  triggers: ['from trl', 'import trl'],
  messages: {
    conversational: '`{{trainer}}` applies the chat template to conversational records (`{{evidence}}`, line {{line}}), but {{why}}',
  },
  check(ctx) {
    const keys = ctx.file.strings.filter((s) => s.role === 'key');
    const convo =
      keys.find((s) => s.value === 'messages' || s.value === 'conversations') ??
      (keys.some((s) => s.value === 'role') ? keys.find((s) => s.value === 'content') : undefined);
    for (const call of ctx.file.calls) {
      if (!call.resolved || !TRL_TRAINER.test(call.qname)) continue;
      const field = ctx.file.calls.find((c) => c.kwargs.dataset_text_field?.kind === 'str' && c.kwargs.dataset_text_field.value === 'messages');
      const evidence = convo ? { text: convo.value === 'content' ? 'role/content' : convo.value, line: convo.span.line } : field ? { text: 'dataset_text_field="messages"', line: field.span.line } : null;
      if (!evidence) continue;
      const verdict = ctx.modelOf(call);
      const severity = noteSeverity(ctx, verdict);
      if (!severity) continue;
      const why = modelWhy(verdict);
      ctx.report({
        span: call.span,
        messageId: 'conversational',
        data: { trainer: lastSegment(call.qname), evidence: evidence.text, line: String(evidence.line), why },
        severity,
      });
    }
  },
});
