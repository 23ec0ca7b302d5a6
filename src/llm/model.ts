/**
 * A base model opened for raw completion and log-prob scoring: text in, text out, with no chat wrapper in
 * between. Every completion is attested: the prompt text is checked for template markers before it is
 * evaluated and the runtime's evaluated tokens are compared with [BOS?] + tokenize(prompt) after; scores
 * are exact log-softmax values from the raw logits (the sampler never touches them).
 */
import { BugError, UserError } from '../core/errors.js';
import { sha256File, sha256Text } from '../provenance/hash.js';
import { rawPromptTokens, textCheck, tokenChecks, type TokenizerView } from './clean.js';
import { describe, type ModelReport } from './inspect.js';
import type { Completion, ContinuationScore, LocalModel, OptionComparison, RuntimeOptions, Sampling, TokenScore } from './types.js';
import { openRuntime, type Runtime } from './runtime.js';

/** A completion stopped by its abort signal; nothing of it is returned. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor() {
    super('interrupted');
  }
}

export async function openLocalModel(file: string, options: RuntimeOptions & { display?: string } = {}): Promise<OpenModel> {
  const runtime = await openRuntime(file, options);
  return new OpenModel(runtime, describe(runtime.gguf, options.display ?? file, sha256File(file)));
}

export class OpenModel implements LocalModel {
  readonly view: TokenizerView;
  readonly sequence: ReturnType<Runtime['context']['getSequence']>;

  constructor(
    readonly runtime: Runtime,
    readonly report: ModelReport,
  ) {
    const model = runtime.model;
    this.sequence = runtime.context.getSequence();
    const controlTexts: string[] = [];
    for (const t of model.iterateAllTokens()) if (model.isSpecialToken(t)) controlTexts.push(model.detokenize([t], true));
    this.view = {
      bos: model.tokens.bos,
      addBos: model.tokens.shouldPrependBosToken,
      tokenize: (text) => model.tokenize(text, false),
      isSpecial: (t) => model.isSpecialToken(t as never),
      render: (ts) => model.detokenize(ts as never[], true),
      controlTexts,
    };
  }

  get addBos(): boolean {
    return this.view.addBos;
  }
  get threads(): number {
    return this.runtime.threads;
  }
  get contextSize(): number {
    return this.runtime.context.contextSize;
  }

  tokenize(text: string): number[] {
    return this.view.tokenize(text);
  }

  /** The prompt's tokens after the text check, refused when it and `reserve` more tokens do not fit. */
  private prepare(prompt: string, reserve: number): number[] {
    const text = textCheck(prompt, this.view);
    if (!text.passed) throw new UserError(`refused a contaminated prompt: ${text.detail}`, { hint: 'a base model must see raw text: remove chat-template markers and special-token text' });
    const tokens = rawPromptTokens(this.view, prompt);
    if (tokens.length + reserve > this.contextSize) {
      throw new UserError(`the prompt is ${tokens.length} tokens; with ${reserve} more it exceeds the context of ${this.contextSize}`, { hint: 'shorten the prompt, lower --max-tokens, or raise --context-size' });
    }
    return tokens;
  }

  async complete(prompt: string, s: Sampling = {}, control: { signal?: AbortSignal | undefined } = {}): Promise<Completion> {
    const maxTokens = s.maxTokens ?? 128;
    const input = this.prepare(prompt, maxTokens);
    await this.sequence.clearHistory();
    const out: number[] = [];
    let text = '';
    let stopReason: Completion['stopReason'] = 'max-tokens';
    const model = this.runtime.model;
    const options = { temperature: s.temperature ?? 0, seed: s.seed ?? 0, yieldEogToken: true, ...(s.topK !== undefined ? { topK: s.topK } : {}), ...(s.topP !== undefined ? { topP: s.topP } : {}) };
    for await (const token of this.sequence.evaluate(input as never[], options)) {
      if (control.signal?.aborted) throw new Interrupted();
      if (model.isEogToken(token)) {
        stopReason = 'eos';
        break;
      }
      out.push(token);
      text = model.detokenize(out as never[]);
      const cut = firstStop(text, s.stop);
      if (cut !== null) {
        text = text.slice(0, cut);
        stopReason = 'stop';
        break;
      }
      if (out.length >= maxTokens) break;
    }
    const failed = tokenChecks(prompt, this.sequence.contextTokens, this.view).filter((c) => !c.passed);
    if (failed.length) throw new BugError(`the clean path evaluated something other than the raw prompt: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
    return { text, tokens: out.length, stopReason, attestation: { promptSha256: sha256Text(prompt), promptTokens: input.length, bos: input[0] === this.view.bos && this.view.addBos, clean: true } };
  }

  async scoreContinuation(prompt: string, continuation: string): Promise<ContinuationScore> {
    if (continuation === '') throw new UserError('scoreContinuation: the continuation is empty');
    const cont = this.runtime.model.tokenize(continuation, false, 'trimLeadingSpace') as number[];
    const markers = textCheck(continuation, this.view);
    if (!markers.passed) throw new UserError(`refused a contaminated continuation: ${markers.detail}`);
    const p = this.prepare(prompt, cont.length);
    const all = [...p, ...cont];
    const wanted = (i: number): boolean => i >= p.length - 1 && i < all.length - 1;
    const input = all.map((t, i) => (wanted(i) ? ([t, { generateNext: { logits: { filter: { tokens: [all[i + 1] as number], includeTop: 1 } }, totalLogitWeight: true } }] as const) : t));
    await this.sequence.clearHistory();
    const res = await this.sequence.controlledEvaluate(input as never);
    const tokens: TokenScore[] = [];
    for (let i = p.length - 1; i < all.length - 1; i++) {
      const next = all[i + 1] as number;
      tokens.push({ token: next, text: this.runtime.model.detokenize([next as never], true), logprob: logprobOf(res[i]?.next, next) });
    }
    return { total: tokens.reduce((a, t) => a + t.logprob, 0), tokens };
  }

  async compareOptions(prompt: string, options: readonly string[]): Promise<OptionComparison> {
    if (options.length < 2) throw new UserError('compareOptions: give at least two options');
    const ids = options.map((o) => {
      const t = this.runtime.model.tokenize(o, false, 'trimLeadingSpace');
      if (t.length !== 1) throw new UserError(`compareOptions: option ${JSON.stringify(o)} is ${t.length} tokens, not one`, { hint: 'use single-token options such as " A" and " B" (with the leading space), or scoreContinuation for longer text' });
      return t[0] as number;
    });
    const p = this.prepare(prompt, 1);
    await this.sequence.clearHistory();
    const res = await this.sequence.controlledEvaluate([
      ...(p.slice(0, -1) as never[]),
      [p.at(-1) as never, { generateNext: { logits: { filter: { tokens: ids as never[], includeTop: 1 } }, totalLogitWeight: true } }],
    ]);
    const next = res.at(-1)?.next;
    const logprobs = ids.map((id) => logprobOf(next, id));
    const top = Math.max(...logprobs);
    const z = logprobs.reduce((a, l) => a + Math.exp(l - top), 0);
    const scored = options.map((text, i) => ({ text, token: ids[i] as number, logprob: logprobs[i] as number, probability: Math.exp((logprobs[i] as number) - top) / z }));
    const ranked = [...scored].sort((a, b) => b.logprob - a.logprob);
    return { options: scored, best: ranked[0]?.text ?? '', margin: (ranked[0]?.logprob ?? 0) - (ranked[1]?.logprob ?? 0) };
  }

  async dispose(): Promise<void> {
    await this.runtime.llama.dispose();
  }
}

type NextOutput = { logits?: Map<number, number> | ReadonlyMap<number, number>; totalLogitWeight?: number } | undefined;

/** log p(token) = logit − (max logit + ln Σ exp(logit − max)); includeTop: 1 guarantees the max is in the map. */
function logprobOf(next: NextOutput, token: number): number {
  const logit = next?.logits?.get(token);
  if (logit === undefined || next?.totalLogitWeight === undefined || !next.logits) throw new BugError(`the runtime returned no logit for token ${token}`);
  const max = Math.max(...next.logits.values());
  return logit - (max + Math.log(next.totalLogitWeight));
}

function firstStop(text: string, stop: readonly string[] | undefined): number | null {
  let cut: number | null = null;
  for (const s of stop ?? []) {
    const i = s ? text.indexOf(s) : -1;
    if (i !== -1 && (cut === null || i < cut)) cut = i;
  }
  return cut;
}
