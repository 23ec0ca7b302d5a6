/**
 * TOK001 (special-tokens-added): flags tokenizing with `add_special_tokens=True` for a base or unknown model.
 */

import { replace, SourceText, uniqueMatchIn } from '../../../src/audit/fixes.js';
import { defineRule, severityForModel } from '../../../src/audit/rule.js';

export default defineRule({
  code: 'TOK001',
  name: 'special-tokens-added',
  category: 'tokens',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'Text is tokenized with `add_special_tokens=True`, injecting BOS/EOS into a raw prompt.',
  languages: ['python'],
  triggers: ['add_special_tokens'],
  fix: 'safe-or-unsafe',
  messages: {
    added: '`{{callee}}` is called with `add_special_tokens=True`, so special tokens are injected into the prompt; {{why}}',
  },
  check(ctx) {
    let source: SourceText | undefined;
    for (const call of ctx.file.calls) {
      const v = call.kwargs.add_special_tokens;
      if (v?.kind !== 'bool' || !v.value) continue;
      const verdict = ctx.modelOf(call);
      const severity = severityForModel(ctx, verdict);
      if (!severity) continue;
      const why = verdict.kind === 'base' ? `the model is a base model (${verdict.reason})` : 'the model is not known to be an instruct model';
      const value = uniqueMatchIn((source ??= new SourceText(ctx.source())), call.span, /\badd_special_tokens\s*=\s*(True)\b/);
      // on a known base model the exact prompt tokens are the point; on one not known, an instruct model
      // would lose the BOS it expects: the same edit, but the user decides
      const fix = value && {
        applicability: verdict.kind === 'base' ? ('safe' as const) : ('unsafe' as const),
        message: 'pass `add_special_tokens=False`',
        edits: [replace(value.span, 'False')],
      };
      ctx.report({ span: call.span, messageId: 'added', data: { callee: call.callee, why }, severity, ...(fix ? { fix } : {}) });
    }
  },
});
