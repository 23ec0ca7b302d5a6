import { describe, expect, it } from 'vitest';
import type { PipelineRunResult, StageEvent } from '../pipeline/runner.js';
import { startPipelineView, wantsLiveView } from './pipeline-view.js';
import { createProgressStore, doneCount, initialProgress, LOG_KEEP, logLines, pendingCount, reduceProgress, type ProgressState } from './pipeline-progress.js';

const ESC = String.fromCharCode(27);

function feed(events: StageEvent[], state = initialProgress(1000), at = 2000): ProgressState {
  return events.reduce((s, event) => reduceProgress(s, { type: 'event', event, at }), state);
}

const start = (stage: string, index: number, total = 4): StageEvent => ({ type: 'start', stage, index, total, reasons: ['output missing'], argv: ['python3', `${stage}.py`] });
const out = (stage: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): StageEvent => ({ type: 'output', stage, text, stream });
const finish = (stage: string, outcome: 'ran' | 'refused' | 'failed' | 'up-to-date', reasons: string[] = [], ms = 1500): StageEvent => ({ type: 'finish', stage, outcome, reasons, ms });

describe('reduceProgress', () => {
  it('a plan event lists every selected stage as waiting, in order, before any runs', () => {
    const state = feed([
      { type: 'plan', stages: ['a', 'b', 'c'] },
      { type: 'start', stage: 'b', index: 1, total: 3, reasons: ['x'], argv: ['true'] },
    ]);
    expect(state.stages.map((s) => [s.id, s.mark])).toEqual([['a', 'pending'], ['b', 'running'], ['c', 'pending']]);
    expect(pendingCount(state)).toBe(0);
    expect(doneCount(state)).toBe(0);
  });

  it('a started stage is running and current; the rest of the selection is counted as pending', () => {
    const s = feed([start('prepare', 0)]);
    expect(s.stages).toEqual([{ id: 'prepare', mark: 'running', reasons: ['output missing'], startedAt: 2000, ms: null, gates: [] }]);
    expect(s.current).toEqual({ stage: 'prepare', index: 0, argv: ['python3', 'prepare.py'] });
    expect(pendingCount(s)).toBe(3);
    expect(doneCount(s)).toBe(0);
  });

  it('assembles lines across chunks and keeps stdout and stderr apart', () => {
    const s = feed([start('train', 0), out('train', 'step 1: lo'), out('train', '\rbatch 50%', 'stderr'), out('train', 'ss 0.5\nstep 2')]);
    expect(s.log).toEqual(['step 1: loss 0.5']);
    expect(logLines(s)).toEqual(['step 1: loss 0.5', 'step 2', 'batch 50%']);
  });

  it('shows a carriage-return progress bar as its latest state, with colours and other escapes dropped', () => {
    const bar = [0, 25, 50].map((p) => `\r${ESC}[32mbatch ${p}%${ESC}[0m`).join('');
    let s = feed([start('train', 0), out('train', bar, 'stderr')]);
    expect(logLines(s)).toEqual(['batch 50%']);
    expect(s.partial.stderr).toBe('batch 50%');
    s = feed([out('train', '\r', 'stderr')], s);
    expect(logLines(s)).toEqual(['batch 50%']);
    // the next text overwrites the bar instead of extending it
    s = feed([out('train', 'batch 75%\r\n', 'stderr'), out('train', `\t${ESC}]0;title\u0007done\u0008\n`)], s);
    expect(s.log).toEqual(['batch 75%', '  done']);
  });

  it('keeps the last LOG_KEEP lines, and no more of a line that never ends than fits a screen many times', () => {
    const many = Array.from({ length: LOG_KEEP + 50 }, (_, i) => `line ${i}\n`).join('');
    const s = feed([start('train', 0), out('train', many), out('train', 'x'.repeat(5000))]);
    expect(s.log).toHaveLength(LOG_KEEP);
    expect(s.log[0]).toBe('line 50');
    expect(logLines(s).at(-1)).toHaveLength(2000);
  });

  it('a finished stage takes its outcome and time; its unfinished line joins the log, which stays until the next start', () => {
    let s = feed([start('train', 0), out('train', 'last words')]);
    s = feed([finish('train', 'failed', ['exited 1'])], s);
    expect(s.stages[0]).toMatchObject({ id: 'train', mark: 'failed', reasons: ['exited 1'], startedAt: 2000, ms: 1500 });
    expect(s.current).toBeNull();
    expect(s.logStage).toBe('train');
    expect(s.log).toEqual(['last words']);
    expect(s.partial).toEqual({ stdout: '', stderr: '' });
    s = feed([start('evaluate', 1)], s);
    expect(s.log).toEqual([]);
  });

  it('stages that never start (refused, up to date) are listed in the order they come; output of another stage is ignored', () => {
    const s = feed([finish('prepare', 'up-to-date', [], 0), finish('legacy', 'refused', ['input quarantined'], 3), start('train', 2), out('prepare', 'stray\n')]);
    expect(s.stages.map((x) => [x.id, x.mark])).toEqual([['prepare', 'up-to-date'], ['legacy', 'refused'], ['train', 'running']]);
    expect(s.stages[1]?.reasons).toEqual(['input quarantined']);
    expect(s.log).toEqual([]);
    expect(pendingCount(s)).toBe(1);
    expect(doneCount(s)).toBe(2);
  });

  it('gate results attach to their stage', () => {
    const s = feed([start('evaluate', 0), finish('evaluate', 'ran'), { type: 'gate', stage: 'evaluate', outcome: { gate: 'eval.json:accuracy >= 0.7', passed: false, value: 0.4, message: 'eval.json:accuracy = 0.4, needs >= 0.7' } }]);
    expect(s.stages[0]?.gates).toEqual([{ passed: false, message: 'eval.json:accuracy = 0.4, needs >= 0.7' }]);
  });

  it('the result lists every selected stage (not-reached ones too) and keeps what the events said', () => {
    let s = feed([start('evaluate', 0, 3), out('evaluate', 'tail'), finish('evaluate', 'ran'), { type: 'gate', stage: 'evaluate', outcome: { gate: 'g', passed: false, value: 0, message: 'm' } }]);
    const result: PipelineRunResult = {
      stages: [{ id: 'evaluate', outcome: 'ran', reasons: [] }, { id: 'pairs', outcome: 'not-reached', reasons: [] }, { id: 'dpo', outcome: 'not-reached', reasons: [] }],
      stopped: { stage: 'evaluate', gate: null, blocks: ['pairs', 'dpo'], reason: 'gate g failed: m' },
      ok: false,
    };
    s = reduceProgress(s, { type: 'result', result, at: 9000 });
    expect(s.stages.map((x) => [x.id, x.mark])).toEqual([['evaluate', 'ran'], ['pairs', 'not-reached'], ['dpo', 'not-reached']]);
    expect(s.stages[0]).toMatchObject({ startedAt: 2000, ms: 1500, gates: [{ passed: false, message: 'm' }] });
    expect(s.finishedAt).toBe(9000);
    expect(s.result).toBe(result);
    expect(pendingCount(s)).toBe(0);
    expect(doneCount(s)).toBe(1);
  });

  it('collects warnings', () => {
    const s = reduceProgress(initialProgress(0), { type: 'warn', message: 'ledger is locked' });
    expect(s.warnings).toEqual(['ledger is locked']);
  });
});

describe('createProgressStore', () => {
  it('notifies subscribers of every action until they unsubscribe', () => {
    const store = createProgressStore(0);
    const seen: number[] = [];
    const off = store.subscribe(() => seen.push(store.getState().stages.length));
    store.dispatch({ type: 'event', event: start('a', 0), at: 1 });
    off();
    store.dispatch({ type: 'event', event: start('b', 1), at: 2 });
    expect(seen).toEqual([1]);
    expect(store.getState().stages).toHaveLength(2);
  });
});

describe('the switch between the live view and plain lines', () => {
  const tty = { write: () => true, isTTY: true, rows: 24 };
  it('is live only on a sized terminal, outside CI, without --plain or TERM=dumb', () => {
    expect(wantsLiveView({ stream: tty, env: {} })).toBe(true);
    expect(wantsLiveView({ stream: tty, env: { CI: 'false' } })).toBe(true);
    expect(wantsLiveView({ stream: { ...tty, isTTY: false }, env: {} })).toBe(false);
    expect(wantsLiveView({ stream: { ...tty, rows: 0 }, env: {} })).toBe(false);
    expect(wantsLiveView({ stream: tty, env: {}, plain: true })).toBe(false);
    expect(wantsLiveView({ stream: tty, env: { CI: 'true' } })).toBe(false);
    expect(wantsLiveView({ stream: tty, env: { CONTINUOUS_INTEGRATION: '1' } })).toBe(false);
    expect(wantsLiveView({ stream: tty, env: { TERM: 'dumb' } })).toBe(false);
  });

  it('plain lines: each event as the log line it always was, warnings prefixed', async () => {
    const written: string[] = [];
    const view = await startPipelineView({ stream: { write: (s: string) => written.push(s) }, env: {}, spec: 'p.yaml', smoke: false });
    view.onEvent(start('train', 1, 3));
    view.onEvent(out('train', 'step 1\n'));
    view.onEvent(finish('train', 'ran'));
    view.onEvent(finish('legacy', 'refused', ['input quarantined']));
    view.warn('no ledger');
    await view.finish({ stages: [], stopped: null, ok: true });
    view.close();
    expect(written.join('')).toBe([
      '[2/3] train: running (output missing)',
      '  $ python3 train.py',
      'step 1',
      '  train: ran in 1.5s',
      '  legacy: refused: input quarantined',
      'provenant: warning: no ledger',
      '',
    ].join('\n'));
  });
});
