/**
 * The only door to node-llama-cpp, an optional dependency imported on first use: an audit never loads it.
 * The runtime is asked for with `build: "never"` (a missing prebuilt binary is an error, never a
 * multi-minute compile at run time), `gpu: false` unless the caller asks for a GPU, and as many threads
 * as the machine has cores (the library's default of at least 4 oversubscribes small machines badly).
 * A model file is read and checked by gguf.ts first: some missing keys abort the process inside llama.cpp.
 */
import os from 'node:os';

import { errorMessage, UserError } from '../core/errors.js';
import { arrayOf, numberOf, readGguf, stringOf, type GgufFile } from './gguf.js';
import type { RuntimeOptions } from './types.js';

export type NodeLlamaCpp = typeof import('node-llama-cpp');
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
type LlamaModel = Awaited<ReturnType<Llama['loadModel']>>;
type LlamaContext = Awaited<ReturnType<LlamaModel['createContext']>>;

export interface Runtime {
  mod: NodeLlamaCpp;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  gguf: GgufFile;
  threads: number;
}

export const INSTALL_HINT =
  'install it beside provenant without the GPU builds: npm install node-llama-cpp @node-llama-cpp/linux-x64 --omit=optional (use the package for your platform, e.g. @node-llama-cpp/mac-arm64-metal)';

export function defaultThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** The getLlama options provenant always uses: never compile, CPU unless asked, threads = cores. */
export function llamaOptions(options: RuntimeOptions, mod: Pick<NodeLlamaCpp, 'LlamaLogLevel'>): import('node-llama-cpp').LlamaOptions {
  return {
    gpu: options.gpu ? ('auto' as const) : false,
    build: 'never' as const,
    maxThreads: options.threads ?? defaultThreads(),
    logLevel: mod.LlamaLogLevel.error,
    progressLogs: false,
  };
}

export async function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  try {
    return await import('node-llama-cpp');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UserError('the local model commands need node-llama-cpp, which is not installed', { hint: INSTALL_HINT, cause: error });
    }
    throw new UserError(`node-llama-cpp failed to load: ${errorMessage(error)}`, { hint: INSTALL_HINT, cause: error });
  }
}

/** Architectures whose loader aborts the process (not a catchable error) when these keys are missing. */
const TRANSFORMER_KEYS = ['context_length', 'embedding_length', 'block_count', 'feed_forward_length', 'attention.head_count'];
const RECURRENT = new Set(['mamba', 'mamba2', 'rwkv6', 'rwkv7', 'rwkv6qwen2', 'arwkv7']);

/** Refuses, with the key named, a file llama.cpp would reject or crash on, or whose tokens cannot be checked. */
export function checkLoadable(gguf: GgufFile, display: string): void {
  const m = gguf.metadata;
  const arch = stringOf(m, 'general.architecture');
  if (!arch) throw new UserError(`${display}: metadata key general.architecture is missing`, { hint: 'the file is not a complete model conversion' });
  const required = RECURRENT.has(arch) ? ['context_length', 'embedding_length', 'block_count'] : TRANSFORMER_KEYS;
  for (const key of required) {
    if (numberOf(m, `${arch}.${key}`) === null) throw new UserError(`${display}: metadata key ${arch}.${key} is missing`, { hint: 'llama.cpp cannot load the model without it (and may abort the process); reconvert the model' });
  }
  const missing = ['tokenizer.ggml.model', 'tokenizer.ggml.tokens'].filter((k) => !m.has(k));
  if (missing.length) {
    throw new UserError(`${display}: the GGUF has no tokenizer (${missing.join(', ')} missing)`, {
      hint: 'the guard checks the exact tokens the model sees; convert the model together with its tokenizer',
    });
  }
  if (stringOf(m, 'tokenizer.ggml.model') === 'gpt2' && arrayOf(m, 'tokenizer.ggml.merges') === null) {
    throw new UserError(`${display}: metadata key tokenizer.ggml.merges is missing (a BPE tokenizer needs its merges)`, { hint: 'reconvert the model with its tokenizer' });
  }
  if (arrayOf(m, 'tokenizer.ggml.token_type') === null) {
    throw new UserError(`${display}: metadata key tokenizer.ggml.token_type is missing, so no token is marked as a control token`, {
      hint: 'without token types BOS and the template markers look like text and the sentinel cannot tell them apart; reconvert the model',
    });
  }
}

/** Loads a GGUF model for raw completion: checked metadata, then the runtime, the model and one context. */
export async function openRuntime(file: string, options: RuntimeOptions & { display?: string }): Promise<Runtime> {
  const display = options.display ?? file;
  const gguf = readGguf(file, display);
  checkLoadable(gguf, display);
  const mod = await importNodeLlamaCpp();
  const threads = options.threads ?? defaultThreads();
  let llama: Llama;
  try {
    llama = await mod.getLlama(llamaOptions({ ...options, threads }, mod));
  } catch (error) {
    if (error instanceof mod.NoBinaryFoundError) {
      throw new UserError('node-llama-cpp has no prebuilt binary for this machine (and provenant never compiles one)', { hint: INSTALL_HINT, cause: error });
    }
    throw new UserError(`node-llama-cpp could not start: ${errorMessage(error)}`, { hint: INSTALL_HINT, cause: error });
  }
  try {
    const model = await llama.loadModel({ modelPath: file, gpuLayers: options.gpu ? 'auto' : 0 });
    const trained = numberOf(gguf.metadata, `${stringOf(gguf.metadata, 'general.architecture')}.context_length`) ?? 2048;
    const contextSize = Math.min(options.contextSize ?? Math.min(trained, 4096), trained);
    const context = await model.createContext({ contextSize, threads, sequences: 1 });
    return { mod, llama, model, context, gguf, threads };
  } catch (error) {
    await llama.dispose();
    throw new UserError(`${display}: llama.cpp could not load the model: ${errorMessage(error)}`, { cause: error });
  }
}
