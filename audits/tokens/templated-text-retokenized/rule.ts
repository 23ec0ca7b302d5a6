/**
 * TOK002 (templated-text-retokenized): flags text rendered by `apply_chat_template` that is tokenized again.
 * Without `add_special_tokens=False` the text gets a second BOS whatever the model is, base or instruct, when its
 * tokenizer adds one: the catalog says which families do (the rule's severity), which do not (Qwen, SmolLM2,
 * GPT-2: noted at info) and, for the rest, the unknown-model severity applies. The text is followed inline, through a name assigned in the same function, and into a
 * list of prompts built there (a comprehension, or `append` in a loop) before vLLM `LLM.generate` takes it.
 */

import { canonicalQname, tokenizesText } from '../../../src/audit/apis.js';
import type { CallFact, FileFacts, Literal, Span } from '../../../src/analysis/facts.js';
import { modelFamily } from '../../../src/audit/model-classes.js';
import { defineRule, lastSegment, spanContains, severityForModel } from '../../../src/audit/rule.js';

const VLLM_GENERATE = /^vllm(?:\.entrypoints\.llm)?\.LLM\(\)\.generate$/;

function templatedWithoutTokenizing(call: CallFact | undefined): call is CallFact {
  const t = call?.kwargs.tokenize;
  return call !== undefined && lastSegment(call.qname).endsWith('apply_chat_template') && t?.kind === 'bool' && !t.value;
}

/** A rendering call inside a span: the element of `[tok.apply_chat_template(m, tokenize=False) for m in …]`. */
function renderedWithin(span: Span, file: FileFacts): CallFact | undefined {
  return file.calls.find((c) => templatedWithoutTokenizing(c) && spanContains(span, c.span));
}

/** The `apply_chat_template(tokenize=False)` call whose text `name` holds at `call`, if any. */
function renderedInto(name: string, call: CallFact, file: FileFacts): CallFact | undefined {
  let source: CallFact | undefined;
  for (const a of file.assigns) {
    if (a.target !== name || a.scope !== call.scope || a.span.line > call.span.line) continue;
    // the latest binding wins: `text = text.removeprefix(tok.bos_token)` is no longer the rendered text
    if (a.value.kind === 'call') source = file.calls[a.value.call];
    else source = a.value.kind === 'expr' || a.value.kind === 'list' ? renderedWithin(a.span, file) : undefined;
  }
  if (templatedWithoutTokenizing(source)) return source;
  // a list filled in a loop: `prompts.append(tok.apply_chat_template(m, tokenize=False))`
  for (const c of file.calls) {
    if (c.callee !== `${name}.append` || c.scope !== call.scope || c.span.line > call.span.line) continue;
    const item = c.args[0];
    const rendered = item?.kind === 'call' ? file.calls[item.call] : undefined;
    if (templatedWithoutTokenizing(rendered)) return rendered;
  }
  return undefined;
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
    vllm: "`{{callee}}` tokenizes `{{name}}` again with the tokenizer's special tokens, and `apply_chat_template(tokenize=False)` already rendered them (line {{line}}); render with `tokenize=True` and pass `TokensPrompt(prompt_token_ids=…)`",
  },
  check(ctx) {
    const { file } = ctx;
    for (const call of file.calls) {
      if (!tokenizesText(call)) continue;
      const add = call.kwargs.add_special_tokens;
      if (add?.kind === 'bool' && !add.value) continue;
      const arg: Literal | undefined = call.args[0] ?? call.kwargs.text ?? call.kwargs.prompts;
      let source: CallFact | undefined;
      let name = '';
      if (arg?.kind === 'call') {
        source = file.calls[arg.call];
        name = 'apply_chat_template(…)';
      } else if (arg?.kind === 'name') {
        source = renderedInto(arg.text, call, file);
        name = arg.text;
      }
      if (!templatedWithoutTokenizing(source)) continue;
      // whether a second BOS appears depends on the tokenizer: one the catalog knows to add a BOS doubles
      // it (the rule's severity); one known to add none is only noted (the day the model changes it
      // doubles); one whose family the file does not show gets the unknown-model severity
      const model = ctx.modelOf(call).model;
      const addsBos = model ? modelFamily(model)?.addsBos : undefined;
      const severity =
        addsBos === false
          ? 'info'
          : addsBos === true
            ? undefined
            : severityForModel(ctx, { kind: 'unknown', model, reason: 'its tokenizer may or may not add a BOS' });
      if (severity === null) continue;
      const messageId = VLLM_GENERATE.test(canonicalQname(call.qname)) ? 'vllm' : 'double';
      ctx.report({ span: call.span, messageId, data: { callee: call.callee, name, line: String(source.span.line) }, ...(severity ? { severity } : {}) });
    }
  },
});
