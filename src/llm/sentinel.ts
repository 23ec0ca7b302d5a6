/**
 * `provenant model sentinel`: proves the clean completion path is clean on the real runtime. It generates
 * a few tokens from a prompt through the path provenant uses, then checks what llama.cpp actually
 * evaluated (BOS as the model asks, exactly the raw prompt tokens, no control tokens, no template markers
 * in the text, greedy decoding repeatable), and shows beside it what `LlamaChatSession` sends for the same
 * prompt. `via: 'chat-session'` runs the same checks on the chat session's stream instead, where they must
 * fail: the proof that the checks can see contamination at all.
 */
import { rawPromptTokens, textCheck, tokenChecks, type Check } from './clean.js';
import type { SentinelOptions, SentinelReport, StreamView } from './types.js';
import type { OpenModel } from './model.js';
import { modelAttestation } from './attest.js';

export const DEFAULT_SENTINEL_PROMPT = 'Question: What is the capital of France?\nAnswer:';

export async function runSentinel(model: OpenModel, options: SentinelOptions = {}): Promise<SentinelReport> {
  const prompt = options.prompt ?? DEFAULT_SENTINEL_PROMPT;
  const via = options.via ?? 'clean';
  const checks: Check[] = [textCheck(prompt, model.view)];
  const expected = rawPromptTokens(model.view, prompt);
  const chat = await chatSessionStream(model, prompt);
  let clean: StreamView = { text: model.view.render(expected), tokens: expected.length, bos: model.view.addBos };
  if (via === 'chat-session') {
    checks.push(...tokenChecks(prompt, chat.evaluated, model.view));
  } else if (checks[0]?.passed) {
    const first = await model.complete(prompt, { maxTokens: 8, temperature: 0 });
    const evaluated = model.sequence.contextTokens.slice(0, expected.length);
    checks.push(...tokenChecks(prompt, model.sequence.contextTokens, model.view));
    const second = await model.complete(prompt, { maxTokens: 8, temperature: 0 });
    checks.push({ name: 'greedy-is-repeatable', passed: first.text === second.text, detail: first.text === second.text ? 'two greedy runs gave the same text' : `${JSON.stringify(first.text)} then ${JSON.stringify(second.text)}` });
    clean = { text: model.view.render(evaluated), tokens: evaluated.length, bos: evaluated[0] === model.view.bos };
  }
  const passed = checks.every((c) => c.passed);
  const { evaluated: _unused, ...chatView } = chat;
  return {
    model: { path: model.report.path, sha256: model.report.sha256, name: model.report.name },
    prompt,
    via,
    passed,
    checks,
    clean,
    chatSession: chatView,
    attestation: {
      ...modelAttestation(model.report, model.view.addBos, via === 'chat-session'),
      sentinel: { passed, checks: checks.map((c) => ({ name: c.name, passed: c.passed })) },
    },
  };
}

/** What `new LlamaChatSession({contextSequence}).prompt(prompt)` evaluates, captured after one token. */
async function chatSessionStream(model: OpenModel, prompt: string): Promise<StreamView & { wrapper: string; evaluated: number[] }> {
  const { LlamaChatSession } = model.runtime.mod;
  await model.sequence.clearHistory();
  const session = new LlamaChatSession({ contextSequence: model.sequence, autoDisposeSequence: false });
  try {
    await session.prompt(prompt, { maxTokens: 1 });
    // the sampled token is not evaluated yet, so the context holds exactly what the session sent
    const evaluated = [...model.sequence.contextTokens];
    return {
      wrapper: session.chatWrapper.wrapperName,
      text: model.view.render(evaluated),
      tokens: evaluated.length,
      bos: model.view.bos !== null && evaluated[0] === model.view.bos,
      evaluated,
    };
  } finally {
    session.dispose({ disposeSequence: false });
    await model.sequence.clearHistory();
  }
}
