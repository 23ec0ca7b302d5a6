import { afterEach, describe, expect, it, vi } from 'vitest';

// chalk decides its colour level when ink loads it: force colour so the colour-off test can tell the difference
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

import { render } from 'ink-testing-library';
import type { StageEvent } from '../pipeline/runner.js';
import { createProgressStore, type ProgressStore } from './pipeline-progress.js';
import { PipelineProgress } from './PipelineProgress.js';

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');
const plain = (s: string | undefined): string => (s ?? '').replace(ANSI, '');
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const T0 = 5_000_000;
let time = T0;
const now = (): number => time;

function event(store: ProgressStore, e: StageEvent): void {
  store.dispatch({ type: 'event', event: e, at: time });
}

function view(store: ProgressStore, color = false) {
  return render(<PipelineProgress store={store} color={color} now={now} spec="provenant.pipeline.yaml" smoke size={{ columns: 80, rows: 24 }} />);
}

afterEach(() => {
  vi.useRealTimers();
  time = T0;
});

describe('<PipelineProgress> (ink-testing-library)', () => {
  it('follows the store: a stage starts, prints, finishes, fails its gate; the frame fits 80×24', async () => {
    const store = createProgressStore(T0);
    const r = view(store);
    expect(plain(r.lastFrame())).toBe('provenant pipeline provenant.pipeline.yaml (smoke)  0/0 stages · 0:00');
    event(store, { type: 'start', stage: 'sft-eval', index: 0, total: 2, reasons: ['new'], argv: ['python3', 'stages/evaluate.py'] });
    event(store, { type: 'output', stage: 'sft-eval', text: 'accuracy 0.444\n', stream: 'stdout' });
    await settle();
    expect(plain(r.lastFrame()).split('\n')).toEqual([
      'provenant pipeline provenant.pipeline.yaml (smoke)  0/2 stages · 0:00',
      ' ▶ sft-eval running 0:00',
      ' · 1 more stage to go',
      '  $ python3 stages/evaluate.py',
      '  │ accuracy 0.444',
    ]);
    event(store, { type: 'finish', stage: 'sft-eval', outcome: 'ran', reasons: ['new'], ms: 800 });
    event(store, { type: 'gate', stage: 'sft-eval', outcome: { gate: 'g', passed: false, value: 0.444, message: 'reports/sft_eval.json:accuracy = 0.444, needs >= 0.7' } });
    await settle();
    const frame = plain(r.lastFrame()).split('\n');
    expect(frame.slice(1, 3)).toEqual([' ✓ sft-eval ran in 0.8s', '     gate FAILED: reports/sft_eval.json:accuracy = 0.444, needs >= 0.7']);
    expect(frame.length).toBeLessThanOrEqual(23);
    for (const line of frame) expect([...line].length).toBeLessThanOrEqual(80);
    r.unmount();
  });

  it('elapsed times tick every second; the tick stops with the result and is cleared on unmount', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const store = createProgressStore(T0);
    event(store, { type: 'start', stage: 'train', index: 0, total: 1, reasons: [], argv: ['python3', 'train.py'] });
    const r = view(store);
    expect(vi.getTimerCount()).toBe(1);
    time += 61_000;
    vi.advanceTimersByTime(1000);
    await settle();
    expect(plain(r.lastFrame()).split('\n').slice(0, 2)).toEqual(['provenant pipeline provenant.pipeline.yaml (smoke)  0/1 stages · 1:01', ' ▶ train    running 1:01']);
    store.dispatch({ type: 'result', result: { stages: [{ id: 'train', outcome: 'ran', reasons: [] }], stopped: null, ok: true }, at: time });
    await settle();
    expect(vi.getTimerCount()).toBe(0);
    time += 30_000;
    expect(plain(r.lastFrame()).split('\n')[0]).toMatch(/1\/1 stages · 1:01 {2}done$/);
    r.unmount();

    const again = view(createProgressStore(T0));
    expect(vi.getTimerCount()).toBe(1);
    again.unmount();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('warnings are written above the live frame and stay there', async () => {
    const store = createProgressStore(T0);
    const r = view(store);
    store.dispatch({ type: 'warn', message: 'the ledger is read-only; stamps are written without a ledger row' });
    event(store, { type: 'start', stage: 'a', index: 0, total: 1, reasons: [], argv: ['true'] });
    await settle();
    const lines = plain(r.lastFrame()).split('\n');
    expect(lines[0]).toBe('provenant: warning: the ledger is read-only; stamps are written without a ledger row');
    expect(lines[1]).toMatch(/^provenant pipeline /);
    r.unmount();
  });

  it('colour only when asked (NO_COLOR and colourless terminals get none)', async () => {
    const store = createProgressStore(T0);
    event(store, { type: 'finish', stage: 'legacy', outcome: 'refused', reasons: ['input quarantined'], ms: 1 });
    const off = view(store, false);
    expect(off.lastFrame()).toContain('✗ legacy');
    expect(off.lastFrame()).not.toMatch(ANSI);
    off.unmount();
    const on = view(store, true);
    expect(on.lastFrame()).toMatch(ANSI);
    on.unmount();
  });
});
