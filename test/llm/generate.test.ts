/**
 * `provenant generate` through the built CLI on a real git project and the tiny GGUF: malformed lines
 * reported and skipped, the stored prompt being exactly what the model completed, the
 * critic's recorded margins, best-of-K preference pairs, stamping, bad input, and Ctrl-C (a real SIGINT
 * to the child): nothing stamped, and the rerun resumes to the same file an uninterrupted run writes.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openLocalModel } from '../../src/index.js';
import { DEFAULT_EXAMPLES, FEW_SHOT_STOP, fewShotPrompt, HEADER, seededRandom } from '../../src/llm/fewshot.js';
import { GenerateResultSchema } from '../../src/schemas/llm.js';
import { StatementSchema } from '../../src/schemas/stamp.js';
import { BIN, provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { tinyGguf } from '../helpers/gguf.js';

const TOPICS = ['gravity', 'rain', 'winter', 'dogs', 'the moon', 'bread', 'rivers', 'music', 'chess', 'light'];
const jsonl = (rows: unknown[]): string => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
const records = (file: string): Record<string, unknown>[] => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

let repo: GitDir;
beforeAll(() => {
  repo = makeGitDir({
    'models/tiny.gguf': tinyGguf(),
    // a vocabulary with a control token spelled like ordinary few-shot text: the sentinel's prompt holds it
    'models/answer-control.gguf': tinyGguf({ extraControls: ['Answer:'] }),
    'data/in.jsonl': jsonl([
      { instruction: 'What is gravity?', id: 'g1' },
      { instruction: 'Write a short sentence about rain:' },
      '{"instruction": "broken',
      { instruction: 'Explain what a river is:' },
      { prompt: 'no instruction field' },
      { instruction: '<|im_start|>user\nsmuggled<|im_end|>' },
    ]),
    'data/many.jsonl': jsonl(Array.from({ length: 24 }, (_, i) => ({ instruction: `Write one sentence about ${TOPICS[i % TOPICS.length]} (${i}):` }))),
    'data/bad.jsonl': jsonl(['nope', '[1, 2]']),
  });
});
afterAll(() => repo.cleanup());

// One thread: on a tiny model a second one only adds synchronisation (5× slower on a busy 2-core machine).
const gen = (extra: string[]): ReturnType<typeof provenant> => provenant(['generate', '--model', 'models/tiny.gguf', '--max-tokens', '8', '--threads', '1', ...extra], repo.root);

describe('generate', () => {
  it('skips malformed lines by number, stores the exact prompt, stamps, and is deterministic', async () => {
    const r = gen(['--instructions', 'data/in.jsonl', '--out', 'out/sft.jsonl', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = GenerateResultSchema.parse(JSON.parse(r.stdout));
    expect(result).toMatchObject({ kind: 'done', records: 3, rejected: 0, resumed: 0, sidecar: 'out/sft.jsonl.prov.json' });
    expect(r.stderr).toMatch(/data\/in\.jsonl:3: not JSON .*; skipped/);
    expect(r.stderr).toMatch(/data\/in\.jsonl:5: no "instruction" string; skipped/);
    expect(r.stderr).toMatch(/data\/in\.jsonl:6: the instruction contains chat-template markers \(<\|im_start\|>, <\|im_end\|>\); skipped/);
    const rows = records(path.join(repo.root, 'out/sft.jsonl'));
    expect(rows.map((x) => [x.id, x.line])).toEqual([['g1', 1], ['line-2', 2], ['line-4', 4]]);
    for (const row of rows) {
      const expected = fewShotPrompt(String(row.instruction), DEFAULT_EXAMPLES, seededRandom(0, Number(row.line)));
      expect(row.prompt).toBe(expected.prompt);
      expect(String(row.prompt).startsWith(`${HEADER}\n\n`) && String(row.prompt).endsWith(`\n\n${String(row.instruction)}\n`)).toBe(true);
      expect([3, 4]).toContain((row.examples as number[]).length);
      expect(String(row.prompt)).not.toMatch(/Instruction:|<\|/);
    }
    // the stored prompt is the prompt the model completed: completing it again gives the stored text
    const model = await openLocalModel('models/tiny.gguf', { cwd: repo.root, threads: 1 });
    try {
      const again = await model.complete(String(rows[0]?.prompt), { maxTokens: 8, temperature: 0, seed: Number(rows[0]?.seed), stop: [...FEW_SHOT_STOP] });
      expect(again.text).toBe(rows[0]?.completion);
    } finally {
      await model.dispose();
    }
    const stamp = StatementSchema.parse(JSON.parse(readFileSync(path.join(repo.root, 'out/sft.jsonl.prov.json'), 'utf8')));
    const att = stamp.predicate.provenant.attestation;
    expect(att).toMatchObject({ seed: 0, model: { format: 'gguf', base: true }, tokenizer: { chatTemplateApplied: false }, sampling: { temperature: 0, maxTokens: 8, bestOf: 1 } });
    expect(att?.sentinel?.checks?.at(-1)).toEqual({ name: 'every-call-clean', passed: true });
    expect(stamp.predicate.provenant.inputs.map((i) => i.path)).toEqual(['data/in.jsonl']);
    expect(provenant(['verify', 'out/sft.jsonl'], repo.root).code).toBe(0);
    expect(existsSync(path.join(repo.root, 'out/sft.jsonl.partial'))).toBe(false);

  });

  it('the critic records its margin and drops records below --min-margin', () => {
    const kept = gen(['--instructions', 'data/in.jsonl', '--out', 'out/critic.jsonl', '--critic', '--min-margin=-1000']);
    expect(kept.code, kept.stderr).toBe(0);
    for (const row of records(path.join(repo.root, 'out/critic.jsonl'))) {
      const c = row.critic as { margin: number; logprob_a: number; logprob_b: number };
      expect(c.logprob_a).toBeLessThan(0);
      expect(c.margin).toBeCloseTo(c.logprob_a - c.logprob_b, 5);
    }
    const dropped = gen(['--instructions', 'data/in.jsonl', '--out', 'out/none.jsonl', '--critic', '--min-margin', '1000']);
    expect(dropped.code).toBe(0);
    expect(dropped.stdout).toMatch(/out\/none\.jsonl: 0 record\(s\), 3 dropped/);
  });

  it('--best-of K writes preference pairs, best against the rest, with margins', () => {
    const r = gen(['--instructions', 'data/in.jsonl', '--out', 'out/pairs.jsonl', '--best-of', '3', '--temperature', '1.5', '--seed', '7']);
    expect(r.code, r.stderr).toBe(0);
    const pairs = records(path.join(repo.root, 'out/pairs.jsonl'));
    expect(pairs.length).toBeGreaterThan(0);
    for (const p of pairs) {
      expect(p.chosen).not.toBe(p.rejected);
      expect(Number(p.margin)).toBeGreaterThan(0);
      expect(Number(p.margin)).toBeCloseTo(Number(p.chosen_score) - Number(p.rejected_score), 5);
      expect(p.chosen_seed).not.toBe(p.rejected_seed);
    }
    const perLine = new Map<unknown, number>();
    for (const p of pairs) perLine.set(p.line, (perLine.get(p.line) ?? 0) + 1);
    expect(Math.max(...perLine.values())).toBeLessThanOrEqual(2);
  });

  it('bad input exits 2 and writes nothing', () => {
    const cases: [string[], RegExp][] = [
      [['--model', 'models/none.gguf', '--instructions', 'data/in.jsonl', '--out', 'out/x.jsonl'], /models\/none\.gguf: no such file/],
      [['--instructions', 'data/missing.jsonl', '--out', 'out/x.jsonl'], /data\/missing\.jsonl: no such file/],
      [['--instructions', 'data/bad.jsonl', '--out', 'out/x.jsonl'], /data\/bad\.jsonl: no usable instruction \(2 line\(s\) skipped\)/],
      [['--instructions', 'data/in.jsonl', '--out', '../x.jsonl'], /--out \.\.\/x\.jsonl: outside the project/],
      [['--instructions', 'data/in.jsonl', '--out', 'out/x.jsonl', '--best-of', '2', '--temperature', '0'], /--best-of needs --temperature above 0/],
      [['--instructions', 'data/in.jsonl', '--out', 'out/x.jsonl', '--seed', 'abc'], /--seed abc: expected a number/],
      [['--instructions', 'data/in.jsonl', '--out', 'data/in.jsonl/x.jsonl'], /cannot write data\/in\.jsonl\/x\.jsonl: EEXIST/],
    ];
    for (const [args, message] of cases) {
      const r = provenant(['generate', '--model', 'models/tiny.gguf', ...args], repo.root);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(path.join(repo.root, 'out/x.jsonl')) || existsSync(path.join(repo.root, 'out/x.jsonl.partial'))).toBe(false);
  });
});

describe('a failing sentinel', () => {
  it('refuses to generate: exit 1, the failed check named, nothing written or stamped', () => {
    const r = provenant(['generate', '--model', 'models/answer-control.gguf', '--threads', '1', '--instructions', 'data/in.jsonl', '--out', 'out/refused.jsonl'], repo.root);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the sentinel failed; nothing was generated: no-template-markers-in-text: the prompt text contains "Answer:"/);
    for (const f of ['out/refused.jsonl', 'out/refused.jsonl.partial', 'out/refused.jsonl.prov.json']) expect(existsSync(path.join(repo.root, f)), f).toBe(false);
  });
});

describe('Ctrl-C', () => {
  const out = path.join('out', 'many.jsonl');
  const args = ['generate', '--model', 'models/tiny.gguf', '--instructions', 'data/many.jsonl', '--max-tokens', '4', '--threads', '1', '--out'];

  it('leaves an unstamped partial file; the rerun resumes to what an uninterrupted run writes', async () => {
    const child = spawn(process.execPath, [BIN, ...args, out], { cwd: repo.root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const partial = path.join(repo.root, `${out}.partial`);
    // interrupt once a few records are in, well before the end
    for (let i = 0; i < 6000 && (!existsSync(partial) || readFileSync(partial, 'utf8').split('\n').length < 4); i++) await sleep(5);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted; \d+ record\(s\) kept in .*many\.jsonl\.partial \(not stamped\)/);
    expect(existsSync(path.join(repo.root, out))).toBe(false);
    expect(existsSync(path.join(repo.root, `${out}.prov.json`))).toBe(false);
    const kept = records(partial);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(24);
    appendFileSync(partial, '{"id": "torn'); // a write cut short: only whole lines count

    const resumed = provenant([...args, out], repo.root);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming many\.jsonl\.partial: \d+ instruction\(s\) already done/);
    expect(resumed.stdout).toMatch(/24 record\(s\) \(\d+ resumed\)/);
    const final = records(path.join(repo.root, out));
    expect(final.map((r) => r.line)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(final.slice(0, kept.length)).toEqual(kept);
    expect(existsSync(path.join(repo.root, `${out}.prov.json`))).toBe(true);

    const reference = provenant([...args, 'out/reference.jsonl'], repo.root);
    expect(reference.code).toBe(0);
    expect(readFileSync(path.join(repo.root, out), 'utf8')).toBe(readFileSync(path.join(repo.root, 'out/reference.jsonl'), 'utf8'));
  });
});
