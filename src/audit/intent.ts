/**
 * What a value is for, read from where it goes in its file (`FlowFact`): text a model generates from or
 * is scored on, or a training record. The template and token rules use it to tell a prompt from a
 * template definition, a stop list or an SFT record, as the value is followed, never by file name.
 */

import type { CallFact, FileFacts, FlowFact } from '../analysis/facts.js';
import { canonicalQname, TRL_TRAINER } from './apis.js';
import { lastSegment } from './rule.js';

/**
 * Calls that generate from their input (transformers, vLLM, SGLang, TGI, node-llama-cpp, llama-cpp), and
 * a project's own generation helpers (`diffusion_generate`, `generate_batch`). Only suffixes that name
 * what is generated from a model: `generate_sft_file` writes data, it does not prompt anything.
 */
const GENERATE = /^(?:a|async_|stream_)?generate(?:_(?:text|texts|batch|batched|completions?|responses?|answers?|stream|until|samples?|outputs?|sequences?|tokens))?$|_generate$|^(?:text_generation|generateCompletion|create_completion|text_completion)$/;
/** Slots of a generation call that configure it rather than carry the prompt. */
const GENERATE_CONFIG = /^(?:[1-9]\d*|\w*config|sampling_params|params|streamer|stopping_criteria|logits_processor\w*|max_\w+|min_\w+|temperature|top_\w+|num_\w+|do_sample|seed|use_tqdm|lora_request)$/;
const THREAD = /^(?:Thread|Process)$/;
/** Argument slots that carry the text or tokens a model is run on. */
const PROMPT_SLOT = /^(?:0|\*|\*\*|prompts?|inputs?|input_ids|prompt_token_ids|prompt_ids|text|texts|text_inputs|sequences)$/;
/** A model called on tokens: a forward pass, i.e. scoring (`model(**inputs)`, `self.ref_model(ids)`). */
const MODEL_OBJECT = /(?:^|\.)(?:model|llm|lm|policy|actor|critic|judge|\w+_model)$/i;
/** A callable given a tokenizer's whole output (`**inputs`): a model, a reward model or a judge. */
const MODELISH = /model|reward|critic|judge|policy|llm/i;
/** Calls that only show a value to a person: `print`, a notebook's `display`, a logger, tokens decoded back to text. */
const SHOWN = /^(?:print|pprint|display|info|debug|warning|warn|decode|batch_decode|convert_ids_to_tokens|len)$/;
/** Helpers that score text by a model's log-probabilities. */
const SCORING = /(?:^|_)(?:log_?probs?|logits|loglikelihood|perplexity|nll)(?:_|$)/i;

/**
 * How a call consumes a value arriving at `slot` when it sends it to a model, as a short display name;
 * null when the call does not (or the slot is not its prompt).
 */
export function modelInput(call: CallFact, slot: string): string | null {
  const q = canonicalQname(call.qname);
  const last = lastSegment(q);
  const shown = `\`${shortCallee(call.callee)}\``;
  if (GENERATE.test(last)) return GENERATE_CONFIG.test(slot) || slot === '.' ? null : shown;
  // `Thread(target=model.generate, kwargs=…)`, `executor.submit(model.generate, …)`: streaming generation
  const target = THREAD.test(last) ? call.kwargs.target : last === 'submit' && slot !== '0' ? call.args[0] : undefined;
  if (target?.kind === 'name' && GENERATE.test(lastSegment(target.text)) && slot !== 'target') return `\`${shortCallee(target.text)}\` in a thread`;
  if (slot === '**' && MODELISH.test(lastSegment(call.callee))) return `a forward pass through ${shown}`;
  if (!PROMPT_SLOT.test(slot)) return null;
  if ((q.endsWith('.completions.create') && !q.endsWith('.chat.completions.create')) || q === 'openai.Completion.create') {
    return slot === 'prompt' ? shown : null;
  }
  if (q === 'transformers.pipeline()' || /^llama_cpp\.Llama(?:\.from_pretrained)?\(\)$/.test(q)) return shown;
  if (last === 'forward' || (q === call.callee && MODEL_OBJECT.test(call.callee))) return `a forward pass through ${shown}`;
  if (q.endsWith('()') && /ForCausalLM|LMHeadModel|AutoModel/.test(q) && !q.includes('Tokenizer')) return `a forward pass through ${shown}`;
  if (SCORING.test(last)) return `scoring by ${shown}`;
  return null;
}

function shortCallee(callee: string): string {
  const parts = callee.split('.');
  return parts.length <= 2 ? callee : parts.slice(-2).join('.');
}

/** The first call a flow reaches that sends the value to a model, with how. */
export function reachesModel(flow: FlowFact | undefined, file: FileFacts): { call: CallFact; how: string } | null {
  if (!flow) return null;
  for (const hit of flow.calls) {
    const call = file.calls[hit.call];
    const how = call ? modelInput(call, hit.slot) : null;
    if (call && how) return { call, how };
  }
  return null;
}

/** Keys of training records: SFT text, preference pairs, tokenized examples (`text_real`, `chosen_input_ids`). */
const RECORD_KEY =
  /^(?:text|prompt|chosen|rejected|completion|response|answer|target|labels?|input_ids|messages|conversations?)(?:_\w+)?$|_(?:text|prompt|chosen|rejected|completion|response|labels|input_ids)$/;
/** str methods: called on the result, they reshape it for a test or a print, nothing consumes it. */
const STR_METHOD = /^(?:strip|lstrip|rstrip|lower|upper|casefold|replace|split|splitlines|encode|removeprefix|removesuffix|format|join)$/;
const DATASET_BUILD = /(?:^|\.)Dataset\.(?:from_list|from_dict|from_generator|from_pandas)$/;
const COLLATOR = /collat/i;

/**
 * Evidence that a value becomes a training record: written under a record key, mapped over a dataset,
 * handed to a trainer or a dataset constructor, or built in a data collator. Null when nothing shows it.
 */
export function trainingUse(flow: FlowFact | undefined, scope: string, file: FileFacts, generationPrompt = false): string | null {
  if (flow) {
    for (const hit of flow.calls) {
      const call = file.calls[hit.call];
      if (!call) continue;
      const q = canonicalQname(call.qname);
      const last = lastSegment(q);
      if (last === 'map' && (hit.slot === '0' || hit.slot === 'function')) return `mapped over a dataset by \`${shortCallee(call.callee)}\` (line ${call.span.line})`;
      if ((call.resolved && TRL_TRAINER.test(q)) || /Trainer$/.test(last)) return `handed to \`${last}\` (line ${call.span.line})`;
      if (DATASET_BUILD.test(q)) return `turned into a dataset by \`${shortCallee(call.callee)}\` (line ${call.span.line})`;
    }
    // a generation prompt stored as `prompt` may be a DPO prompt column or the input of a later
    // generation; only the record's other columns tell
    const key = flow.keys.find((k) => RECORD_KEY.test(k) && !/^prompts?$/.test(k));
    if (key) return `written into records as \`${key}\``;
    if (!generationPrompt && flow.keys.some((k) => /^prompts?$/.test(k))) return 'written into records as `prompt`';
  }
  const collator = collatorOf(scope, file);
  if (collator) return `built in the data collator \`${collator}\``;
  return null;
}

/** The enclosing class when it is a data collator (by name or by base class). */
function collatorOf(scope: string, file: FileFacts): string | null {
  const parts = scope.split('.');
  for (let i = parts.length; i > 0; i--) {
    const qualname = parts.slice(0, i).join('.');
    const def = file.defs.find((d) => d.kind === 'class' && d.qualname === qualname);
    if (def && (COLLATOR.test(def.name) || def.bases.some((b) => COLLATOR.test(lastSegment(b))))) return def.name;
  }
  return null;
}

/** TRL's template helpers take an example record and return one: record formatting by design. */
export function formatsRecords(call: CallFact): boolean {
  const q = canonicalQname(call.qname);
  if (/^trl(?:\.data_utils)?\.(?:maybe_)?apply_chat_template$/.test(q)) return true;
  const fn = lastSegment(q) === 'map' ? (call.args[0] ?? call.kwargs.function) : undefined;
  return fn?.kind === 'name' && fn.qname !== null && /^trl(?:\.data_utils)?\.(?:maybe_)?apply_chat_template$/.test(fn.qname);
}

export type TemplateIntent =
  /** A chat API: it templates what the model is about to generate from. */
  | { kind: 'chat' }
  /** A function that only passes the template through for its callers (`def apply_chat_template(…): return tok.apply_chat_template(…)`). */
  | { kind: 'wrapper'; name: string }
  /** The result is only compared, printed or measured: nothing is generated from it or trained on it. */
  | { kind: 'inspected' }
  | { kind: 'inference'; via: string; line: number }
  | { kind: 'training'; evidence: string }
  | { kind: 'unknown' };

/**
 * What a template application is for. Chat APIs generate by nature; an `apply_chat_template` result is
 * followed: reaching generation or scoring wins over any record it is also stored in.
 */
export function templateIntent(call: CallFact, file: FileFacts): TemplateIntent {
  const last = lastSegment(canonicalQname(call.qname));
  const applies = last === 'apply_chat_template' || last === 'maybe_apply_chat_template' || last === 'map';
  if (!applies) return { kind: 'chat' };
  // an override or proxy that returns the template for its callers: they decide what it is for, and are
  // judged where they call it
  if (/(?:^|\.)apply_chat_template$/.test(call.scope) && call.flow?.returns.includes(call.scope)) return { kind: 'wrapper', name: call.scope };
  const model = reachesModel(call.flow, file);
  if (model) return { kind: 'inference', via: model.how, line: model.call.span.line };
  const evidence = recordEvidence(call, file) ?? (formatsRecords(call) ? 'TRL formats example records' : null);
  if (evidence) return { kind: 'training', evidence };
  // a template whose result stays in its function (lengths, masks), beside the records the function builds
  const local = call.flow && !call.flow.partial && !call.flow.keys.length && !call.flow.returns.length;
  const sibling = local && file.calls.find((c) => c !== call && c.scope === call.scope && c.flow && !reachesModel(c.flow, file) && recordEvidence(c, file));
  if (sibling) return { kind: 'training', evidence: `beside the records built at line ${sibling.span.line}` };
  const flow = call.flow;
  // a result only looked at (compared, measured, printed or shown, as a tutorial cell does); a result
  // merely dropped says nothing
  if (flow && !flow.partial && !flow.keys.length && !flow.returns.length) {
    const looked = flow.calls.every((h) => {
      const callee = lastSegment(file.calls[h.call]?.callee ?? '');
      return (h.slot === '.' && STR_METHOD.test(callee)) || SHOWN.test(callee);
    });
    if (looked && (flow.tested || flow.calls.length > 0)) return { kind: 'inspected' };
  }
  return { kind: 'unknown' };
}

/** A template call's own evidence of training use; a generation prompt's `prompt` column needs more. */
function recordEvidence(call: CallFact, file: FileFacts): string | null {
  const generationPrompt = call.kwargs.add_generation_prompt?.kind === 'bool' && call.kwargs.add_generation_prompt.value;
  return trainingUse(call.flow, call.scope, file, generationPrompt);
}
