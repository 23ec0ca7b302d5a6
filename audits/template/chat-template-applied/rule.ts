/**
 * TMPL001 (chat-template-applied): flags a chat template applied, explicitly or by a chat API, to a base
 * model. Calls inside the sanctioned loader are left alone; models not known to be instruct models get
 * `unknown-model-severity`.
 */

import { canonicalQname, templateApplication } from '../../../src/audit/apis.js';
import { defineRule } from '../../../src/audit/rule.js';
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
  messages: {
    applied: '{{api}} wraps the prompt in a chat template, but {{why}}',
  },
  check(ctx) {
    for (const call of ctx.file.calls) {
      const api = templateApplication(call) ?? (pipelineWithMessages(call, ctx.file) ? 'a transformers `pipeline` called with chat messages' : null);
      if (!api || ctx.inSanctionedLoader(call.scope)) continue;
      const verdict = ctx.modelOf(call);
      const severity = ctx.severityForModel(verdict, 'error');
      if (!severity) continue;
      const why =
        verdict.kind === 'base'
          ? `the model is a base model (${verdict.model ? `\`${verdict.model}\`: ` : ''}${verdict.reason})`
          : `nothing shows the model is an instruct model (${verdict.reason})`;
      ctx.report({ span: call.span, messageId: 'applied', data: { api: api.includes('`') ? api : `\`${api}\``, why }, severity });
    }
  },
});
