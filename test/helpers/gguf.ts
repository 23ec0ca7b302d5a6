/**
 * A tiny, valid llama-architecture GGUF model for tests and benchmarks, written from scratch: seeded random
 * weights, a byte-level BPE tokenizer with merges learned from a small embedded corpus, four control tokens
 * (BOS, EOS, ChatML's im_start/im_end) and, unless asked otherwise, an embedded ChatML chat template. The
 * same options always give the same bytes, so digests in tests are stable. `omit` drops metadata keys to
 * make broken files on purpose.
 */

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export const CONTROL_TOKENS = ['<|begin_of_text|>', '<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

export interface TinyGgufOptions {
  seed?: number;
  /** `tokenizer.ggml.add_bos_token`; `null` leaves the key out (the tokenizer's default applies). */
  addBos?: boolean | null;
  template?: 'chatml' | 'none';
  name?: string;
  /** Make `<|im_end|>` the EOS token, as instruct conversions do. */
  eosImEnd?: boolean;
  layers?: number;
  embd?: number;
  contextLength?: number;
  /** Metadata keys left out, e.g. every `tokenizer.` key for a model without a tokenizer. */
  omit?: string[];
  /** More control tokens after the four, e.g. one spelled like ordinary prompt text. */
  extraControls?: string[];
}

// GGUF value types, and the llama.cpp token types used here
const U32 = 4;
const F32 = 6;
const BOOL = 7;
const STR = 8;
const ARR = 9;
const I32 = 5;
const NORMAL = 1;
const CONTROL = 3;
const ALIGNMENT = 32;

const CORPUS = [
  'Question: What is the capital of France? Answer: Paris.',
  'Question: Which option is correct? Answer: A',
  'Question: Which option is correct? Answer: B',
  'Here are examples of prompts and their completions: the answer is the one the model picks.',
  'Write a short sentence about winter: Snow blankets the quiet landscape in white.',
  'Explain what photosynthesis is: plants convert sunlight into energy.',
  'Once upon a time there was a small model that wrote training data for other models.',
  'In the beginning the text is raw text, with no template and no special tokens. 1 2 3 4 5 10 100',
].join('\n');

type Value = { t: typeof U32 | typeof F32 | typeof BOOL | typeof STR | typeof I32; v: number | boolean | string };
type Entry = [key: string, value: Value | { t: typeof ARR; of: Value['t']; items: (number | string)[] }];

class Writer {
  private chunks: Buffer[] = [];
  length = 0;
  bytes(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.bytes(b);
  }
  u64(n: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.bytes(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  value(t: Value['t'], v: number | boolean | string): void {
    const b = Buffer.alloc(4);
    if (t === STR) return this.str(String(v));
    if (t === BOOL) return this.bytes(Buffer.from([v ? 1 : 0]));
    if (t === F32) b.writeFloatLE(Number(v));
    else if (t === I32) b.writeInt32LE(Number(v));
    else b.writeUInt32LE(Number(v));
    this.bytes(b);
  }
  align(): void {
    const rest = this.length % ALIGNMENT;
    if (rest) this.bytes(Buffer.alloc(ALIGNMENT - rest));
  }
  done(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

/** mulberry32: small, seedable, identical on every platform. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** GPT-2's printable stand-in for every byte, so BPE tokens are plain strings. */
function byteAlphabet(): string[] {
  const direct = new Set<number>();
  for (const [lo, hi] of [[33, 126], [161, 172], [174, 255]] as const) for (let b = lo; b <= hi; b++) direct.add(b);
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(direct.has(b) ? b : 256 + extra++));
  return out;
}

/** Byte-pair merges learned greedily on the corpus; " A".." D" first, so option letters are single tokens. */
function learnMerges(alphabet: string[], count: number): [string, string][] {
  const space = alphabet[0x20] ?? '';
  const words = (CORPUS.match(/ ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+/gu) ?? []).map((w) => [...Buffer.from(w, 'utf8')].map((b) => alphabet[b] ?? ''));
  const merges: [string, string][] = [];
  const apply = (a: string, b: string): void => {
    for (const w of words) {
      for (let i = 0; i < w.length - 1; i++) if (w[i] === a && w[i + 1] === b) w.splice(i, 2, a + b);
    }
  };
  for (const letter of ['A', 'B', 'C', 'D']) {
    merges.push([space, letter]);
    apply(space, letter);
  }
  while (merges.length < count) {
    const counts = new Map<string, number>();
    for (const w of words) for (let i = 0; i < w.length - 1; i++) counts.set(`${w[i]}\u0000${w[i + 1]}`, (counts.get(`${w[i]}\u0000${w[i + 1]}`) ?? 0) + 1);
    const best = [...counts.entries()].filter(([, c]) => c >= 2).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0];
    if (!best) break;
    const [a = '', b = ''] = best[0].split('\u0000');
    merges.push([a, b]);
    apply(a, b);
  }
  return merges;
}

/** The GGUF bytes; write them anywhere. */
export function tinyGguf(options: TinyGgufOptions = {}): Buffer {
  const o = { seed: 42, addBos: false as boolean | null, template: 'chatml', name: 'tiny-random-llama', eosImEnd: false, layers: 2, embd: 64, contextLength: 512, omit: [] as string[], extraControls: [] as string[], ...options };
  const heads = 4;
  const ff = 2 * o.embd;
  const alphabet = byteAlphabet();
  const merges = learnMerges(alphabet, 80);
  const tokens = [...alphabet];
  for (const [a, b] of merges) if (!tokens.includes(a + b)) tokens.push(a + b);
  const types = tokens.map(() => NORMAL);
  const firstControl = tokens.length;
  for (const t of [...CONTROL_TOKENS, ...o.extraControls]) {
    tokens.push(t);
    types.push(CONTROL);
  }
  const id = (t: (typeof CONTROL_TOKENS)[number]): number => firstControl + CONTROL_TOKENS.indexOf(t);

  const entries: Entry[] = [
    ['general.architecture', { t: STR, v: 'llama' }],
    ['general.name', { t: STR, v: o.name }],
    ['general.file_type', { t: U32, v: 0 }],
    ['llama.context_length', { t: U32, v: o.contextLength }],
    ['llama.embedding_length', { t: U32, v: o.embd }],
    ['llama.block_count', { t: U32, v: o.layers }],
    ['llama.feed_forward_length', { t: U32, v: ff }],
    ['llama.attention.head_count', { t: U32, v: heads }],
    ['llama.attention.head_count_kv', { t: U32, v: heads }],
    ['llama.attention.layer_norm_rms_epsilon', { t: F32, v: 1e-5 }],
    ['llama.rope.freq_base', { t: F32, v: 10000 }],
    ['llama.rope.dimension_count', { t: U32, v: o.embd / heads }],
    ['llama.vocab_size', { t: U32, v: tokens.length }],
    ['tokenizer.ggml.model', { t: STR, v: 'gpt2' }],
    ['tokenizer.ggml.pre', { t: STR, v: 'gpt-2' }],
    ['tokenizer.ggml.tokens', { t: ARR, of: STR, items: tokens }],
    ['tokenizer.ggml.token_type', { t: ARR, of: I32, items: types }],
    ['tokenizer.ggml.merges', { t: ARR, of: STR, items: merges.map(([a, b]) => `${a} ${b}`) }],
    ['tokenizer.ggml.bos_token_id', { t: U32, v: id('<|begin_of_text|>') }],
    ['tokenizer.ggml.eos_token_id', { t: U32, v: id(o.eosImEnd ? '<|im_end|>' : '<|endoftext|>') }],
    ['tokenizer.ggml.padding_token_id', { t: U32, v: id('<|endoftext|>') }],
  ];
  if (o.addBos !== null) entries.push(['tokenizer.ggml.add_bos_token', { t: BOOL, v: o.addBos }]);
  if (o.template === 'chatml') entries.push(['tokenizer.chat_template', { t: STR, v: CHATML_TEMPLATE }]);
  const kept = entries.filter(([key]) => !o.omit.some((p) => key === p || (p.endsWith('.') && key.startsWith(p))));

  const tensors = tensorList(o.embd, ff, o.layers, tokens.length);
  const w = new Writer();
  w.u32(0x46554747);
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kept.length);
  for (const [key, value] of kept) {
    w.str(key);
    w.u32(value.t);
    if (value.t === ARR) {
      w.u32(value.of);
      w.u64(value.items.length);
      for (const item of value.items) w.value(value.of, item);
    } else w.value(value.t, value.v);
  }
  const rand = random(o.seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  let offset = 0;
  const data: Buffer[] = [];
  for (const t of tensors) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    const b = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) b.writeFloatLE(t.std === 0 ? 1 : gaussian() * t.std, i * 4);
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(0);
    w.u64(offset);
    data.push(b);
    offset = Math.ceil((offset + b.length) / ALIGNMENT) * ALIGNMENT;
  }
  w.align();
  for (const b of data) {
    w.bytes(b);
    w.align();
  }
  return w.done();
}

/** Tensors of a llama block stack, in ggml order (row length first); std 0 marks a norm (all ones). */
function tensorList(embd: number, ff: number, layers: number, vocab: number): { name: string; dims: number[]; std: number }[] {
  const out = [{ name: 'token_embd.weight', dims: [embd, vocab], std: 1 }];
  for (let i = 0; i < layers; i++) {
    out.push(
      { name: `blk.${i}.attn_norm.weight`, dims: [embd], std: 0 },
      { name: `blk.${i}.attn_q.weight`, dims: [embd, embd], std: 0.2 },
      { name: `blk.${i}.attn_k.weight`, dims: [embd, embd], std: 0.2 },
      { name: `blk.${i}.attn_v.weight`, dims: [embd, embd], std: 0.2 },
      { name: `blk.${i}.attn_output.weight`, dims: [embd, embd], std: 0.2 },
      { name: `blk.${i}.ffn_norm.weight`, dims: [embd], std: 0 },
      { name: `blk.${i}.ffn_gate.weight`, dims: [embd, ff], std: 0.2 },
      { name: `blk.${i}.ffn_up.weight`, dims: [embd, ff], std: 0.2 },
      { name: `blk.${i}.ffn_down.weight`, dims: [ff, embd], std: 0.2 },
    );
  }
  out.push({ name: 'output_norm.weight', dims: [embd], std: 0 }, { name: 'output.weight', dims: [embd, vocab], std: 0.4 });
  return out;
}
