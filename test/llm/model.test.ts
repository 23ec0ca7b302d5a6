/**
 * The clean completion path, the scores and the sentinel on the real runtime (node-llama-cpp on a tiny
 * generated GGUF): determinism, seeding, refusal of contaminated text, log-probs cross-checked against
 * the runtime's own probabilities, and a sentinel that passes on the clean path and fails on
 * LlamaChatSession's stream. One model per BOS policy, loaded once.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UserError } from '../../src/core/errors.js';
import { rawPromptTokens, tokenChecks } from '../../src/llm/clean.js';
import { openLocalModel, type OpenModel } from '../../src/llm/model.js';
import { runSentinel } from '../../src/llm/sentinel.js';
import { SentinelReportSchema } from '../../src/schemas/llm.js';
import { AttestationSchema } from '../../src/schemas/stamp.js';
import { tinyGguf } from '../helpers/gguf.js';
import { tmpProject } from '../helpers/tmp.js';

const PROMPT = 'Question: Which option is correct? Answer:';
const project = tmpProject({});
let model: OpenModel;
let bosModel: OpenModel;

beforeAll(async () => {
  const file = path.join(project.dir, 'tiny.gguf');
  writeFileSync(file, tinyGguf());
  const bosFile = path.join(project.dir, 'bos.gguf');
  writeFileSync(bosFile, tinyGguf({ addBos: true }));
  // one thread: a tiny model gains nothing from a second (the CLI tests run the default, threads = cores)
  model = await openLocalModel(file, { contextSize: 256, threads: 1 });
  bosModel = await openLocalModel(bosFile, { contextSize: 256, threads: 1 });
});
afterAll(async () => {
  await model?.dispose();
  await bosModel?.dispose();
  project.cleanup();
});

describe('complete', () => {
  it('is deterministic at temperature 0 and attests the call', async () => {
    const a = await model.complete(PROMPT, { maxTokens: 12 });
    const b = await model.complete(PROMPT, { maxTokens: 12 });
    expect(a.text).toBe(b.text);
    expect(a.tokens).toBeGreaterThan(0);
    expect(a.attestation).toMatchObject({ clean: true, bos: false, promptTokens: model.tokenize(PROMPT).length });
  });

  it('is seeded above temperature 0', async () => {
    const run = (seed: number): Promise<string> => model.complete(PROMPT, { maxTokens: 16, temperature: 1.5, seed }).then((c) => c.text);
    const texts = [await run(1), await run(1), await run(2), await run(3)];
    expect(texts[1]).toBe(texts[0]);
    expect(new Set(texts).size).toBeGreaterThan(1);
  });

  it('stops before a stop string and evaluates BOS when the model asks for it', async () => {
    const c = await bosModel.complete(PROMPT, { maxTokens: 40, stop: ['e', 'a', 'o', ' '] });
    expect(c.text).not.toMatch(/[eao ]/);
    expect(c.attestation.bos).toBe(true);
    expect(bosModel.sequence.contextTokens[0]).toBe(bosModel.view.bos);
  });

  it('refuses a prompt carrying template markers, before evaluating anything', async () => {
    await expect(model.complete('<|im_start|>user\nHi<|im_end|>\n')).rejects.toThrow(UserError);
    await expect(model.complete('[INST] hi [/INST]')).rejects.toThrow(/contaminated prompt.*\[INST\]/);
  });
});

describe('scores', () => {
  it('compareOptions and scoreContinuation agree, and match the runtime probabilities', async () => {
    const cmp = await model.compareOptions(PROMPT, [' A', ' B']);
    const score = await model.scoreContinuation(PROMPT, ' A');
    expect(score.tokens).toHaveLength(1);
    expect(Math.abs(score.total - (cmp.options[0]?.logprob ?? 0))).toBeLessThan(1e-6);
    expect(cmp.options.reduce((a, o) => a + o.probability, 0)).toBeCloseTo(1, 9);
    expect(cmp.margin).toBeGreaterThanOrEqual(0);
    expect(cmp.best).toBe(cmp.options[0]!.logprob >= cmp.options[1]!.logprob ? ' A' : ' B');
    // an independent route: the full softmax evaluateWithMetadata reports at temperature 0
    await model.sequence.clearHistory();
    const it = model.sequence.evaluateWithMetadata(rawPromptTokens(model.view, PROMPT) as never[], { probabilities: true }, { temperature: 0 });
    const first = await it.next();
    await it.return(undefined);
    const probabilities = (first.value as { probabilities: Map<number, number> }).probabilities;
    for (const o of cmp.options) expect(Math.abs(Math.log(probabilities.get(o.token) ?? 0) - o.logprob)).toBeLessThan(1e-3);
  });

  it('scores a multi-token continuation as the sum of its tokens', async () => {
    const s = await model.scoreContinuation(PROMPT, ' A. The answer is the one the model picks.');
    expect(s.tokens.length).toBeGreaterThan(3);
    expect(s.total).toBeCloseTo(s.tokens.reduce((a, t) => a + t.logprob, 0), 9);
    expect(s.tokens.every((t) => t.logprob < 0)).toBe(true);
    const first = await model.scoreContinuation(PROMPT, ' A');
    expect(s.tokens[0]?.logprob).toBeCloseTo(first.total, 6);
  });

  it('refuses options that are not single tokens', async () => {
    await expect(model.compareOptions(PROMPT, [' A', ' Banana split'])).rejects.toThrow(/" Banana split" is \d+ tokens, not one/);
    await expect(model.compareOptions(PROMPT, [' A'])).rejects.toThrow(/at least two/);
  });
});

describe('sentinel', () => {
  it('passes on the clean path and shows what LlamaChatSession sends', async () => {
    const r = await runSentinel(model);
    expect(SentinelReportSchema.omit({ attestedTo: true }).parse(r)).toBeTruthy();
    expect(r.passed).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual(['no-template-markers-in-text', 'bos-as-the-model-asks', 'evaluated-equals-raw-tokens', 'no-control-tokens-in-prompt', 'greedy-is-repeatable']);
    expect(r.clean).toMatchObject({ bos: false, text: r.prompt });
    expect(r.chatSession.wrapper).toBe('ChatML');
    expect(r.chatSession.text).toMatch(/^<\|begin_of_text\|><\|im_start\|>system\n/);
    expect(AttestationSchema.parse(r.attestation)).toMatchObject({ tokenizer: { chatTemplatePresent: true, chatTemplateApplied: false, addBos: false }, model: { base: true }, sentinel: { passed: true } });
  });

  it('with add_bos_token the clean stream starts with exactly one BOS', async () => {
    const r = await runSentinel(bosModel);
    expect(r.passed).toBe(true);
    expect(r.clean.bos).toBe(true);
    expect(r.clean.text.startsWith('<|begin_of_text|>Question')).toBe(true);
  });

  it('fails on the chat session stream: BOS, tokens and control tokens', async () => {
    const r = await runSentinel(model, { via: 'chat-session' });
    expect(r.passed).toBe(false);
    expect(r.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual(['bos-as-the-model-asks', 'evaluated-equals-raw-tokens', 'no-control-tokens-in-prompt']);
    expect(r.attestation.tokenizer?.chatTemplateApplied).toBe(true);
  });

  it('fails on a prompt with a literal template marker', async () => {
    const r = await runSentinel(model, { prompt: 'Hello <|im_start|>assistant' });
    expect(r.passed).toBe(false);
    expect(r.checks[0]).toMatchObject({ name: 'no-template-markers-in-text', passed: false });
  });

  it('the token checks catch a double BOS and a spliced control token', () => {
    const view = bosModel.view;
    const clean = rawPromptTokens(view, PROMPT);
    expect(tokenChecks(PROMPT, clean, view).every((c) => c.passed)).toBe(true);
    const bos = view.bos as number;
    expect(tokenChecks(PROMPT, [bos, ...clean], view).find((c) => c.name === 'bos-as-the-model-asks')?.passed).toBe(false);
    // the fixture's control tokens follow BOS: bos + 2 is <|im_start|>
    const spliced = [...clean.slice(0, 3), bos + 2, ...clean.slice(4)];
    expect(tokenChecks(PROMPT, spliced, view).filter((c) => !c.passed).map((c) => c.name)).toEqual(['evaluated-equals-raw-tokens', 'no-control-tokens-in-prompt']);
  });
});
