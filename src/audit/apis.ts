/**
 * The LLM-ecosystem API catalog the rules match against, by resolved qualified name
 * (research: static-analysis anchors, Part B). One place, so rules and loader inference agree.
 *
 * TS/JS names follow the same convention, rooted at the package specifier: transformers.js
 * (`@huggingface/transformers`, `@xenova/transformers`) is read as `transformers` (its API mirrors
 * the Python one), node-llama-cpp as `node-llama-cpp.getLlama().loadModel`, and OpenAI clients as
 * `openai.OpenAI().chat.completions.create`.
 */
import type { CallFact, FileFacts, Literal } from '../analysis/facts.js';
import { lastSegment, receiverOf } from './rule.js';

const TRANSFORMERS_LOAD =
  /^transformers\.(?:Auto(?!Config\.)\w+|\w+For\w+|\w+Tokenizer(?:Fast)?|\w+LMHeadModel|\w+Processor|\w+Model)\.from_pretrained$/;
const PEFT_LOAD = /^peft\.(?:PeftModel\w*|AutoPeftModel\w*)\.from_pretrained$/;
const UNSLOTH_LOAD = /^unsloth\.(?:FastLanguageModel|FastModel|FastVisionModel)\.from_pretrained$/;
export const TRL_TRAINER = /^trl(?:\.trainer)?\.(?:SFT|DPO|GRPO|PPO|KTO|ORPO|CPO|RLOO|Reward|Online\w*|Nash\w*|XPO|BCO|GKD)Trainer$/;
/** transformers' own trainers, which train whatever model they are handed. */
const HF_TRAINER = /^transformers\.(?:Seq2Seq)?Trainer$/;

/** Whether a resolved qualified name is a trainer class, of TRL or of transformers. */
export function isTrainer(qname: string): boolean {
  const q = canonicalQname(qname);
  return TRL_TRAINER.test(q) || HF_TRAINER.test(q);
}
const ENGINES = new Set([
  'vllm.LLM',
  'vllm.entrypoints.llm.LLM',
  'sglang.Engine',
  'sglang.srt.entrypoints.engine.Engine',
  'llama_cpp.Llama',
  'llama_cpp.Llama.from_pretrained',
  'transformers.pipeline',
]);

/** The package roots of transformers.js, read as the Python `transformers` they mirror. */
const TRANSFORMERS_JS = /^@(?:huggingface|xenova)\/transformers(?=\.|$)/;
const NODE_LLAMA = 'node-llama-cpp';
/** node-llama-cpp's model load: `(await getLlama()).loadModel({ modelPath })`. */
const NODE_LLAMA_LOAD = /^node-llama-cpp\.getLlama\(\)\.loadModel$/;
/** node-llama-cpp's chat session: it always wraps prompts in the model's chat template. */
export const NODE_LLAMA_CHAT = /^node-llama-cpp\.(?:LlamaChatSession|LlamaChat)$/;

/** A qualified name in the catalog's terms: transformers.js under `transformers`. */
export function canonicalQname(qname: string): string {
  return TRANSFORMERS_JS.test(qname) ? qname.replace(TRANSFORMERS_JS, 'transformers') : qname;
}

/** Keyword names that carry the model id of a load (`modelPath`, `modelUri`: node-llama-cpp). */
export const MODEL_KWARGS = ['pretrained_model_name_or_path', 'model', 'model_name', 'model_id', 'model_path', 'repo_id', 'modelPath', 'modelUri'];

/**
 * Words one of which a file's text holds wherever `modelLoadKind` names a load: the last segment of every
 * load above. Names resolve lexically (an import, an alias, an assignment), so that segment stays in the text
 * (or, for a relative import or a definition of the file's own, in its path).
 */
export const LOAD_WORDS = ['from_pretrained', 'LLM', 'Engine', 'Llama', 'pipeline', 'loadModel', 'Trainer'];

/** A short display name for what a load call loads, or null when the call is not a load. */
export function modelLoadKind(call: CallFact, file?: Pick<FileFacts, 'assigns'>): string | null {
  if (!call.resolved) return null;
  const q = canonicalQname(call.qname);
  if (TRANSFORMERS_LOAD.test(q) || PEFT_LOAD.test(q) || UNSLOTH_LOAD.test(q)) return shortName(q);
  if (ENGINES.has(q)) return shortName(q);
  if (NODE_LLAMA_LOAD.test(q)) return `${NODE_LLAMA} loadModel`;
  if (TRL_TRAINER.test(q)) {
    const model = call.kwargs.model ?? call.args[0];
    // a trainer given an id loads the model itself; given a name, only when the name holds an id
    if (model?.kind === 'str' || (model?.kind === 'name' && file && boundToString(file, model.text, call.span.line))) {
      return `${lastSegment(q)}(model="…")`;
    }
  }
  return null;
}

/** Whether `name`'s last binding before `line` in the file is a string (`MODEL = "Qwen/…"`). */
function boundToString(file: Pick<FileFacts, 'assigns'>, name: string, line: number): boolean {
  let last: Literal | undefined;
  for (const a of file.assigns) if (a.target === name && a.span.line <= line) last = a.value;
  return last?.kind === 'str' || last?.kind === 'fstring';
}

/** `transformers.AutoTokenizer.from_pretrained` → `AutoTokenizer.from_pretrained`. */
export function shortName(qname: string): string {
  const parts = qname.split('.');
  return parts.length <= 2 ? qname : parts.slice(-2).join('.');
}

/** The model argument of a load call, if any. */
export function modelArgument(call: CallFact): Literal | undefined {
  for (const k of MODEL_KWARGS) {
    const v = call.kwargs[k];
    if (v) return v;
  }
  // transformers.js takes the model positionally after the task: `pipeline('text-generation', id)`
  if (TRANSFORMERS_JS.test(call.qname) && lastSegment(call.qname) === 'pipeline') return call.args[1];
  return call.args[0];
}

const TRL_TEMPLATE_HELPERS = new Set([
  'trl.apply_chat_template',
  'trl.maybe_apply_chat_template',
  'trl.data_utils.apply_chat_template',
  'trl.data_utils.maybe_apply_chat_template',
]);

/**
 * Words one of which a file's text or path holds wherever `templateApplication` names a call, or a transformers
 * `pipeline` is called: a file that only imports transformers or says "completion" applies no template. vLLM's
 * `LLM.chat` is found by its receiver, `LLM` (`llm. chat(…)` is Python too).
 */
export const TEMPLATE_WORDS = ['apply_chat_template', 'LlamaChat', 'LLM', 'completions', 'ChatCompletion', 'chat_completion', 'litellm', 'pipeline'];

/** How a call applies a chat template, or null. */
export function templateApplication(call: CallFact): string | null {
  const q = canonicalQname(call.qname);
  const last = lastSegment(q);
  if (call.resolved && NODE_LLAMA_CHAT.test(q)) return `node-llama-cpp \`${lastSegment(q)}\``;
  if (TRL_TEMPLATE_HELPERS.has(q)) return shortName(q);
  // passed by reference, as TRL's own docs do: `ds.map(apply_chat_template, fn_kwargs={"tokenizer": tok})`
  const fn = last === 'map' ? (call.args[0] ?? call.kwargs.function) : undefined;
  if (fn?.kind === 'name' && fn.qname !== null && TRL_TEMPLATE_HELPERS.has(fn.qname)) {
    return `\`${shortName(fn.qname)}\` mapped over a dataset`;
  }
  if (last === 'apply_chat_template') return `${lastSegment(receiverOf(call.callee)) || 'tokenizer'}.apply_chat_template`;
  const recv = receiverOf(q);
  if (last === 'chat' && /^vllm(?:\.entrypoints\.llm)?\.LLM\(\)$/.test(recv)) return 'vLLM `LLM.chat`';
  if (last === 'create_chat_completion' && /^llama_cpp\.Llama(?:\.from_pretrained)?\(\)$/.test(recv)) {
    return 'llama-cpp `Llama.create_chat_completion`';
  }
  if (q === 'openai.ChatCompletion.create' || q === 'openai.ChatCompletion.acreate') return 'OpenAI `ChatCompletion.create`';
  if (q.endsWith('.chat.completions.create') || q.endsWith('.chat.completions.parse')) {
    return 'OpenAI-compatible `chat.completions.create`';
  }
  if (q === 'litellm.completion' || q === 'litellm.acompletion') return `\`${q}\``;
  return null;
}

/** Calls that install or replace a tokenizer's chat template. */
export function templateInstaller(call: CallFact): string | null {
  const q = canonicalQname(call.qname);
  if (!call.resolved) return null;
  if (/^trl(?:\.models(?:\.utils)?)?\.setup_chat_format$/.test(q)) return 'trl `setup_chat_format`';
  if (/^trl(?:\.chat_template_utils)?\.clone_chat_template$/.test(q)) return 'trl `clone_chat_template`';
  if (q === 'unsloth.chat_templates.get_chat_template') return 'unsloth `get_chat_template`';
  if (/^trl(?:\.trainer)?\.SFTConfig$/.test(q) && call.kwargs.chat_template_path) return '`SFTConfig(chat_template_path=…)`';
  return null;
}

/** Calls that tokenize text or feed raw text to a generator (so BOS may be added). */
export function tokenizesText(call: CallFact): boolean {
  const q = canonicalQname(call.qname);
  const last = lastSegment(q);
  if (last === 'encode' || last === 'encode_plus' || last === 'batch_encode_plus') return true;
  if (q.endsWith('.from_pretrained()') && /Tokenizer|Processor/.test(q)) return true;
  if (/^vllm(?:\.entrypoints\.llm)?\.LLM\(\)\.generate$/.test(q)) return true;
  // a tokenizer called through a name or attribute that says so (`self.tokenizer(text)`, a parameter)
  return /(?:^|\.)(?:tok|tokenizer|processor)$/i.test(call.callee);
}
