/**
 * TMPL004 (chat-template-on-training-records): notes a chat template applied to training records (an
 * SFT/DPO `map` function, a collator, a preprocessing function writing `text`/`input_ids`/`chosen`…) for a
 * base model or one not known to be an instruct model. Formatting training data is a choice, not the
 * contamination TMPL001 reports, so this is information: the run teaches the model the template's markup.
 */

import { templateApplication } from '../../../src/audit/apis.js';
import { templateIntent } from '../../../src/audit/intent.js';
import { defineRule, modelWhy, noteSeverity } from '../../../src/audit/rule.js';

export default defineRule({
  code: 'TMPL004',
  name: 'chat-template-on-training-records',
  category: 'template',
  severity: 'info',
  status: 'stable',
  since: '0.1.0',
  summary: 'Training records are formatted with a chat template for a base or unknown model.',
  languages: ['python'],
  triggers: ['apply_chat_template'],
  messages: {
    records: '{{api}} formats training records with the chat template ({{evidence}}); {{why}}, so training teaches it that markup',
  },
  check(ctx) {
    for (const call of ctx.file.calls) {
      const api = templateApplication(call);
      if (!api || ctx.inSanctionedLoader(call.scope)) continue;
      const intent = templateIntent(call, ctx.file);
      if (intent.kind !== 'training') continue;
      const verdict = ctx.modelOf(call);
      const severity = noteSeverity(ctx, verdict);
      if (!severity) continue;
      const why = modelWhy(verdict);
      ctx.report({
        span: call.span,
        messageId: 'records',
        data: { api: api.includes('`') ? api : `\`${api}\``, evidence: intent.evidence, why },
        severity,
      });
    }
  },
});
