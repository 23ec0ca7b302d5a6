/**
 * The local model room's public shapes, kept apart from the modules that touch node-llama-cpp so the
 * library's type declarations never name its types: a consumer without the optional dependency still
 * type-checks.
 */
import type { Attestation } from '../schemas/stamp.js';
import type { Check } from './clean.js';
import type { ModelReport } from './inspect.js';

export interface RuntimeOptions {
  /** CPU threads; defaults to the machine's cores. */
  threads?: number;
  /** Let node-llama-cpp pick a GPU backend (CUDA, Vulkan, Metal) when one is installed. */
  gpu?: boolean;
  /** Context window for one sequence; defaults to the model's, capped at 4096. */
  contextSize?: number;
}

export interface Sampling {
  /** 0 (the default) is greedy and deterministic. */
  temperature?: number;
  /** Required for reproducibility when temperature > 0; defaults to 0 rather than the clock. */
  seed?: number;
  topK?: number;
  topP?: number;
  maxTokens?: number;
  /** Generation stops before the first of these strings. */
  stop?: string[];
}

export interface Completion {
  text: string;
  tokens: number;
  stopReason: 'eos' | 'stop' | 'max-tokens';
  /** The proof for this call: what was evaluated and that it was clean. */
  attestation: { promptSha256: string; promptTokens: number; bos: boolean; clean: true };
}

export interface TokenScore {
  token: number;
  text: string;
  logprob: number;
}

export interface ContinuationScore {
  total: number;
  tokens: TokenScore[];
}

export interface OptionComparison {
  options: { text: string; token: number; logprob: number; probability: number }[];
  best: string;
  /** logprob(best) − logprob(runner-up), in nats. */
  margin: number;
}

/** The open model; `openLocalModel` in the library API returns one. */
export interface LocalModel {
  readonly report: ModelReport;
  readonly addBos: boolean;
  readonly threads: number;
  readonly contextSize: number;
  complete(prompt: string, sampling?: Sampling, control?: { signal?: AbortSignal | undefined }): Promise<Completion>;
  scoreContinuation(prompt: string, continuation: string): Promise<ContinuationScore>;
  compareOptions(prompt: string, options: readonly string[]): Promise<OptionComparison>;
  tokenize(text: string): number[];
  dispose(): Promise<void>;
}

export interface SentinelOptions {
  prompt?: string;
  via?: 'clean' | 'chat-session';
}

export interface StreamView {
  /** The evaluated prompt part, control tokens rendered as text. */
  text: string;
  tokens: number;
  bos: boolean;
}

export interface SentinelReport {
  model: { path: string; sha256: string; name: string | null };
  prompt: string;
  via: 'clean' | 'chat-session';
  passed: boolean;
  checks: Check[];
  clean: StreamView;
  chatSession: StreamView & { wrapper: string };
  attestation: Attestation;
}

