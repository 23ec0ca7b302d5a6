import { describe, expect, test } from 'vitest';
import catalog from './model-catalog.json' with { type: 'json' };
import { ModelCatalogSchema } from '../schemas/model-catalog.js';
import { classifyModelName, modelClassifier, modelFamily, type ModelVerdict } from './model-classes.js';

/** Real hub ids, most of them named in the corpus trees (LLaMA-Factory, axolotl, unsloth, SPIN, lm-eval). */
const CASES: [string, ModelVerdict['kind']][] = [
  // Qwen 1.5 / 2 / 2.5: `-Instruct`/`-Chat` post-trained, plain = base
  ['Qwen/Qwen2.5-32B', 'base'],
  ['Qwen/Qwen2.5-7B', 'base'],
  ['unsloth/qwen2.5-0.5b', 'base'],
  ['Qwen/Qwen2-7B', 'base'],
  ['Qwen/Qwen1.5-7B', 'base'],
  ['Qwen/Qwen1.5-MoE-A2.7B', 'base'],
  ['Qwen/Qwen-7B', 'base'],
  ['Qwen/Qwen2.5-Coder-7B', 'base'],
  ['Qwen/Qwen2.5-Math-1.5B', 'base'],
  ['Qwen/Qwen2-VL-7B', 'base'],
  ['Qwen/Qwen2.5-7B-Instruct', 'instruct'],
  ['Qwen/Qwen1.5-7B-Chat', 'instruct'],
  ['Qwen/Qwen-7B-Chat', 'instruct'],
  ['Qwen/Qwen2.5-Math-7B-Instruct', 'instruct'],
  ['unsloth/Qwen2.5-7B-Instruct-bnb-4bit', 'instruct'],
  ['Qwen/Qwen2.5-Omni-7B', 'unknown'],
  ['Qwen/Qwen2.5-Math-PRM-7B', 'unknown'],
  ['Qwen/Qwen-Image', 'unknown'],
  // Qwen3 and later: plain = post-trained hybrid, `-Base` = base
  ['Qwen/Qwen3-8B', 'instruct'],
  ['Qwen/Qwen3-0.6B', 'instruct'],
  ['unsloth/Qwen3-4B-unsloth-bnb-4bit', 'instruct'],
  ['Qwen/Qwen3-30B-A3B', 'instruct'],
  ['Qwen/Qwen3-4B-Instruct-2507', 'instruct'],
  ['Qwen/Qwen3-4B-Thinking-2507', 'instruct'],
  ['Qwen/Qwen3.5-9B', 'instruct'],
  ['Qwen/Qwen3-8B-Base', 'base'],
  ['unsloth/Qwen3-14B-Base-bnb-4bit', 'base'],
  ['Qwen/Qwen3.5-35B-A3B-Base', 'base'],
  ['Qwen/Qwen3-Embedding-0.6B', 'unknown'],
  ['Qwen/QwQ-32B', 'instruct'],
  // Llama 2 (`-chat-hf` in any case), Llama 3.x (`-Instruct`), LLaMA, Code Llama, TinyLlama
  ['meta-llama/Llama-2-7b-hf', 'base'],
  ['NousResearch/Llama-2-7b-hf', 'base'],
  ['meta-llama/Llama-2-7b-chat-hf', 'instruct'],
  ['TheBloke/Llama-2-7B-Chat-fp16', 'instruct'],
  ['unsloth/llama-2-7b-chat-bnb-4bit', 'instruct'],
  ['meta-llama/Meta-Llama-3-8B', 'base'],
  ['NousResearch/Meta-Llama-3-8B', 'base'],
  ['meta-llama/Llama-3.1-8B', 'base'],
  ['meta-llama/Meta-Llama-3.1-405B', 'base'],
  ['meta-llama/Llama-3.2-1B', 'base'],
  ['unsloth/llama-3-8b-bnb-4bit', 'base'],
  ['meta-llama/Llama-3.2-11B-Vision', 'base'],
  ['meta-llama/Meta-Llama-3-8B-Instruct', 'instruct'],
  ['meta-llama/Llama-3.3-70B-Instruct', 'instruct'],
  ['meta-llama/Llama-3.2-11B-Vision-Instruct', 'instruct'],
  ['meta-llama/Llama-Guard-3-8B', 'instruct'],
  ['unsloth/Llama-3.1-Storm-8B', 'unknown'],
  ['huggyllama/llama-7b', 'base'],
  ['codellama/CodeLlama-7b-hf', 'base'],
  ['codellama/CodeLlama-7b-Instruct-hf', 'instruct'],
  ['TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T', 'base'],
  ['TinyLlama/TinyLlama-1.1B-Chat-v1.0', 'instruct'],
  // Mistral / Mixtral
  ['mistralai/Mistral-7B-v0.1', 'base'],
  ['unsloth/mistral-7b-v0.3-bnb-4bit', 'base'],
  ['mistralai/Mixtral-8x7B-v0.1', 'base'],
  ['mistralai/Mistral-7B-Instruct-v0.2', 'instruct'],
  ['mistralai/Mixtral-8x7B-Instruct-v0.1', 'instruct'],
  ['mistralai/Mistral-Nemo-Base-2407', 'base'],
  ['mistralai/Mistral-Small-24B-Instruct-2501', 'instruct'],
  ['mistralai/Ministral-3-8B-Base-2512', 'base'],
  ['mistralai/Magistral-Small-2506', 'instruct'],
  ['mistralai/Codestral-22B-v0.1', 'unknown'],
  ['HuggingFaceH4/mistral-7b-sft-beta', 'instruct'],
  ['teknium/OpenHermes-2.5-Mistral-7B', 'instruct'],
  ['Open-Orca/Mistral-7B-OpenOrca', 'instruct'],
  // Gemma (`-it`; `-pt` and plain are pretrained)
  ['google/gemma-7b', 'base'],
  ['google/gemma-2-9b', 'base'],
  ['google/gemma-3-4b-pt', 'base'],
  ['google/gemma-4-31B', 'base'],
  ['google/codegemma-7b', 'base'],
  ['google/gemma-2-9b-it', 'instruct'],
  ['google/gemma-1.1-7b-it', 'instruct'],
  ['google/gemma-3n-E4B-it', 'instruct'],
  ['google/medgemma-4b-it', 'instruct'],
  ['unsloth/embeddinggemma-300m', 'unknown'],
  // Phi
  ['microsoft/phi-2', 'base'],
  ['microsoft/phi-1_5', 'base'],
  ['microsoft/Phi-3-mini-4k-instruct', 'instruct'],
  ['microsoft/phi-4', 'instruct'],
  ['microsoft/Phi-4-reasoning', 'instruct'],
  // SmolLM
  ['HuggingFaceTB/SmolLM2-135M', 'base'],
  ['HuggingFaceTB/SmolLM-1.7B', 'base'],
  ['HuggingFaceTB/SmolLM2-1.7B-Instruct', 'instruct'],
  ['HuggingFaceTB/SmolLM3-3B', 'instruct'],
  ['HuggingFaceTB/SmolLM3-3B-Base', 'base'],
  // DeepSeek
  ['deepseek-ai/deepseek-llm-7b-base', 'base'],
  ['deepseek-ai/deepseek-llm-7b-chat', 'instruct'],
  ['deepseek-ai/deepseek-coder-6.7b-instruct', 'instruct'],
  ['deepseek-ai/deepseek-math-7b-rl', 'instruct'],
  ['deepseek-ai/DeepSeek-V2-Lite', 'base'],
  ['deepseek-ai/DeepSeek-V2-Lite-Chat', 'instruct'],
  ['deepseek-ai/DeepSeek-V3', 'instruct'],
  ['deepseek-ai/DeepSeek-V3-Base', 'base'],
  ['deepseek-ai/DeepSeek-R1', 'instruct'],
  ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'instruct'],
  ['deepseek-ai/DeepSeek-R1-Distill-Llama-8B', 'instruct'],
  ['deepseek-ai/deepseek-coder-6.7b', 'unknown'],
  // OLMo / Tulu
  ['allenai/OLMo-7B', 'base'],
  ['allenai/OLMo-2-1124-7B', 'base'],
  ['allenai/OLMoE-1B-7B-0924', 'base'],
  ['allenai/OLMo-2-1124-7B-SFT', 'instruct'],
  ['allenai/OLMo-2-1124-7B-DPO', 'instruct'],
  ['allenai/OLMo-2-1124-7B-Instruct', 'instruct'],
  ['allenai/OLMo-2-1124-7B-RLVR1', 'instruct'],
  ['allenai/Olmo-3-7B-Think', 'instruct'],
  ['allenai/OLMo-2-1124-7B-RM', 'unknown'],
  ['allenai/tulu-2-7b', 'instruct'],
  ['allenai/tulu-2-dpo-70b', 'instruct'],
  ['allenai/Llama-3.1-Tulu-3-8B', 'instruct'],
  // chat fine-tunes named by family
  ['HuggingFaceH4/zephyr-7b-beta', 'instruct'],
  ['alignment-handbook/zephyr-7b-sft-full', 'instruct'],
  ['UCLA-AGI/zephyr-7b-sft-full-SPIN-iter1', 'instruct'],
  ['stabilityai/stablelm-zephyr-3b', 'instruct'],
  ['lmsys/vicuna-7b-v1.5', 'instruct'],
  ['openchat/openchat-3.5-0106', 'instruct'],
  ['openchat/openchat_3.5', 'instruct'],
  ['Nexusflow/Starling-LM-7B-beta', 'instruct'],
  ['NousResearch/Hermes-3-Llama-3.1-8B', 'instruct'],
  // Yi, GPT-2, Pythia, OPT, Falcon and others
  ['01-ai/Yi-6B', 'base'],
  ['01-ai/Yi-34B-Chat', 'instruct'],
  ['01-ai/Yi-1.5-9B-Chat', 'instruct'],
  ['gpt2', 'base'],
  ['openai-community/gpt2-xl', 'base'],
  ['distilgpt2', 'base'],
  ['EleutherAI/pythia-14m', 'base'],
  ['EleutherAI/pythia-1b-deduped', 'base'],
  ['EleutherAI/gpt-neox-20b', 'base'],
  ['EleutherAI/gpt-j-6B', 'base'],
  ['facebook/opt-125m', 'base'],
  ['facebook/opt-iml-max-1.3b', 'instruct'],
  ['tiiuae/falcon-7b', 'base'],
  ['tiiuae/falcon-7b-instruct', 'instruct'],
  ['tiiuae/Falcon-H1-7B-Base', 'base'],
  ['tiiuae/Falcon-H1-0.5B-Instruct', 'instruct'],
  ['tiiuae/Falcon3-7B', 'unknown'],
  ['mosaicml/mpt-7b', 'base'],
  ['mosaicml/mpt-7b-chat', 'instruct'],
  ['bigscience/bloom-560m', 'base'],
  ['bigscience/bloomz-560m', 'instruct'],
  ['google/flan-t5-base', 'instruct'],
  ['openai/gpt-oss-20b', 'instruct'],
  ['ibm-granite/granite-4.0-h-micro', 'instruct'],
  ['unsloth/granite-4.0-h-tiny-base', 'base'],
  ['zai-org/GLM-4.5-Air', 'instruct'],
  ['THUDM/chatglm3-6b', 'instruct'],
  ['THUDM/chatglm3-6b-base', 'base'],
  ['upstage/SOLAR-10.7B-v1.0', 'base'],
  ['moonshotai/Kimi-K2-Instruct', 'instruct'],
  // names that say nothing: test checkpoints, org/custom names, unknown families, local paths
  ['llamafactory/tiny-random-qwen3', 'unknown'],
  ['hf-internal-testing/tiny-random-gpt2', 'unknown'],
  ['trl-internal-testing/tiny-Qwen2ForCausalLM-2.5', 'unknown'],
  ['hubertsiuzdak/snac_24khz', 'unknown'],
  ['unsloth/Llasa-1B', 'unknown'],
  ['org/model', 'unknown'],
  ['adapter/path', 'unknown'],
  ['my-org/my-model', 'unknown'],
  ['nvidia/Nemotron-H-8B', 'unknown'],
  ['UCLA-AGI/SPIN_iter0', 'unknown'],
  ['/models/Qwen2.5-7B', 'unknown'],
  ['./checkpoints/llama-3-8b', 'unknown'],
  ['outputs/qwen2.5-7b', 'unknown'],
  ['models/Meta-Llama-3-8B', 'unknown'],
  ['/scratch/user/runs/Llama-2-7b-hf/checkpoint-500', 'unknown'],
  ['/models/llama-2-7b-chat.Q4_K_M.gguf', 'instruct'],
  ['outputs/llama3-sft/checkpoint-1000', 'instruct'],
  ['/ckpt/Qwen3-8B-Base', 'base'],
  ['unsloth/chat_templates.py', 'unknown'],
  ['data/chat.jsonl', 'unknown'],
  ['', 'unknown'],
  ['not a model id', 'unknown'],
];

describe('the model catalog', () => {
  test('matches its schema', () => {
    const parsed = ModelCatalogSchema.safeParse(catalog);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  test('names each family once', () => {
    const names = catalog.families.map((f) => f.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});

describe('classifyModelName', () => {
  test.each(CASES)('%s is %s', (id, kind) => {
    expect(classifyModelName(id).kind).toBe(kind);
  });

  test.each(CASES.filter(([id]) => id !== id.toUpperCase()))('%s in upper and lower case is still %s', (id, kind) => {
    expect(classifyModelName(id.toUpperCase()).kind).toBe(kind);
    expect(classifyModelName(id.toLowerCase()).kind).toBe(kind);
  });

  test('says why', () => {
    expect(classifyModelName('Qwen/Qwen2.5-32B').reason).toMatch(/plain id is the base model/);
    expect(classifyModelName('Qwen/Qwen3-8B').reason).toMatch(/post-trained hybrid/);
    expect(classifyModelName('meta-llama/Llama-2-7b-chat-hf').reason).toBe('the name marks a post-trained model (`chat`)');
    expect(classifyModelName('unsloth/Llama-3.1-Storm-8B').reason).toBe('a Llama 3 name, but `storm` in it may name a fine-tune');
    expect(classifyModelName('org/model').reason).toMatch(/no known model family/);
  });
});

describe('modelClassifier', () => {
  test('the config lists win over the name, case-insensitively', () => {
    const classify = modelClassifier({ baseModels: ['my-org/*'], instructModels: ['qwen/qwen2.5-32b', 'Qwen/Qwen3-8B-Base'] });
    expect(classify('my-org/my-model')).toMatchObject({ kind: 'base', reason: 'listed in base-models' });
    expect(classify('Qwen/Qwen2.5-32B')).toMatchObject({ kind: 'instruct', reason: 'listed in instruct-models' });
    expect(classify('qwen/qwen3-8b-base').kind).toBe('instruct');
    expect(classify('other/model').kind).toBe('unknown');
  });
});

describe('modelFamily', () => {
  test('knows which tokenizers add BOS by default, and says null where it is not sure', () => {
    expect(modelFamily('meta-llama/Meta-Llama-3-8B')).toEqual({ name: 'Llama 3', addsBos: true });
    expect(modelFamily('meta-llama/Llama-2-7b-hf')?.addsBos).toBe(true);
    expect(modelFamily('mistralai/Mistral-7B-v0.1')?.addsBos).toBe(true);
    expect(modelFamily('google/gemma-2-9b')?.addsBos).toBe(true);
    expect(modelFamily('Qwen/Qwen2.5-32B')?.addsBos).toBe(false);
    expect(modelFamily('Qwen/Qwen3-8B-Base')?.addsBos).toBe(false);
    expect(modelFamily('gpt2')?.addsBos).toBe(false);
    expect(modelFamily('EleutherAI/pythia-14m')?.addsBos).toBe(false);
    expect(modelFamily('tiiuae/falcon-7b')?.addsBos).toBeNull();
    expect(modelFamily('org/model')).toBeNull();
  });

  test('reads the family of a local path from its last folder', () => {
    expect(modelFamily('/models/Meta-Llama-3-8B')?.name).toBe('Llama 3');
  });
});
