/**
 * `provenant model inspect`: what a GGUF model file says about itself, read from its metadata without
 * loading weights — architecture, size, context length, the tokenizer's BOS/EOS and `add_bos_token`,
 * the embedded chat template (digest and the family it resembles) — and an assessment of base vs
 * instruct with its reasons. A bundled chat template is reported but never counted as evidence of an
 * instruct model: base conversions (Qwen2.5 base among them) ship one.
 */
import path from 'node:path';

import { sha256File, sha256Text } from '../provenance/hash.js';
import { arrayOf, boolOf, numberOf, readGguf, stringOf, type GgufFile } from './gguf.js';

export interface TokenRef {
  id: number;
  text: string | null;
}

export interface ModelReport {
  path: string;
  bytes: number;
  sha256: string;
  name: string | null;
  architecture: string | null;
  parameters: number;
  fileType: string | null;
  contextLength: number | null;
  layers: number | null;
  tokenizer: {
    model: string;
    pre: string | null;
    vocabSize: number;
    sha256: string | null;
    bos: TokenRef | null;
    eos: TokenRef | null;
    /** The key as written; null when absent. */
    addBosToken: boolean | null;
    /** What llama.cpp will do: the key, or the tokenizer's default when the key is absent. */
    addBos: boolean;
    controlTokens: string[];
  } | null;
  chatTemplate: { present: false } | { present: true; sha256: string; family: string | null; length: number };
  assessment: { kind: 'base' | 'instruct' | 'unknown'; reasons: string[] };
  warnings: string[];
}

/** Recognisable markers of chat formats, most specific first. */
const FAMILIES: [family: string, marker: RegExp][] = [
  ['harmony (gpt-oss)', /<\|channel\|>/],
  ['llama-3', /<\|start_header_id\|>/],
  ['deepseek', /<｜(User|Assistant)｜>/],
  ['command-r', /<\|START_OF_TURN_TOKEN\|>/],
  ['granite', /<\|start_of_role\|>/],
  ['gemma', /<start_of_turn>/],
  ['chatml', /<\|im_start\|>/],
  ['phi-3', /<\|(user|assistant)\|>[\s\S]*<\|end\|>/],
  ['zephyr', /<\|(user|assistant)\|>/],
  ['mistral/llama-2', /\[INST\]/],
  ['alpaca', /### (Instruction|Response):/],
  ['vicuna', /\b(USER|ASSISTANT):/],
];

/** Pre-tokenizers for which llama.cpp adds BOS although the BPE default is not to. */
const BOS_BY_DEFAULT_PRE = new Set(['llama3', 'llama-bpe', 'llama-v3', 'tekken', 'chameleon', 'falcon3', 'exaone']);

/** Turn-end tokens: an instruct conversion makes one of them EOS, a base conversion keeps end-of-text. */
const TURN_END = /^(?:<\|im_end\|>|<\|eot_id\|>|<end_of_turn>|<\|end\|>|<\|endofturn\|>|<\|END_OF_TURN_TOKEN\|>|<\|return\|>)$/;

const FILE_TYPES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M',
  13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 32: 'BF16',
};

export function templateFamily(template: string): string | null {
  return FAMILIES.find(([, marker]) => marker.test(template))?.[0] ?? null;
}

export function inspectModel(file: string, options: { cwd?: string } = {}): ModelReport {
  const display = options.cwd ? path.relative(options.cwd, path.resolve(options.cwd, file)) || file : file;
  const gguf = readGguf(path.resolve(options.cwd ?? '.', file), display);
  return describe(gguf, display, sha256File(gguf.path));
}

/** The report for a file already read; `sha256` is the whole file's digest. */
export function describe(gguf: GgufFile, display: string, sha256: string): ModelReport {
  const m = gguf.metadata;
  const arch = stringOf(m, 'general.architecture');
  const warnings: string[] = [];
  const tokenizer = tokenizerOf(gguf, warnings);
  const template = stringOf(m, 'tokenizer.chat_template');
  const fileType = numberOf(m, 'general.file_type');
  return {
    path: display,
    bytes: gguf.size,
    sha256,
    name: stringOf(m, 'general.name'),
    architecture: arch,
    parameters: gguf.tensors.reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0),
    fileType: fileType === null ? null : (FILE_TYPES[fileType] ?? `type ${fileType}`),
    contextLength: arch ? numberOf(m, `${arch}.context_length`) : null,
    layers: arch ? numberOf(m, `${arch}.block_count`) : null,
    tokenizer,
    chatTemplate: template === null ? { present: false } : { present: true, sha256: sha256Text(template), family: templateFamily(template), length: template.length },
    assessment: assess(gguf, tokenizer, template),
    warnings,
  };
}

function tokenizerOf(gguf: GgufFile, warnings: string[]): ModelReport['tokenizer'] {
  const m = gguf.metadata;
  const model = stringOf(m, 'tokenizer.ggml.model');
  const tokens = arrayOf(m, 'tokenizer.ggml.tokens');
  if (model === null || tokens === null) {
    warnings.push('no tokenizer (tokenizer.ggml.model / tokenizer.ggml.tokens): the model cannot be run or checked with its own tokenizer');
    return null;
  }
  const types = arrayOf(m, 'tokenizer.ggml.token_type');
  if (types === null) warnings.push('no tokenizer.ggml.token_type: llama.cpp will not know which tokens are control tokens');
  const ref = (key: string): TokenRef | null => {
    const id = numberOf(m, key);
    if (id === null) return null;
    const text = tokens[id];
    return { id, text: typeof text === 'string' ? text : null };
  };
  const pre = stringOf(m, 'tokenizer.ggml.pre');
  const addBosToken = boolOf(m, 'tokenizer.ggml.add_bos_token');
  return {
    model,
    pre,
    vocabSize: tokens.length,
    sha256: gguf.tokenizerSha256,
    bos: ref('tokenizer.ggml.bos_token_id'),
    eos: ref('tokenizer.ggml.eos_token_id'),
    addBosToken,
    addBos: addBosToken ?? (model === 'llama' || (pre !== null && BOS_BY_DEFAULT_PRE.has(pre))),
    controlTokens: types === null ? [] : tokens.filter((_, i) => types[i] === 3).map(String),
  };
}

/** Base or instruct, from what the metadata really says; the chat template is deliberately not a signal. */
function assess(gguf: GgufFile, tokenizer: ModelReport['tokenizer'], template: string | null): ModelReport['assessment'] {
  const m = gguf.metadata;
  const instruct: string[] = [];
  const base: string[] = [];
  const names = ['general.name', 'general.basename', 'general.finetune', 'general.size_label'].map((k) => [k, stringOf(m, k)] as const);
  for (const [key, v] of names) {
    if (v === null) continue;
    if (/(^|[-_ .])(instruct|chat|it|sft|dpo|rlhf|assistant)($|[-_ .])/i.test(v)) instruct.push(`${key} = ${JSON.stringify(v)} names an instruction-tuned variant`);
    else if (/(^|[-_ .])base($|[-_ .])/i.test(v)) base.push(`${key} = ${JSON.stringify(v)} names a base model`);
  }
  const tags = arrayOf(m, 'general.tags')?.map(String) ?? [];
  const chatTags = tags.filter((t) => /^(chat|conversational|instruct)$/i.test(t));
  if (chatTags.length) instruct.push(`general.tags include ${chatTags.join(', ')}`);
  const eos = tokenizer?.eos?.text;
  if (eos && TURN_END.test(eos)) instruct.push(`EOS is the turn-end token ${eos}, as in instruct conversions (base conversions end on end-of-text)`);
  else if (eos && template !== null) base.push(`EOS is ${eos}, not a turn-end token, although a chat template is bundled`);
  const baseModels = numberOf(m, 'general.base_model.count');
  if (baseModels !== null && baseModels > 0) instruct.push(`general.base_model.count = ${baseModels}: fine-tuned from another model`);
  const note = template === null ? 'no chat template is embedded' : 'a chat template is embedded; base conversions ship one too, so it is not evidence either way';
  if (instruct.length) return { kind: 'instruct', reasons: [...instruct, ...base.map((b) => `against: ${b}`), note] };
  if (base.length) return { kind: 'base', reasons: [...base, note] };
  return { kind: 'unknown', reasons: ['the metadata names no variant and EOS says nothing either way', note] };
}
