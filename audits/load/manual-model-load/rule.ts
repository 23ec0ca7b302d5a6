/**
 * LOAD001 (manual-model-load): flags a model, tokenizer or engine loaded outside the sanctioned loader. Loads
 * of models known to be instruct models are not reported; without any sanctioned loader, loads are
 * reported at `info`.
 */

import { modelLoadKind } from '../../../src/audit/apis.js';
import { defineRule } from '../../../src/audit/rule.js';

export default defineRule({
  code: 'LOAD001',
  name: 'manual-model-load',
  category: 'load',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'A model, tokenizer or inference engine is loaded outside the sanctioned loader.',
  languages: ['python', 'typescript', 'javascript'],
  triggers: ['from_pretrained', 'transformers', 'vllm', 'sglang', 'llama_cpp', 'unsloth', 'peft', 'from trl', 'import trl', 'node-llama-cpp'],
  messages: {
    bypass: '`{{load}}` loads {{what}} outside the sanctioned loader `{{loader}}`',
    noLoader: '`{{load}}` loads {{what}} by hand; no sanctioned loader guards its chat template and special tokens',
  },
  check(ctx) {
    const loader = ctx.project.sanctioned[0]?.name;
    for (const call of ctx.file.calls) {
      const load = modelLoadKind(call, ctx.file);
      if (!load || ctx.inSanctionedLoader(call.scope)) continue;
      // calling the sanctioned loader is using it, even when it is a catalogued load (a framework's
      // own `FastLanguageModel.from_pretrained` as its loader)
      if (loader && ctx.project.sanctionedFor(call.qname)) continue;
      const verdict = ctx.modelOf(call);
      if (verdict.kind === 'instruct') continue;
      const what = verdict.model ? `\`${verdict.model}\`` : 'a model';
      ctx.report(
        loader
          ? { span: call.span, messageId: 'bypass', data: { load, what, loader } }
          : // with no loader there is nothing to bypass: a load by hand is worth knowing, not an error
            { span: call.span, messageId: 'noLoader', data: { load, what }, severity: 'info' },
      );
    }
  },
});
