/**
 * The state of `provenant pipeline run`'s progress view as a pure reducer over the runner's stage events:
 * the stages seen so far with their marks (running, ran, up to date, refused, failed, skipped, not
 * reached) and gate results, the running stage with its argv and start time, the last lines of its
 * output (carriage-return progress bars collapse to their latest state, terminal escapes are dropped),
 * warnings, and the final result. A small store lets the ink component follow the state without the
 * runner knowing about React; nothing here reads a clock or a terminal.
 */
import type { PipelineRunResult, StageEvent, StageOutcome } from '../pipeline/runner.js';

export type Mark = 'pending' | 'running' | StageOutcome;
type Stream = 'stdout' | 'stderr';
const NO_PARTIAL: Record<Stream, string> = { stdout: '', stderr: '' };

export interface GateLine {
  passed: boolean;
  message: string;
}

export interface StageView {
  id: string;
  mark: Mark;
  reasons: string[];
  /** When it started running (ms since the epoch); null for stages that never ran. */
  startedAt: number | null;
  /** How long it took, once finished. */
  ms: number | null;
  gates: GateLine[];
}

export interface ProgressState {
  startedAt: number;
  stages: StageView[];
  /** How many stages the run selected, as the last `start` event said; null before any stage ran. */
  total: number | null;
  /** The running stage, or null between stages. */
  current: { stage: string; index: number; argv: string[] } | null;
  /** Whose output `log` holds: the running stage, or the last one that ran (its tail stays after it ends). */
  logStage: string | null;
  log: string[];
  /** The unfinished last line of each stream (no newline yet), carriage returns collapsed: a progress bar on
   * stderr and a log line on stdout are written apart, so they are assembled apart. */
  partial: Record<Stream, string>;
  warnings: string[];
  result: PipelineRunResult | null;
  finishedAt: number | null;
}

export type ProgressAction =
  | { type: 'event'; event: StageEvent; at: number }
  | { type: 'warn'; message: string }
  | { type: 'result'; result: PipelineRunResult; at: number };

/** Lines of output kept per stage; the view shows as many of the last ones as the terminal has rows for. */
export const LOG_KEEP = 200;
/** A line without a newline is cut here, so a program that never ends its line cannot grow memory. */
const LINE_MAX = 2000;

export function initialProgress(startedAt: number): ProgressState {
  return { startedAt, stages: [], total: null, current: null, logStage: null, log: [], partial: NO_PARTIAL, warnings: [], result: null, finishedAt: null };
}

export function reduceProgress(state: ProgressState, action: ProgressAction): ProgressState {
  if (action.type === 'warn') return { ...state, warnings: [...state.warnings, action.message] };
  if (action.type === 'result') return withResult(state, action.result, action.at);
  const e = action.event;
  if (e.type === 'plan') {
    const pending = e.stages.map((id): StageView => ({ id, mark: 'pending', reasons: [], startedAt: null, ms: null, gates: [] }));
    return { ...state, stages: pending, total: e.stages.length };
  }
  if (e.type === 'start') {
    const stage: StageView = { id: e.stage, mark: 'running', reasons: e.reasons, startedAt: action.at, ms: null, gates: [] };
    return { ...state, stages: upsert(state.stages, stage), total: e.total, current: { stage: e.stage, index: e.index, argv: e.argv }, logStage: e.stage, log: [], partial: NO_PARTIAL };
  }
  if (e.type === 'finish') {
    const before = state.stages.find((s) => s.id === e.stage);
    const stage: StageView = { id: e.stage, mark: e.outcome, reasons: e.reasons, startedAt: before?.startedAt ?? null, ms: e.ms, gates: before?.gates ?? [] };
    const running = state.current?.stage === e.stage;
    const flushed = running ? flush(state) : state;
    return { ...flushed, stages: upsert(state.stages, stage), current: running ? null : state.current };
  }
  if (e.type === 'gate') {
    const gate: GateLine = { passed: e.outcome.passed, message: e.outcome.message };
    return { ...state, stages: state.stages.map((s) => (s.id === e.stage ? { ...s, gates: [...s.gates, gate] } : s)) };
  }
  if (state.logStage !== e.stage) return state;
  return appendOutput(state, e.text, e.stream);
}

/** How many selected stages have not been heard of yet (their names come with their events). */
export function pendingCount(state: ProgressState): number {
  if (state.result || state.total === null) return 0;
  return Math.max(0, state.total - state.stages.length);
}

/** Stages that are done one way or another, for the header's `done/total`. */
export function doneCount(state: ProgressState): number {
  return state.stages.filter((s) => s.mark !== 'pending' && s.mark !== 'running' && s.mark !== 'not-reached' && s.mark !== 'submitted').length;
}

/** The log's lines including the unfinished one, newest last. */
export function logLines(state: ProgressState): string[] {
  const partials = [shown(state.partial.stdout), shown(state.partial.stderr)].filter(Boolean);
  return partials.length ? [...state.log, ...partials] : state.log;
}

function withResult(state: ProgressState, result: PipelineRunResult, at: number): ProgressState {
  const known = new Map(state.stages.map((s) => [s.id, s]));
  const stages = result.stages.map((r): StageView => {
    const before = known.get(r.id);
    return { id: r.id, mark: r.outcome, reasons: r.reasons, startedAt: before?.startedAt ?? null, ms: before?.ms ?? null, gates: before?.gates ?? [] };
  });
  // the runner reports stages it never selected nowhere, and every selected one in the result
  return { ...flush(state), stages, current: null, result, finishedAt: at, total: stages.length };
}

function upsert(stages: StageView[], stage: StageView): StageView[] {
  const at = stages.findIndex((s) => s.id === stage.id);
  if (at < 0) return [...stages, stage];
  return stages.map((s, i) => (i === at ? stage : s));
}

function flush(state: ProgressState): ProgressState {
  const rest = logLines(state).slice(state.log.length);
  return { ...state, log: rest.length ? keep([...state.log, ...rest]) : state.log, partial: NO_PARTIAL };
}

function appendOutput(state: ProgressState, text: string, stream: Stream): ProgressState {
  const pieces = (state.partial[stream] + clean(text)).split('\n');
  const partial = { ...state.partial, [stream]: collapse(pieces.pop() ?? '') };
  const complete = pieces.map(shown);
  return { ...state, log: complete.length ? keep([...state.log, ...complete]) : state.log, partial };
}

function keep(lines: string[]): string[] {
  return lines.length > LOG_KEEP ? lines.slice(lines.length - LOG_KEEP) : lines;
}

const ESC = '\u001b';
// CSI (colours, cursor moves) and OSC (titles, links) sequences, then any other control character but \r and \n
const ESCAPES = new RegExp(`${ESC}\\[[0-?]*[ -/]*[@-~]|${ESC}\\][^\u0007${ESC}]*(?:\u0007|${ESC}\\\\)|${ESC}[@-_]`, 'g');
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

function clean(text: string): string {
  return text.replace(ESCAPES, '').replace(/\r\n/g, '\n').replace(/\t/g, '  ').replace(CONTROLS, '');
}

/** What a terminal would show of a line written with carriage returns: the last non-empty overwrite. */
function shown(line: string): string {
  const parts = line.split('\r').filter(Boolean);
  return (parts[parts.length - 1] ?? '').slice(0, LINE_MAX);
}

/** Keeps an unfinished line small: only its visible state, and whether the next text overwrites it. */
function collapse(partial: string): string {
  if (!partial.includes('\r')) return partial.slice(0, LINE_MAX);
  const overwrite = partial.endsWith('\r');
  const visible = shown(partial);
  return overwrite && visible ? `${visible}\r` : visible;
}

/** The reducer behind a subscribe/getState pair, the shape React's useSyncExternalStore reads. */
export interface ProgressStore {
  getState(): ProgressState;
  dispatch(action: ProgressAction): void;
  subscribe(listener: () => void): () => void;
}

export function createProgressStore(startedAt: number): ProgressStore {
  let state = initialProgress(startedAt);
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      state = reduceProgress(state, action);
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
