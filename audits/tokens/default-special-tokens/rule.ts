/**
 * TOK004 (default-special-tokens): flags a base model's generation or scoring prompt tokenized with the
 * tokenizer's default special tokens (no `add_special_tokens` at all), where the model's family is known to
 * add a BOS by default, or its tokenizer is not known (then at the unknown-model severity). Only text whose
 * tokens reach `generate` or a forward pass in the same function is a prompt here: tokenizing training
 * records (a dataset `map`, a collator) is left alone, since adding BOS there is a deliberate choice.
 */

import { canonicalQname, tokenizesText } from '../../../src/audit/apis.js';
import { modelFamily } from '../../../src/audit/model-classes.js';
import { defineRule, lastSegment, receiverOf, spanContains, severityForModel } from '../../../src/audit/rule.js';
import type { CallFact, FileFacts, Literal } from '../../../src/analysis/facts.js';

/** A receiver that is a tokenizer by name: `tok.encode`, `self.tokenizer.encode`, not `text.encode`. */
const TOKENIZER_NAME = /(?:^|[._])(?:tok|tokenizer|processor|processing_class)$/i;
/** Objects whose call is a forward pass: `model(**enc)`, `self.policy(input_ids)`. */
const MODEL_NAME = /^(?:model|lm|llm|base_model|policy|ref_model|reference_model|actor|critic|judge|scorer|teacher|student)$/i;
const SIMPLE_NAME = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;
/** How many assignments the tokens may pass through on their way to the model (`enc` → `ids` → `input_ids`). */
const MAX_HOPS = 3;

/** A Hugging Face tokenizer call on text (not vLLM's `generate`, not `str.encode`). */
function tokenizerCall(call: CallFact): boolean {
  const q = canonicalQname(call.qname);
  if (q.startsWith('vllm') || !tokenizesText(call)) return false;
  const last = lastSegment(q);
  if (last === 'encode' || last === 'encode_plus' || last === 'batch_encode_plus') {
    return /Tokenizer|Processor/.test(q) || TOKENIZER_NAME.test(receiverOf(call.callee));
  }
  return true;
}

/** `model.generate(…)`, or a forward pass that computes no loss (`labels` would make it training). */
function consumesTokens(call: CallFact): boolean {
  const last = lastSegment(call.callee);
  if (last === 'generate') return call.callee.includes('.');
  if (call.kwargs.labels) return false;
  return last === 'forward' || MODEL_NAME.test(last) || /(?:ForCausalLM|AutoModel\w*)\.from_pretrained\(\)$/.test(call.qname);
}

/** Whether a value uses one of the names (`enc`, `enc.input_ids`, `enc["input_ids"]`, `torch.tensor([ids])`). */
function mentions(lit: Literal | undefined, names: ReadonlySet<string>, file: FileFacts, depth = 0): boolean {
  if (!lit || depth > 3) return false;
  switch (lit.kind) {
    case 'name':
      return names.has(lit.text.split('.')[0] ?? lit.text) || names.has(lit.text);
    case 'expr':
      return [...names].some((n) => new RegExp(`(?<![\\w.])${n.replace(/\./g, '\\.')}(?![\\w])`).test(lit.text));
    case 'list':
      return lit.items.some((i) => mentions(i, names, file, depth + 1));
    case 'call': {
      const c = file.calls[lit.call];
      if (!c) return false;
      // `enc.to(device)`, `enc["input_ids"].to(device)` (callee `enc[].to`): a method of the tokens
      return names.has(c.callee.split(/[.[(]/)[0] ?? '') || usesNames(c, names, file, depth + 1);
    }
    default:
      return false;
  }
}

function usesNames(call: CallFact, names: ReadonlySet<string>, file: FileFacts, depth = 0): boolean {
  return (
    call.args.some((a) => mentions(a, names, file, depth)) ||
    Object.values(call.kwargs).some((v) => mentions(v, names, file, depth)) ||
    (call.splats ?? []).some((s) => names.has(s))
  );
}

/** The `generate` or forward call the tokens of `call` reach in the same function, if any. */
function consumerOf(call: CallFact, file: FileFacts): CallFact | undefined {
  const inline = file.calls.find((c) => c !== call && consumesTokens(c) && spanContains(c.span, call.span));
  if (inline) return inline;
  const names = new Set<string>();
  const assigns = file.assigns.filter((a) => a.scope === call.scope && a.span.endLine >= call.span.line);
  for (const a of assigns) if (spanContains(a.span, call.span) && SIMPLE_NAME.test(a.target)) names.add(a.target);
  if (!names.size) return undefined;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const before = names.size;
    for (const a of assigns) if (SIMPLE_NAME.test(a.target) && mentions(a.value, names, file)) names.add(a.target);
    if (names.size === before) break;
  }
  return file.calls.find((c) => c.scope === call.scope && c.span.line >= call.span.line && consumesTokens(c) && usesNames(c, names, file));
}

/** Text rendered by `apply_chat_template(tokenize=False)` is TOK002's: it doubles a BOS whatever the model. */
function isRenderedTemplate(lit: Literal | undefined, call: CallFact, file: FileFacts): boolean {
  let value = lit;
  if (lit?.kind === 'name') {
    for (const a of file.assigns) if (a.target === lit.text && a.scope === call.scope && a.span.line <= call.span.line) value = a.value;
  }
  const source = value?.kind === 'call' ? file.calls[value.call] : undefined;
  return source !== undefined && lastSegment(source.qname).endsWith('apply_chat_template');
}

export default defineRule({
  code: 'TOK004',
  name: 'default-special-tokens',
  category: 'tokens',
  severity: 'warning',
  status: 'stable',
  since: '0.1.0',
  summary: "A base model's generation or scoring prompt is tokenized with the tokenizer's default special tokens.",
  languages: ['python'],
  // what consumes the tokens: generation, or a forward pass whose logits are read (`def forward(` of any
  // torch module is not one)
  triggers: ['.generate(', '.logits', '.forward('],
  // a tokenizer called by a name that says so, an `encode`, or a tokenizer loaded in the file (see `tokenizesText`)
  requires: ['tokenizer', 'tok(', 'tok.', 'processor(', 'processing_class', 'from_pretrained'],
  messages: {
    implicit:
      "`{{callee}}` tokenizes a prompt for base model {{model}} with the tokenizer's default special tokens before `{{consumer}}` (line {{line}}); {{bos}}: pass `add_special_tokens=False` and add a BOS yourself where the experiment wants one",
  },
  check(ctx) {
    const { file } = ctx;
    for (const call of file.calls) {
      // an explicit value is TOK001's business; `**kwargs` may carry one
      if (call.kwargs.add_special_tokens || call.splat || !tokenizerCall(call)) continue;
      const text = call.args[0] ?? call.kwargs.text;
      if (!text || isRenderedTemplate(text, call, file)) continue;
      const consumer = consumerOf(call, file);
      if (!consumer) continue;
      const verdict = ctx.modelOf(call);
      if (verdict.kind !== 'base') continue;
      const family = verdict.model ? modelFamily(verdict.model) : null;
      if (family?.addsBos === false) continue;
      const known = family?.addsBos === true;
      // a family whose tokenizer is not known to add a BOS is treated as a model that is not known
      const severity = severityForModel(ctx, known ? verdict : { ...verdict, kind: 'unknown' });
      if (!severity) continue;
      ctx.report({
        span: call.span,
        messageId: 'implicit',
        severity,
        data: {
          callee: call.callee,
          model: verdict.model ? `\`${verdict.model}\`` : `(${verdict.reason})`,
          consumer: consumer.callee,
          line: String(consumer.span.line),
          bos: known ? `${family?.name} tokenizers add a BOS by default` : 'its tokenizer may add a BOS by default',
        },
      });
    }
  },
});
