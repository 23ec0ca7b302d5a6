/**
 * LOAD001 (manual-model-load): flags a model, tokenizer or engine loaded outside the sanctioned loader. Loads
 * of models known to be instruct models are not reported; without any sanctioned loader, loads are
 * reported at `info`.
 */

import type { CallFact } from '../../../src/analysis/facts.js';
import { LOAD_WORDS, MODEL_KWARGS, modelLoadKind } from '../../../src/audit/apis.js';
import { callArguments, importEdit, importsName, replace, SourceText } from '../../../src/audit/fixes.js';
import { defineRule, type RuleContext } from '../../../src/audit/rule.js';
import type { Fix } from '../../../src/schemas/finding.js';
import { callHead } from '../../../src/schemas/config-values.js';

export default defineRule({
  code: 'LOAD001',
  name: 'manual-model-load',
  category: 'load',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'A model, tokenizer or inference engine is loaded outside the sanctioned loader.',
  languages: ['python', 'typescript', 'javascript'],
  fix: 'unsafe',
  triggers: ['from_pretrained', 'transformers', 'vllm', 'sglang', 'llama_cpp', 'unsloth', 'peft', 'from trl', 'import trl', 'node-llama-cpp'],
  requires: LOAD_WORDS,
  messages: {
    bypass: '`{{load}}` loads {{what}} outside the sanctioned loader `{{loader}}`',
    noLoader: '`{{load}}` loads {{what}} by hand; no sanctioned loader guards its chat template and special tokens',
  },
  check(ctx) {
    let source: SourceText | undefined;
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
      const fix = loader ? loaderFix(ctx, call, (source ??= new SourceText(ctx.source()))) : null;
      ctx.report(
        loader
          ? { span: call.span, messageId: 'bypass', data: { load, what, loader }, ...(fix ? { fix } : {}) }
          : // with no loader there is nothing to bypass: a load by hand is worth knowing, not an error
            { span: call.span, messageId: 'noLoader', data: { load, what }, severity: 'info' },
      );
    }
  },
});

/** transformers' `from_pretrained` of a model class (not an engine, a trainer, a PEFT adapter or unsloth's pair). */
const TRANSFORMERS_FROM_PRETRAINED = /^transformers\.\w+\.from_pretrained$/;

/**
 * The load replaced by the call the config names for the sanctioned loader (`sanctioned-loaders` entries
 * with `call` / `tokenizer-call`), plus its import when the file lacks it. Unsafe: the loader may return
 * something else (a pair, a wrapper), and the load's other arguments are dropped unless the call says `{args}`.
 */
function loaderFix(ctx: RuleContext, call: CallFact, source: SourceText): Fix | null {
  if (ctx.file.language !== 'python' && ctx.file.language !== 'notebook') return null;
  if (!TRANSFORMERS_FROM_PRETRAINED.test(call.qname)) return null;
  const tokenizer = /Tokenizer|Processor/.test(call.qname);
  const configured = ctx.project.config.loaderCalls.find((c) => (tokenizer ? c.tokenizerCall : c.call));
  const chosen = configured && (tokenizer ? configured.tokenizerCall : configured.call);
  if (!chosen) return null;
  const text = source.slice(call.span);
  const args = text?.startsWith(call.callee) ? callArguments(text.slice(call.callee.length)) : null;
  if (!args) return null;
  // the model argument: the first positional one, or one of the keywords a load takes it by
  const keyword = args.parts.map((p) => /^(\w+)\s*=(?!=)\s*([\s\S]*)$/.exec(p));
  const positional = args.parts.find((_, i) => !keyword[i] && !args.parts[i]?.startsWith('*'));
  const byName = keyword.find((k) => k && MODEL_KWARGS.includes(k[1] ?? ''))?.[2];
  const model = positional ?? byName;
  if (chosen.template.includes('{model}') && model === undefined) return null;
  const replacement = chosen.template.replace(/\{model\}/g, model ?? '').replace(/\{args\}/g, args.inner);
  const edits = [replace(call.span, replacement)];
  if (!importsName(ctx.file, callHead(chosen.template))) edits.unshift(importEdit(source, ctx.file, chosen.import));
  return { applicability: 'unsafe', message: `load through the sanctioned loader: \`${replacement}\``, edits };
}
