import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeConfig } from '../schemas/config-normalize.js';
import { ConfigSchema } from '../schemas/config.js';
import { runQc } from './qc.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-qc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function policies(toml: Record<string, unknown>) {
  return normalizeConfig(ConfigSchema.parse({ provenance: { qc: toml } })).provenance.qc;
}

function file(name: string, lines: unknown[] | string): string {
  const abs = path.join(dir, name);
  writeFileSync(abs, typeof lines === 'string' ? lines : lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return abs;
}

function failed(results: ReturnType<typeof runQc>): string[] {
  return results.flatMap((r) => r.checks.filter((c) => !c.passed).map((c) => c.name));
}

describe('QC policies', () => {
  const sft = policies({ sft: { kind: 'sft', paths: ['sft/*.jsonl'], 'required-fields': ['instruction', 'response'], 'max-duplicate-rate': 0 } });
  const pref = policies({ dpo: { kind: 'preference', paths: ['pairs/*.jsonl'], 'max-pairs-per-instruction': 2, 'max-boilerplate-rate': 0.3 } });
  const evals = policies({ ev: { kind: 'eval', paths: ['reports/*.json'], 'required-fields': ['accuracy', 'by_type.completion'] } });

  it('applies only to matching paths', () => {
    expect(runQc(file('x.jsonl', [{ a: 1 }]), 'other/x.jsonl', sft)).toEqual([]);
  });

  it('passes clean SFT data', () => {
    const abs = file('good.jsonl', [
      { instruction: 'q1', response: 'a1', prompt: 'Q: q1\nA:', completion: ' a1', formatted_text: 'Q: q1\nA: a1' },
      { instruction: 'q2', response: 'a2' },
    ]);
    const [r] = runQc(abs, 'sft/good.jsonl', sft);
    expect(r).toMatchObject({ policy: 'sft', kind: 'sft', passed: true });
  });

  it('finds missing fields, placeholder and empty responses, a stored prompt that is not the one used, duplicates', () => {
    const abs = file('bad.jsonl', [
      { instruction: 'q1', response: '[GENERATION FAILED]' },
      { instruction: 'q2', response: '   ' },
      { instruction: 'q3' },
      { instruction: 'q4', response: 'a4', prompt: 'Instruction: q4', completion: 'a4', formatted_text: 'Few-shot…\nq4\na4' },
      { instruction: 'q5', response: 'a5' },
      { instruction: 'q5', response: 'a5' },
    ]);
    const results = runQc(abs, 'sft/bad.jsonl', sft);
    expect(failed(results).sort()).toEqual(['duplicate-rate', 'empty-or-placeholder-rate', 'required-fields', 'stored-prompt-matches']);
    const checks = results[0]?.checks ?? [];
    expect(checks.find((c) => c.name === 'required-fields')?.detail).toBe('line 3: no response');
    expect(checks.find((c) => c.name === 'stored-prompt-matches')?.detail).toBe('line 4: formatted_text is not prompt + completion');
  });

  it('reports a line that is not JSON', () => {
    const abs = file('broken.jsonl', '{"instruction": "q", "response": "a"}\n{oops\n');
    const checks = runQc(abs, 'sft/broken.jsonl', sft)[0]?.checks ?? [];
    expect(checks[0]).toMatchObject({ name: 'parseable', passed: false });
    expect(String(checks[0]?.value)).toMatch(/^line 2: /);
  });

  it('checks preference pairs: chosen = rejected, pairs per instruction, margins, boilerplate negatives', () => {
    const abs = file('pairs.jsonl', [
      { instruction: 'a', chosen: 'x', rejected: 'x', margin: 1.2 },
      { instruction: 'a', chosen: 'y', rejected: 'I cannot help with that.', margin: -0.4 },
      { instruction: 'a', chosen: 'z', rejected: 'I cannot help with that.', margin: 0.5 },
      { instruction: 'b', chosen: 'w', rejected: 'I cannot help with that.', margin: 0.9 },
    ]);
    const results = runQc(abs, 'pairs/p.jsonl', pref);
    expect(failed(results).sort()).toEqual(['boilerplate-negative-rate', 'chosen-differs-from-rejected', 'margins', 'pairs-per-instruction']);
    expect(results[0]?.checks.find((c) => c.name === 'boilerplate-negative-rate')?.detail).toBe('3 pairs reject "I cannot help with that."');
    const ok = file('pairs-ok.jsonl', [
      { instruction: 'a', chosen: 'good', rejected: 'bad', margin: 0.7 },
      { instruction: 'b', chosen: 'fine', rejected: 'worse' },
    ]);
    expect(runQc(ok, 'pairs/ok.jsonl', pref)[0]?.passed).toBe(true);
  });

  it('checks that an eval report has its metrics, nested ones included', () => {
    const ok = file('r.json', JSON.stringify({ accuracy: 0.71, by_type: { completion: 0.8 } }));
    expect(runQc(ok, 'reports/r.json', evals)[0]?.passed).toBe(true);
    const bad = file('r2.json', JSON.stringify({ accuracy: 'n/a' }));
    expect(failed(runQc(bad, 'reports/r2.json', evals))).toEqual(['metric:accuracy', 'metric:by_type.completion']);
    expect(failed(runQc(file('r3.json', '{'), 'reports/r3.json', evals))).toEqual(['parseable']);
  });
});
