/**
 * What "clean" means for a base model, as checks over text and token ids: the evaluated stream is exactly
 * [BOS when the model asks for it] + the prompt tokenized with special tokens not parsed; no control token
 * sits inside the prompt; and the prompt text holds no control-token text or chat-template marker (a
 * literal "<|im_start|>" is plain text to llama.cpp but a control token to most downstream tokenizers).
 * Pure functions over a small view of the tokenizer, so the checks are testable on any token stream.
 */

export interface TokenizerView {
  bos: number | null;
  /** llama.cpp's effective add_bos (the file's key, or the tokenizer's default). */
  addBos: boolean;
  tokenize(text: string): number[];
  isSpecial(token: number): boolean;
  /** Renders tokens with control tokens visible. */
  render(tokens: readonly number[]): string;
  /** The text of every control token. */
  controlTexts: readonly string[];
}

export interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

/** Chat-format markers that must never reach a base model as text, whatever this model's vocabulary holds. */
export const TEMPLATE_MARKERS = [
  '<|im_start|>', '<|im_end|>', '<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>',
  '<|endoftext|>', '[INST]', '[/INST]', '<<SYS>>', '<start_of_turn>', '<end_of_turn>', '<|user|>', '<|assistant|>',
  '<|system|>', '<|end|>', '<|start_of_role|>', '<|START_OF_TURN_TOKEN|>', '<s>', '</s>',
];

export function rawPromptTokens(view: TokenizerView, prompt: string): number[] {
  return view.addBos && view.bos !== null ? [view.bos, ...view.tokenize(prompt)] : view.tokenize(prompt);
}

/** Control-token texts and template markers found in `text`, each once. */
export function markersIn(text: string, view: Pick<TokenizerView, 'controlTexts'>): string[] {
  const all = new Set([...view.controlTexts.filter((t) => t.length > 0), ...TEMPLATE_MARKERS]);
  return [...all].filter((m) => text.includes(m));
}

export function textCheck(prompt: string, view: Pick<TokenizerView, 'controlTexts'>): Check {
  const hits = markersIn(prompt, view);
  return {
    name: 'no-template-markers-in-text',
    passed: hits.length === 0,
    detail: hits.length ? `the prompt text contains ${hits.map((h) => JSON.stringify(h)).join(', ')}` : 'no control-token text or chat-template marker in the prompt',
  };
}

/** The token checks over what the runtime evaluated for `prompt` (generated tokens after it are ignored). */
export function tokenChecks(prompt: string, evaluated: readonly number[], view: TokenizerView): Check[] {
  const expected = rawPromptTokens(view, prompt);
  const head = evaluated.slice(0, expected.length);
  const same = head.length === expected.length && head.every((t, i) => t === expected[i]);
  const startsWithBos = view.bos !== null && evaluated[0] === view.bos;
  const bosCount = view.bos === null ? 0 : head.filter((t) => t === view.bos).length;
  const from = view.addBos && startsWithBos ? 1 : 0;
  const controls = evaluated.slice(from, Math.max(from, expected.length)).filter((t) => view.isSpecial(t));
  return [
    {
      name: 'bos-as-the-model-asks',
      passed: startsWithBos === (view.addBos && view.bos !== null) && bosCount <= 1,
      detail: `the model ${view.addBos ? 'asks for' : 'does not ask for'} BOS; the stream ${startsWithBos ? 'starts with' : 'does not start with'} it${bosCount > 1 ? ` and holds it ${bosCount} times` : ''}`,
    },
    {
      name: 'evaluated-equals-raw-tokens',
      passed: same,
      detail: same ? `${expected.length} tokens, exactly [BOS?] + tokenize(prompt)` : `expected ${JSON.stringify(view.render(expected))}, the runtime evaluated ${JSON.stringify(view.render(head))}`,
    },
    {
      name: 'no-control-tokens-in-prompt',
      passed: controls.length === 0,
      detail: controls.length ? `control tokens inside the prompt: ${view.render(controls)}` : 'none',
    },
  ];
}
