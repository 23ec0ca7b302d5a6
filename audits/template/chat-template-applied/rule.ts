/**
 * TMPL001 (chat-template-applied): flags a chat template applied, explicitly or by a chat API, to a base
 * model. Calls inside the sanctioned loader are left alone; models not known to be instruct models get
 * `unknown-model-severity`. A template whose result the file shows becoming training records (and never
 * reaching a model) is TMPL004's, not this rule's.
 */

import { canonicalQname, isTrainer, TEMPLATE_WORDS, templateApplication } from '../../../src/audit/apis.js';
import { templateIntent } from '../../../src/audit/intent.js';
import { defineRule, lastSegment, receiverOf, severityForModel } from '../../../src/audit/rule.js';
import type { CallFact, FileFacts, Literal } from '../../../src/analysis/facts.js';

function isMessages(lit: Literal | undefined, file: FileFacts, line: number): boolean {
  if (!lit) return false;
  if (lit.kind === 'list') return lit.items.some((i) => i.kind === 'dict' && i.keys.includes('role'));
  if (lit.kind === 'name') {
    let bound: Literal | undefined;
    for (const a of file.assigns) if (a.target === lit.text && a.span.line <= line) bound = a.value;
    return bound !== undefined && bound.kind !== 'name' && isMessages(bound, file, line);
  }
  return false;
}

/** A `trainer.train()` call before `line`, on a TRL or transformers trainer built in the file. */
function trainedBefore(file: FileFacts, line: number): CallFact | undefined {
  return file.calls.find((c) => {
    if (c.span.line >= line || lastSegment(c.qname) !== 'train') return false;
    const recv = receiverOf(c.qname);
    return recv.endsWith('()') && isTrainer(recv.slice(0, -2));
  });
}

/** `pipe = pipeline("text-generation", …); pipe(messages)` templates implicitly. */
function pipelineWithMessages(call: CallFact, file: FileFacts): boolean {
  return call.resolved && canonicalQname(call.qname) === 'transformers.pipeline()' && isMessages(call.args[0], file, call.span.line);
}

export default defineRule({
  code: 'TMPL001',
  name: 'chat-template-applied',
  category: 'template',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'A chat template is applied (explicitly or by a chat API) to a base model.',
  languages: ['python', 'typescript', 'javascript'],
  triggers: ['apply_chat_template', 'vllm', 'llama_cpp', 'chat_completion', 'chat.completions', 'ChatCompletion', 'litellm', 'transformers', 'node-llama-cpp'],
  requires: TEMPLATE_WORDS,
  messages: {
    applied: '{{api}} wraps the prompt in a chat template, but {{why}}',
    prompt: '{{api}} wraps the prompt in a chat template and the result reaches {{sink}} (line {{line}}), but {{why}}',
  },
  check(ctx) {
    for (const call of ctx.file.calls) {
      const api = templateApplication(call) ?? (pipelineWithMessages(call, ctx.file) ? 'a transformers `pipeline` called with chat messages' : null);
      if (!api || ctx.inSanctionedLoader(call.scope)) continue;
      const intent = templateIntent(call, ctx.file);
      // training records are TMPL004's; a wrapper is judged at its callers; a result only compared or
      // printed is never generated from
      if (intent.kind === 'training' || intent.kind === 'wrapper' || intent.kind === 'inspected') continue;
      let verdict = ctx.modelOf(call);
      // after a trainer ran in this file, the model in hand is the one it trained, not the base it started from
      const trained = verdict.kind === 'base' ? trainedBefore(ctx.file, call.span.line) : undefined;
      if (trained) verdict = { kind: 'unknown', model: verdict.model, reason: `a trainer ran on it first (line ${trained.span.line})` };
      const severity = severityForModel(ctx, verdict);
      if (!severity) continue;
      const why =
        verdict.kind === 'base'
          ? `the model is a base model (${verdict.model ? `\`${verdict.model}\`: ` : ''}${verdict.reason})`
          : `nothing shows the model is an instruct model (${verdict.reason})`;
      const shown = api.includes('`') ? api : `\`${api}\``;
      if (intent.kind === 'inference') {
        ctx.report({ span: call.span, messageId: 'prompt', data: { api: shown, sink: intent.via, line: String(intent.line), why }, severity });
      } else {
        ctx.report({ span: call.span, messageId: 'applied', data: { api: shown, why }, severity });
      }
    }
  },
});
