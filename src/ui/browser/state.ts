/**
 * The terminal browser's state and its one pure reducer: key presses (through the keymap and the edit
 * prompt), terminal resizes, loaded detail data, finished requests and reloaded rows in, the next state
 * out. No React, no terminal: every behaviour of the browser (filtering, moving, drilling in, following a
 * replacement, the edit prompts, going back) is unit-tested here, because driving ink with simulated key
 * presses is unreliable (ink-testing-library#29). What the browser does outside itself (an edit, the
 * editor) is a `Request` in the state, which the component carries out and answers with a `done` event.
 */
import type { Status } from '../../schemas/registry.js';
import type { BrowseRow, DetailExtras } from './data.js';
import { commandFor, type Command, type KeyPress, type View } from './keymap.js';
import type { Anchor } from './detail.js';
import { promptKey, startPrompt, type EditKind, type EditRequest, type Prompt } from './prompt.js';
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
  /** The script of the artifacts pane, and where Esc returns to from it. */
  artifacts: { path: string; from: 'list' | 'detail' } | null;
  /** Scroll position and length (as last rendered, so scrolling stops at the end) of each pane. */
  scroll: Readonly<Record<Pane, Scroll>>;
  /** Where the findings are in the detail as last rendered: `o` opens the first one on the screen. */
  anchors: readonly Anchor[];
  extras: Readonly<Record<string, DetailExtras>>;
  size: Size;
  /** The edit prompt being answered (keys go into it), if any. */
  prompt: Prompt | null;
  /** What the component is asked to do outside the browser; one at a time, answered by a `done` event. */
  request: Request | null;
  /** Numbers the requests, so an answer is matched to its request. */
  requests: number;
  /** A one-line notice for the footer, cleared by the next key. */
  message: string | null;
  /** How the notice reads: a note, an error, or a change made. */
  tone: Tone;
  quit: boolean;
}

export type Pane = Exclude<View, 'list'>;
export type Tone = 'note' | 'error' | 'done';

interface Scroll {
  top: number;
  length: number;
}

/** An edit for the registry's edit commands, or the file to open in the editor at a line. */
export type RequestBody = EditRequest | { kind: 'editor'; path: string; line: number };
export type Request = RequestBody & { id: number };

export type Event =
  | { type: 'key'; input: string; key: KeyPress }
  | { type: 'resize'; size: Size }
  | { type: 'extras'; path: string; extras: DetailExtras }
  | { type: 'paneLength'; lines: number; anchors?: readonly Anchor[] }
  | { type: 'done'; id: number; message: string; tone: Tone }
  | { type: 'rows'; rows: readonly BrowseRow[] };

/**
 * Lines the header (2) and footer (1) take, plus the terminal's last line, left empty: output as tall
 * as the terminal makes ink clear and redraw the whole screen on every frame instead of updating it.
 */
export const CHROME_LINES = 4;
export const STATUS_CYCLE: readonly (Status | null)[] = ['canonical', 'active', 'experimental', 'deprecated', null];

const TOP: Scroll = { top: 0, length: 0 };

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
    artifacts: null,
    scroll: { detail: TOP, help: TOP, artifacts: TOP },
    anchors: [],
    extras: {},
    size,
    prompt: null,
    request: null,
    requests: 0,
    message: null,
    tone: 'note',
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
  const clamp = (s: Scroll): Scroll => {
    const at = Math.max(0, Math.min(s.top, s.length - height));
    return at === s.top ? s : { ...s, top: at };
  };
  const scroll = { detail: clamp(state.scroll.detail), help: clamp(state.scroll.help), artifacts: clamp(state.scroll.artifacts) };
  return { ...state, cursor, top, scroll };
}

/** The state with the scroll of `pane` changed. */
function scrolled(state: State, pane: Pane, change: Partial<Scroll>): State {
  return { ...state, scroll: { ...state.scroll, [pane]: { ...state.scroll[pane], ...change } } };
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
  return scrolled(state, state.view, { top: state.scroll[state.view].top + by });
}

function jumpTo(state: State, to: 'top' | 'bottom'): State {
  const far = Number.MAX_SAFE_INTEGER;
  if (state.view === 'list') return { ...state, cursor: to === 'top' ? 0 : far };
  return scrolled(state, state.view, { top: to === 'top' ? 0 : far });
}

function back(state: State): State {
  if (state.view === 'help') return { ...state, view: state.helpFrom };
  if (state.view === 'artifacts') return { ...state, view: state.artifacts?.from ?? 'list', artifacts: null };
  if (state.view === 'detail') {
    const stack = state.stack.slice(0, -1);
    return { ...scrolled(state, 'detail', TOP), stack, view: stack.length ? 'detail' : 'list' };
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
  return { ...scrolled(state, 'detail', TOP), stack: [...state.stack, target] };
}

function open(state: State): State {
  const row = state.rows[state.visible[state.cursor] ?? -1];
  if (!row) return state;
  return { ...scrolled(state, 'detail', TOP), view: 'detail', stack: [row.path] };
}

/** The script a key acts on: the one shown in the detail, or the one selected in the list. */
export function subject(state: State): string | undefined {
  if (state.view === 'detail') return current(state);
  if (state.view === 'artifacts') return state.artifacts?.path;
  return state.rows[state.visible[state.cursor] ?? -1]?.path;
}

/**
 * The line to open a script at: in its detail, the first finding on the screen; else its first finding (in a
 * notebook, the line of its JSON holding the finding's source line); else the first line.
 */
export function editorLine(state: State, path: string): number {
  if (state.view === 'detail') {
    const { top } = state.scroll.detail;
    const shown = state.anchors.find((a) => a.row >= top && a.row < top + listHeight(state.size));
    if (shown) return shown.line;
  }
  const found = state.extras[path]?.findings;
  if (!found?.ok) return 1;
  const lines = found.findings.filter((f) => f.path === path).map((f) => f.span.line);
  return lines.length ? Math.min(...lines) : 1;
}

function ask(state: State, body: RequestBody): State {
  const id = state.requests + 1;
  return { ...state, request: { ...body, id }, requests: id };
}

function act(state: State, which: 'deprecate' | 'canonical' | 'bug' | 'editor' | 'artifacts'): State {
  const path = subject(state);
  if (path === undefined) return { ...state, message: 'no script selected', tone: 'error' };
  if (which === 'artifacts') {
    const from = state.view === 'detail' ? 'detail' : 'list';
    return { ...scrolled(state, 'artifacts', TOP), view: 'artifacts', artifacts: { path, from } };
  }
  if (state.request) return { ...state, message: 'wait: the last edit is still being written', tone: 'error' };
  if (which === 'editor') return { ...ask(state, { kind: 'editor', path, line: editorLine(state, path) }), message: `opening ${path} in the editor…`, tone: 'note' };
  const prompt = startPrompt(which satisfies EditKind, path, state.rows);
  return typeof prompt === 'string' ? { ...state, message: prompt, tone: 'error' } : { ...state, prompt };
}

function answerPrompt(state: State, prompt: Prompt, input: string, key: KeyPress): State {
  if (key.ctrl && input === 'c') return { ...state, quit: true };
  const step = promptKey(prompt, input, key, state.rows);
  if ('prompt' in step) return { ...state, prompt: step.prompt };
  if ('cancelled' in step) return { ...state, prompt: null, message: step.cancelled, tone: 'note' };
  return { ...ask({ ...state, prompt: null }, step.done), message: 'writing the annotations file…', tone: 'note' };
}

/** Keys that arrive as characters inside a chunk of text (keys typed faster than they are read, a paste): input and key. */
const IN_TEXT: Readonly<Record<string, readonly [string, KeyPress]>> = {
  '\r': ['', { return: true }],
  '\n': ['', { return: true }],
  '\t': ['', { tab: true }],
  '\u007f': ['', { backspace: true }],
  '\b': ['', { backspace: true }],
  '\u0003': ['c', { ctrl: true }],
  '\u0015': ['u', { ctrl: true }],
};

const ACTIONS = new Set<Command>(['deprecate', 'canonical', 'bug', 'editor', 'artifacts']);

function command(state: State, input: string, key: KeyPress): State {
  const page = listHeight(state.size) - 1 || 1;
  const which = commandFor(state.view, input, key);
  if (which !== undefined && ACTIONS.has(which)) return act(state, which as Parameters<typeof act>[1]);
  switch (which) {
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
    default:
      return state;
  }
}

/** New rows (after an edit): the filter applied again, the same script selected, the detail kept. */
function replaceRows(state: State, rows: readonly BrowseRow[]): State {
  const selected = state.rows[state.visible[state.cursor] ?? -1]?.path;
  const next = { ...state, rows, haystacks: rows.map(haystackOf) };
  const visible = filterRows(next, state.query, state.status);
  const keep = visible.findIndex((i) => rows[i]?.path === selected);
  return settle({ ...next, visible, cursor: keep >= 0 ? keep : state.cursor });
}

export function reduce(state: State, event: Event): State {
  switch (event.type) {
    case 'resize':
      return settle({ ...state, size: event.size });
    case 'paneLength': {
      if (state.view === 'list') return state;
      const anchored = event.anchors && event.anchors !== state.anchors ? { ...state, anchors: event.anchors } : state;
      if (event.lines === state.scroll[state.view].length) return anchored;
      return settle(scrolled(anchored, state.view, { length: event.lines }));
    }
    case 'extras':
      return { ...state, extras: { ...state.extras, [event.path]: event.extras } };
    case 'done':
      return event.id === state.request?.id ? { ...state, request: null, message: event.message, tone: event.tone } : state;
    case 'rows':
      return replaceRows(state, event.rows);
    case 'key': {
      // several characters in one read (fast typing, a paste, tmux send-keys) are several key presses
      const chars = [...event.input];
      if (chars.length > 1 && !Object.values(event.key).some(Boolean)) {
        return chars.reduce((s, ch) => {
          const [input, key] = IN_TEXT[ch] ?? [ch, {}];
          return reduce(s, { type: 'key', input, key });
        }, state);
      }
      // a request's own notice ("writing…") stays until its answer replaces it
      const cleared = state.message === null || state.request ? state : { ...state, message: null, tone: 'note' as const };
      if (cleared.prompt) return answerPrompt(cleared, cleared.prompt, event.input, event.key);
      const typed = state.typing && state.view === 'list' ? typeInto(cleared, event.input, event.key) : null;
      return settle(typed ?? command(cleared, event.input, event.key));
    }
  }
}

/** The script whose detail (or artifacts) is shown, if any. */
export function shownPath(state: State): string | undefined {
  if (state.view === 'artifacts') return state.artifacts?.path;
  return state.view === 'detail' ? current(state) : undefined;
}
