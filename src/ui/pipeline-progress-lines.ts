/**
 * What `provenant pipeline run`'s progress view shows, as screen lines cut to the terminal: a header
 * (spec, smoke, stages done, elapsed time), the stage list with a mark per stage and its gate results,
 * the running stage's command and the tail of its output, and at the end where the run stopped. Pure
 * functions of the state, the size and the time, so layout is tested without a terminal: the lines
 * never outnumber the rows (one is kept free, so ink redraws in place instead of clearing the screen),
 * the stage list scrolls to keep the running stage in view, and below 40 columns the reasons go.
 */
import { shellQuote } from '../core/display.js';
import { columnsOf, fit, NARROW, pad, textOf, TOO_NARROW, wrap, type Line, type Seg } from './lines.js';
import { doneCount, logLines, pendingCount, type Mark, type ProgressState, type StageView } from './pipeline-progress.js';

export interface ViewMeta {
  /** The spec as the user named it. */
  spec: string;
  smoke: boolean;
}

export interface Size {
  columns: number;
  rows: number;
}

const MARKS: Record<Mark, Seg> = {
  running: { text: '▶', color: 'cyan', bold: true },
  ran: { text: '✓', color: 'green' },
  'up-to-date': { text: '=', color: 'gray' },
  refused: { text: '✗', color: 'red', bold: true },
  failed: { text: '✗', color: 'red', bold: true },
  skipped: { text: '-', color: 'yellow' },
  'not-reached': { text: '·', dim: true },
  pending: { text: '·', dim: true },
  submitted: { text: '⋯', color: 'cyan' },
  cancelled: { text: '✗', color: 'yellow' },
};
const PENDING: Seg = { text: '·', dim: true };

/** Rows of output shown under the command even when the stage list has to scroll for them. */
const MIN_LOG = 3;

/** `0:07`, `12:30`, `1:02:03`. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : clock(ms);
}

export function headerLine(state: ProgressState, meta: ViewMeta, now: number, width: number): Line {
  const elapsed = (state.finishedAt ?? now) - state.startedAt;
  const total = state.total ?? state.stages.length;
  const status: Seg[] = state.result
    ? [{ text: state.result.ok ? '  done' : '  stopped', color: state.result.ok ? 'green' : 'red', bold: true }]
    : [];
  const line: Line = [
    { text: 'provenant pipeline', bold: true },
    { text: ` ${meta.spec}` },
    ...(meta.smoke ? [{ text: ' (smoke)', color: 'yellow' as const }] : []),
    { text: `  ${doneCount(state)}/${total} stages · ${clock(elapsed)}`, dim: true },
    ...status,
  ];
  // on a narrow terminal the spec's name gives way to the progress and the time
  return fit(columnsOf(textOf(line)) > width ? line.filter((_, i) => i !== 1) : line, width);
}

function statusText(stage: StageView, now: number): string {
  switch (stage.mark) {
    case 'running': return `running ${clock(now - (stage.startedAt ?? now))}`;
    case 'ran': return !stage.ms ? 'ran' : `ran in ${seconds(stage.ms)}`;
    case 'up-to-date': return 'up to date';
    case 'not-reached': return 'not reached';
    case 'pending': return 'waiting';
    case 'submitted': return 'queued on SLURM';
    default: return stage.mark;
  }
}

function stageLine(stage: StageView, idWidth: number, now: number, width: number): Line {
  const tint = MARKS[stage.mark];
  const bad = stage.mark === 'refused' || stage.mark === 'failed' || stage.mark === 'skipped';
  // why a stage did not complete is the point of the list; why one ran is in the plan
  const why = bad && stage.reasons.length && width >= NARROW ? `: ${stage.reasons.join('; ')}` : '';
  return fit([
    { text: ' ' },
    tint,
    { text: ` ${pad(stage.id, idWidth)} `, bold: stage.mark === 'running', dim: stage.mark === 'not-reached' || stage.mark === 'pending' },
    { text: statusText(stage, now), ...(tint.color ? { color: tint.color } : {}), dim: stage.mark === 'not-reached' || stage.mark === 'pending' },
    { text: why, dim: true },
  ], width);
}

function gateLine(passed: boolean, message: string, width: number): Line {
  return fit([
    { text: '     gate ' },
    passed ? { text: 'passed', color: 'green' } : { text: 'FAILED', color: 'red', bold: true },
    { text: `: ${message}` },
  ], width);
}

/** The stage list as rows (stage lines with their gates under them), and which row is the one to keep in view. */
function listRows(state: ProgressState, now: number, width: number): { rows: Line[]; anchor: number } {
  const idWidth = Math.min(24, Math.max(8, ...state.stages.map((s) => columnsOf(s.id))));
  const rows: Line[] = [];
  let anchor = -1;
  for (const stage of state.stages) {
    if (stage.mark === 'running' || stage.mark === 'failed' || (state.result?.stopped?.stage === stage.id)) anchor = rows.length;
    rows.push(stageLine(stage, idWidth, now, width));
    for (const g of stage.gates) rows.push(gateLine(g.passed, g.message, width));
  }
  const pending = pendingCount(state);
  if (pending) rows.push(fit([{ text: ' ' }, PENDING, { text: ` ${pending} more stage${pending === 1 ? '' : 's'} to go`, dim: true }], width));
  return { rows, anchor: anchor < 0 ? rows.length - 1 : anchor };
}

/** `rows` cut to `room` lines around `anchor`, with a line saying how many are hidden on each side. */
export function windowed(rows: Line[], anchor: number, room: number, width: number): Line[] {
  if (rows.length <= room) return rows;
  if (room <= 0) return [];
  const note = (n: number, where: string): Line => fit([{ text: `   … ${n} more ${where}`, dim: true }], width);
  // too little room for notes: the anchor and what follows it
  if (room < 3) {
    const from = Math.max(0, Math.min(anchor, rows.length - room));
    return rows.slice(from, from + room);
  }
  // the anchor sits a little above the bottom, so what follows it (its gates) shows too
  const start = Math.max(0, Math.min(anchor - Math.max(1, room - 3), rows.length - room));
  const end = start + room;
  const out = rows.slice(start, end);
  if (start > 0) out[0] = note(start + 1, 'above');
  if (end < rows.length) out[out.length - 1] = note(rows.length - end + 1, 'below');
  return out;
}

function stopLines(state: ProgressState, width: number): Line[] {
  const stopped = state.result?.stopped;
  if (!stopped) return [];
  const text = `stopped at ${stopped.stage}: ${stopped.reason}${stopped.blocks.length ? ` — not run: ${stopped.blocks.join(', ')}` : ''}`;
  return wrap(text, width - 1, 2).map((l) => fit([{ text: l, color: 'red' }], width));
}

function commandLine(state: ProgressState, width: number): Line[] {
  if (state.current) return [fit([{ text: '  $ ', dim: true }, { text: shellQuote(state.current.argv) }], width)];
  if (failedTail(state)) return [fit([{ text: `  last output of ${state.logStage ?? ''}:`, dim: true }], width)];
  return [];
}

/** After the run, a failed stage's output stays (the rest of it is gone from the screen). */
function failedTail(state: ProgressState): boolean {
  return state.current === null && state.stages.some((s) => s.id === state.logStage && s.mark === 'failed');
}

function tailSource(state: ProgressState): string[] {
  return state.current || failedTail(state) ? logLines(state) : [];
}

export function progressLines(state: ProgressState, meta: ViewMeta, size: Size, now: number): Line[] {
  const width = size.columns;
  if (width < TOO_NARROW) return [[{ text: 'too narrow' }]];
  const height = Math.max(1, size.rows - 1);
  const header = headerLine(state, meta, now, width);
  const command = commandLine(state, width);
  const stop = stopLines(state, width);
  const tail = tailSource(state);
  const { rows, anchor } = listRows(state, now, width);
  const fixed = 1 + command.length + stop.length;
  const logWanted = Math.min(tail.length, MIN_LOG);
  const listRoom = Math.max(1, height - fixed - logWanted);
  const list = windowed(rows, anchor, listRoom, width);
  const logRoom = Math.max(0, height - fixed - list.length);
  const log = tail.slice(Math.max(0, tail.length - logRoom)).map((l) => fit([{ text: '  │ ', dim: true }, { text: l }], width));
  const lines = [header, ...list, ...command, ...log, ...stop];
  return lines.slice(0, height);
}
