/**
 * The terminal browser's state and its one pure reducer: key presses (through the keymap), terminal
 * resizes and loaded detail data in, the next state out. No React, no terminal: every behaviour of the
 * browser (filtering, moving, drilling in, following a replacement, going back) is unit-tested here,
 * because driving ink with simulated key presses is unreliable (ink-testing-library#29).
 */
import type { Status } from '../../schemas/registry.js';
import type { BrowseRow, DetailExtras } from './data.js';
import { commandFor, type KeyPress, type View } from './keymap.js';
import type { Size } from '../useTerminalSize.js';

export type { Size } from '../useTerminalSize.js';

export interface State {
  rows: readonly BrowseRow[];
  /** Lower-cased name, purpose, function names and capabilities of each row, for the filter. */
  haystacks: readonly string[];
  query: string;
  /** Keys go into the filter (after `/`, until Enter or Esc). */
  typing: boolean;
  status: Status | null;
  /** Indices into `rows` that pass the filter, in path order. */
  visible: readonly number[];
  /** Position in `visible`. */
  cursor: number;
  /** First `visible` position shown in the list window. */
  top: number;
  view: View;
  /** Where Esc returns to from the help. */
  helpFrom: Exclude<View, 'help'>;
  /** Detail panes opened, the current last: following a replacement pushes, Esc pops. */
  stack: readonly string[];
  detailTop: number;
  /** Lines of the current detail as last rendered, so scrolling stops at its end. */
  detailLength: number;
  extras: Readonly<Record<string, DetailExtras>>;
  size: Size;
  /** A one-line notice for the footer, cleared by the next key. */
  message: string | null;
  quit: boolean;
}

export type Event =
  | { type: 'key'; input: string; key: KeyPress }
  | { type: 'resize'; size: Size }
  | { type: 'extras'; path: string; extras: DetailExtras }
  | { type: 'detailLength'; lines: number };

/**
 * Lines the header (2) and footer (1) take, plus the terminal's last line, left empty: output as tall
 * as the terminal makes ink clear and redraw the whole screen on every frame instead of updating it.
 */
export const CHROME_LINES = 4;
export const STATUS_CYCLE: readonly (Status | null)[] = ['canonical', 'active', 'experimental', 'deprecated', null];

export function haystackOf(row: BrowseRow): string {
  return [row.name, row.purpose ?? '', ...row.defs, ...row.canonicalFor].join('\n').toLowerCase();
}

export function initialState(rows: readonly BrowseRow[], size: Size): State {
  return {
    rows,
    haystacks: rows.map(haystackOf),
    query: '',
    typing: false,
    status: null,
    visible: rows.map((_, i) => i),
    cursor: 0,
    top: 0,
    view: 'list',
    helpFrom: 'list',
    stack: [],
    detailTop: 0,
    detailLength: 0,
    extras: {},
    size,
    message: null,
    quit: false,
  };
}

export function listHeight(size: Size): number {
  return Math.max(1, size.rows - CHROME_LINES);
}

/**
 * Rows passing the filter: every word of the query is in the row's haystack, and the status matches.
 * `within` narrows the search to an earlier answer when the query only grew (typing one more letter).
 */
export function filterRows(state: Pick<State, 'rows' | 'haystacks'>, query: string, status: Status | null, within?: readonly number[]): number[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const out: number[] = [];
  const test = (i: number): void => {
    if (status !== null && state.rows[i]?.status !== status) return;
    const hay = state.haystacks[i] ?? '';
    for (const w of words) if (!hay.includes(w)) return;
    out.push(i);
  };
  if (within) for (const i of within) test(i);
  else for (let i = 0; i < state.rows.length; i++) test(i);
  return out;
}

/** Keeps the cursor inside the list and the list window around the cursor. */
function settle(state: State): State {
  const last = state.visible.length - 1;
  const cursor = Math.max(0, Math.min(state.cursor, last));
  const height = listHeight(state.size);
  const top = Math.max(0, Math.min(state.top, cursor, Math.max(0, last - height + 1)), cursor - height + 1);
  const maxDetail = Math.max(0, state.detailLength - listHeight(state.size));
  const detailTop = Math.max(0, Math.min(state.detailTop, maxDetail));
  return { ...state, cursor, top, detailTop };
}

function refilter(state: State, query: string, status: Status | null): State {
  const selected = state.rows[state.visible[state.cursor] ?? -1]?.path;
  const narrowing = status === state.status && query.startsWith(state.query);
  const visible = filterRows(state, query, status, narrowing ? state.visible : undefined);
  // the selected script stays selected when it still passes; otherwise the best match is first
  const keep = selected === undefined ? -1 : visible.findIndex((i) => state.rows[i]?.path === selected);
  return { ...state, query, status, visible, cursor: keep >= 0 && query === state.query ? keep : 0, top: 0 };
}

function current(state: State): string | undefined {
  return state.stack[state.stack.length - 1];
}

function typeInto(state: State, input: string, key: KeyPress): State | null {
  if (key.escape) return { ...refilter(state, '', state.status), typing: false };
  if (key.return) return { ...state, typing: false };
  if (key.backspace || key.delete) return refilter(state, state.query.slice(0, -1), state.status);
  if (key.upArrow || key.downArrow || key.pageUp || key.pageDown || key.tab) return null;
  if (key.ctrl) return input === 'c' ? { ...state, quit: true } : state;
  // printable text only (a paste arrives whole); control characters never reach the query
  const text = [...input].filter((ch) => ch >= ' ' && ch !== '\u007f').join('');
  return text ? refilter(state, state.query + text, state.status) : state;
}

function move(state: State, by: number): State {
  if (state.view === 'list') return { ...state, cursor: state.cursor + by };
  return { ...state, detailTop: state.detailTop + by };
}

function jumpTo(state: State, to: 'top' | 'bottom'): State {
  const far = Number.MAX_SAFE_INTEGER;
  if (state.view === 'list') return { ...state, cursor: to === 'top' ? 0 : far };
  return { ...state, detailTop: to === 'top' ? 0 : far };
}

function back(state: State): State {
  if (state.view === 'help') return { ...state, view: state.helpFrom };
  if (state.view === 'detail') {
    const stack = state.stack.slice(0, -1);
    return { ...state, stack, detailTop: 0, detailLength: 0, view: stack.length ? 'detail' : 'list' };
  }
  if (state.query || state.status) return refilter({ ...state, typing: false }, '', null);
  return state;
}

function follow(state: State): State {
  const here = current(state);
  const row = state.rows.find((r) => r.path === here);
  if (!row?.replacedBy) return { ...state, message: 'this script has no replacement (replaced_by)' };
  const target = row.replacedBy;
  if (!state.rows.some((r) => r.path === target)) return { ...state, message: `${target} is not in the registry` };
  return { ...state, stack: [...state.stack, target], detailTop: 0, detailLength: 0 };
}

function open(state: State): State {
  const row = state.rows[state.visible[state.cursor] ?? -1];
  if (!row) return state;
  return { ...state, view: 'detail', stack: [row.path], detailTop: 0, detailLength: 0 };
}

function command(state: State, input: string, key: KeyPress): State {
  const page = listHeight(state.size) - 1 || 1;
  switch (commandFor(state.view, input, key)) {
    case 'down':
      return move(state, 1);
    case 'up':
      return move(state, -1);
    case 'pageDown':
      return move(state, page);
    case 'pageUp':
      return move(state, -page);
    case 'top':
      return jumpTo(state, 'top');
    case 'bottom':
      return jumpTo(state, 'bottom');
    case 'filter':
      return { ...state, typing: true };
    case 'status': {
      const next = STATUS_CYCLE[(STATUS_CYCLE.indexOf(state.status) + 1) % STATUS_CYCLE.length] ?? null;
      return refilter(state, state.query, next);
    }
    case 'open':
      return open(state);
    case 'follow':
      return follow(state);
    case 'back':
      return back(state);
    case 'help':
      return state.view === 'help' ? { ...state, view: state.helpFrom } : { ...state, view: 'help', helpFrom: state.view };
    case 'quit':
      return { ...state, quit: true };
    case undefined:
      return state;
  }
}

export function reduce(state: State, event: Event): State {
  switch (event.type) {
    case 'resize':
      return settle({ ...state, size: event.size });
    case 'detailLength':
      return event.lines === state.detailLength ? state : settle({ ...state, detailLength: event.lines });
    case 'extras':
      return { ...state, extras: { ...state.extras, [event.path]: event.extras } };
    case 'key': {
      // several characters in one read (fast typing, a paste, tmux send-keys) are several key presses
      const chars = [...event.input];
      if (chars.length > 1 && !Object.values(event.key).some(Boolean)) {
        return chars.reduce((s, ch) => reduce(s, { type: 'key', input: ch, key: {} }), state);
      }
      const cleared = state.message === null ? state : { ...state, message: null };
      const typed = state.typing && state.view === 'list' ? typeInto(cleared, event.input, event.key) : null;
      return settle(typed ?? command(cleared, event.input, event.key));
    }
  }
}

/** The script whose detail is shown, if any. */
export function shownPath(state: State): string | undefined {
  return state.view === 'detail' ? current(state) : undefined;
}
