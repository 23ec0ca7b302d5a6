import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { PipelineRunResult, StageEvent } from '../pipeline/runner.js';
import { textOf, type Line } from './lines.js';
import { initialProgress, reduceProgress, type ProgressState } from './pipeline-progress.js';
import { clock, progressLines, windowed } from './pipeline-progress-lines.js';

const META = { spec: 'provenant.pipeline.yaml', smoke: true };
const T0 = 1_000_000;

function feed(events: StageEvent[], state = initialProgress(T0), at = T0 + 2000): ProgressState {
  return events.reduce((s, event) => reduceProgress(s, { type: 'event', event, at }), state);
}
const start = (stage: string, index: number, total: number): StageEvent => ({ type: 'start', stage, index, total, reasons: ['changed'], argv: ['python3', 'stages/train.py', '--out', `out/${stage}`] });
const ran = (stage: string): StageEvent => ({ type: 'finish', stage, outcome: 'ran', reasons: ['changed'], ms: 1234 });
const logs = (stage: string, n: number): StageEvent => ({ type: 'output', stage, text: Array.from({ length: n }, (_, i) => `step ${i}\n`).join(''), stream: 'stdout' });
const texts = (lines: Line[]): string[] => lines.map(textOf);

function fitsIn(lines: Line[], columns: number, rows: number): void {
  expect(lines.length).toBeLessThanOrEqual(rows - 1);
  for (const l of texts(lines)) expect(stringWidth(l)).toBeLessThanOrEqual(columns);
}

/** Lab-like: two done, one refused, the fourth running with a long log, seven more to come. */
function midRun(): ProgressState {
  return feed([
    start('sentinel', 0, 11), ran('sentinel'),
    { type: 'gate', stage: 'sentinel', outcome: { gate: 'g', passed: true, value: true, message: 'reports/sentinel.json:passed = true, meets == true' } },
    start('baseline-eval', 1, 11), ran('baseline-eval'),
    { type: 'finish', stage: 'dpo-legacy', outcome: 'refused', reasons: ['input artifacts/pairs_v1.jsonl is quarantined: made by a deprecated script'], ms: 3 },
    start('sft-train', 3, 11), logs('sft-train', 40),
  ]);
}

describe('progressLines', () => {
  it('keeps log lines of CJK and emoji within the terminal, cut by the columns they take', () => {
    const output: StageEvent = { type: 'output', stage: 'sft-train', text: `${'訓練ステップ🚀完了 '.repeat(12)}\nstep 1 ✅ 損失 0.42\n`, stream: 'stdout' };
    const state = feed([start('sft-train', 0, 1), output]);
    const lines = progressLines(state, META, { columns: 60, rows: 24 }, T0 + 5_000);
    fitsIn(lines, 60, 24);
    const log = texts(lines).filter((l) => l.startsWith('  │ '));
    expect(log).toEqual([expect.stringMatching(/^ {2}│ 訓練ステップ🚀完了 .*…$/), '  │ step 1 ✅ 損失 0.42']);
    expect(stringWidth(log[0] as string)).toBeGreaterThanOrEqual(59);
  });

  it('fits 80×24 mid-run: header, marks, the running stage with its time, the command and the newest output', () => {
    const lines = texts(progressLines(midRun(), META, { columns: 80, rows: 24 }, T0 + 65_000));
    fitsIn(progressLines(midRun(), META, { columns: 80, rows: 24 }, T0 + 65_000), 80, 24);
    expect(lines).toHaveLength(23);
    expect(lines[0]).toBe('provenant pipeline provenant.pipeline.yaml (smoke)  3/11 stages · 1:05');
    expect(lines.slice(1, 7)).toEqual([
      ' ✓ sentinel      ran in 1.2s',
      '     gate passed: reports/sentinel.json:passed = true, meets == true',
      ' ✓ baseline-eval ran in 1.2s',
      ' ✗ dpo-legacy    refused: input artifacts/pairs_v1.jsonl is quarantined: made b…',
      ' ▶ sft-train     running 1:03',
      ' · 7 more stages to go',
    ]);
    expect(lines[7]).toBe('  $ python3 stages/train.py --out out/sft-train');
    // the rest of the screen is the output's tail, newest last
    expect(lines[8]).toBe('  │ step 25');
    expect(lines[22]).toBe('  │ step 39');
  });

  it('a list longer than the screen scrolls to keep the running stage in view and leaves rows for output', () => {
    const events: StageEvent[] = [];
    for (let i = 0; i < 30; i++) events.push(start(`stage-${i}`, i, 40), ran(`stage-${i}`));
    events.push(start('stage-30', 30, 40), logs('stage-30', 10));
    const shown = progressLines(feed(events), META, { columns: 80, rows: 24 }, T0 + 5000);
    fitsIn(shown, 80, 24);
    const lines = texts(shown);
    expect(lines[1]).toMatch(/^ {3}… 15 more above$/);
    expect(lines.some((l) => l.includes('▶ stage-30'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('  │ '))).toEqual(['  │ step 7', '  │ step 8', '  │ step 9']);
  });

  it('the final frame: every stage, the gate that failed and where the run stopped; no output of a stage that ran', () => {
    let s = feed([start('sft-eval', 0, 3), logs('sft-eval', 5), ran('sft-eval'),
      { type: 'gate', stage: 'sft-eval', outcome: { gate: 'g', passed: false, value: 0.44, message: 'reports/sft_eval.json:accuracy = 0.444, needs >= 0.7' } }]);
    const result: PipelineRunResult = {
      stages: [{ id: 'sft-eval', outcome: 'ran', reasons: [] }, { id: 'pairs', outcome: 'not-reached', reasons: [] }, { id: 'dpo-train', outcome: 'not-reached', reasons: [] }],
      stopped: { stage: 'sft-eval', gate: null, blocks: ['pairs', 'dpo-train'], reason: 'gate reports/sft_eval.json:accuracy >= 0.70 failed' },
      ok: false,
    };
    s = reduceProgress(s, { type: 'result', result, at: T0 + 4000 });
    const lines = texts(progressLines(s, META, { columns: 80, rows: 24 }, T0 + 999_000));
    expect(lines).toEqual([
      'provenant pipeline provenant.pipeline.yaml (smoke)  1/3 stages · 0:04  stopped',
      ' ✓ sft-eval  ran in 1.2s',
      '     gate FAILED: reports/sft_eval.json:accuracy = 0.444, needs >= 0.7',
      ' · pairs     not reached',
      ' · dpo-train not reached',
      'stopped at sft-eval: gate reports/sft_eval.json:accuracy >= 0.70 failed — not',
      '  run: pairs, dpo-train',
    ]);
  });

  it('after a failed stage its last output stays on the screen under a label', () => {
    let s = feed([start('train', 0, 1), logs('train', 2), { type: 'output', stage: 'train', text: 'Traceback: boom', stream: 'stderr' }, { type: 'finish', stage: 'train', outcome: 'failed', reasons: ['exited 1'], ms: 10 }]);
    s = reduceProgress(s, { type: 'result', result: { stages: [{ id: 'train', outcome: 'failed', reasons: ['exited 1'] }], stopped: { stage: 'train', gate: null, blocks: [], reason: 'stage train exited 1' }, ok: false }, at: T0 + 3000 });
    const lines = texts(progressLines(s, META, { columns: 80, rows: 24 }, T0 + 3000));
    expect(lines.slice(1)).toEqual([' ✗ train    failed: exited 1', '  last output of train:', '  │ step 0', '  │ step 1', '  │ Traceback: boom', 'stopped at train: stage train exited 1']);
  });

  it('degrades on narrow terminals: no reasons below 40 columns, a note below 16', () => {
    const narrow = progressLines(midRun(), META, { columns: 30, rows: 12 }, T0 + 5000);
    fitsIn(narrow, 30, 12);
    expect(texts(narrow)[0]).toBe('provenant pipeline (smoke)  3…');
    expect(texts(progressLines(midRun(), { ...META, smoke: false }, { columns: 45, rows: 12 }, T0 + 5000))[0]).toBe('provenant pipeline  3/11 stages · 0:05');
    expect(texts(narrow)).toContain(' ✗ dpo-legacy    refused');
    expect(texts(narrow).some((l) => l.includes('▶ sft-train'))).toBe(true);
    expect(texts(progressLines(midRun(), META, { columns: 12, rows: 12 }, T0))).toEqual(['too narrow']);
  });

  it('a terminal with a handful of rows still shows the header and the running stage', () => {
    const tiny = texts(progressLines(midRun(), META, { columns: 80, rows: 4 }, T0 + 5000));
    expect(tiny).toHaveLength(3);
    expect(tiny[0]).toMatch(/^provenant pipeline/);
    expect(tiny[1]).toMatch(/▶ sft-train/);
  });
});

describe('windowed', () => {
  const rows: Line[] = Array.from({ length: 20 }, (_, i) => [{ text: `r${i}` }]);
  it('always includes the anchor, with counts of what is hidden', () => {
    for (const room of [1, 2, 3, 4, 7, 19]) {
      for (const anchor of [0, 1, 9, 18, 19]) {
        const out = texts(windowed(rows, anchor, room, 80));
        expect(out).toHaveLength(room);
        expect(out).toContain(`r${anchor}`);
        if (room < 3) continue;
        const hidden = out.filter((l) => l.includes('more')).reduce((n, l) => n + Number(/(\d+) more/.exec(l)?.[1]), 0);
        expect(hidden + out.filter((l) => l.startsWith('r')).length).toBe(20);
      }
    }
    expect(windowed(rows, 5, 20, 80)).toBe(rows);
  });
});

describe('clock', () => {
  it('minutes and seconds, hours when there are some', () => {
    expect([clock(0), clock(7_900), clock(750_000), clock(3_723_000), clock(-5)]).toEqual(['0:00', '0:07', '12:30', '1:02:03', '0:00']);
  });
});
