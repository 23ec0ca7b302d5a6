/**
 * Speed of the local base-model guard on the tiny generated GGUF, each figure beside a peer in the same run:
 *
 *   load         getLlama (binary check) and loadModel + createContext
 *   tokens/s     greedy generation through the bare sequence, threads 1 and threads = cores
 *   critic       compareOptions(prompt, [" A", " B"]) calls per second, beside a bare controlledEvaluate
 *   attestation  LocalModel.complete (text check, fresh context, token check after) vs a bare
 *                LlamaCompletion.generateCompletion on a fresh context, same prompt and tokens,
 *                interleaved                                                  target: overhead under 5%
 *
 *   npm run bench:llm                   # build, then: node dist/bench/llm.js
 *   node dist/bench/llm.js --rounds 40 --tokens 64
 *
 * Times are reported, never asserted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { getLlama, LlamaCompletion, LlamaLogLevel } from 'node-llama-cpp';

import { openLocalModel } from '../src/index.js';
import { DEFAULT_EXAMPLES, fewShotPrompt, seededRandom } from '../src/llm/fewshot.js';
import { defaultThreads } from '../src/llm/runtime.js';
import { tinyGguf } from '../test/helpers/gguf.js';
import { median, parseArgs, runBench } from './common.js';

const PROMPT = fewShotPrompt('Write a short sentence about the sea:', DEFAULT_EXAMPLES, seededRandom(1, 1)).prompt;
const QUESTION = 'Question: Which option is correct? Answer:';

async function ms<T>(f: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function tokensPerSecond(file: string, threads: number, tokens: number): Promise<{ getLlama: number; load: number; tps: number }> {
  const t0 = performance.now();
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.error });
  const t1 = performance.now();
  // provenant: ignore[LOAD001] raw runtime speed is the figure: no guard may sit in between
  const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 512, threads });
  const t2 = performance.now();
  const sequence = context.getSequence();
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    await sequence.clearHistory();
    let n = 0;
    const t = performance.now();
    for await (const _token of sequence.evaluate(model.tokenize(QUESTION), { temperature: 0 })) if (++n >= tokens) break;
    runs.push((n / (performance.now() - t)) * 1000);
  }
  await llama.dispose();
  return { getLlama: t1 - t0, load: t2 - t1, tps: median(runs) };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs(argv, ['rounds', 'tokens'], []);
  const rounds = Number(values.get('rounds')?.[0] ?? 30);
  const tokens = Number(values.get('tokens')?.[0] ?? 64);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-llm-'));
  const file = path.join(dir, 'tiny.gguf');
  writeFileSync(file, tinyGguf());
  try {
    const cores = defaultThreads();
    console.log(`tiny GGUF (${(tinyGguf().length / 1024).toFixed(0)} KB, 125K parameters), ${cores} cores, load average ${os.loadavg()[0]?.toFixed(2)}`);
    for (const threads of [...new Set([1, cores])]) {
      const r = await tokensPerSecond(file, threads, 256);
      console.log(`threads ${threads}: getLlama ${r.getLlama.toFixed(0)} ms, loadModel+createContext ${r.load.toFixed(1)} ms, greedy generation ${r.tps.toFixed(0)} tokens/s`);
    }

    // the attested path and the bare peer share one runtime, so they differ only in what provenant adds
    const model = await openLocalModel(file, { threads: 1 });
    const bareLlama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error });
    // provenant: ignore[LOAD001] the bare peer the attested path is measured against
    const bareModel = await bareLlama.loadModel({ modelPath: file, gpuLayers: 0 });
    const bareSequence = (await bareModel.createContext({ contextSize: 512, threads: 1 })).getSequence();
    const completion = new LlamaCompletion({ contextSequence: bareSequence });
    const bare = async (): Promise<void> => {
      await bareSequence.clearHistory();
      await completion.generateCompletion(PROMPT, { maxTokens: tokens, temperature: 0 });
    };
    const attested = async (): Promise<void> => void (await model.complete(PROMPT, { maxTokens: tokens, temperature: 0 }));
    const [A] = bareModel.tokenize(' A');
    const [B] = bareModel.tokenize(' B');
    const q = bareModel.tokenize(QUESTION);
    const bareCritic = async (): Promise<void> => {
      await bareSequence.clearHistory();
      await bareSequence.controlledEvaluate([...q.slice(0, -1), [q.at(-1)!, { generateNext: { logits: { filter: { tokens: [A!, B!], includeTop: 1 } }, totalLogitWeight: true } }]]);
    };
    const critic = async (): Promise<void> => void (await model.compareOptions(QUESTION, [' A', ' B']));
    for (let w = 0; w < 3; w++) for (const f of [bare, attested, bareCritic, critic]) await f();
    const times = { bare: [] as number[], attested: [] as number[], bareCritic: [] as number[], critic: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      times.bare.push(await ms(bare));
      times.attested.push(await ms(attested));
      times.bareCritic.push(await ms(bareCritic));
      times.critic.push(await ms(critic));
    }
    const [b, a, bc, c] = [median(times.bare), median(times.attested), median(times.bareCritic), median(times.critic)];
    console.log(`critic: compareOptions ${(1000 / c).toFixed(0)} calls/s (${c.toFixed(2)} ms) vs bare controlledEvaluate ${(1000 / bc).toFixed(0)} calls/s (${bc.toFixed(2)} ms)`);
    console.log(`attestation: complete ${a.toFixed(2)} ms vs bare LlamaCompletion ${b.toFixed(2)} ms for a ${model.tokenize(PROMPT).length}-token prompt + ${tokens} tokens (median of ${rounds}): overhead ${(((a - b) / b) * 100).toFixed(1)}% (target < 5%)`);
    await model.dispose();
    await bareLlama.dispose();
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
