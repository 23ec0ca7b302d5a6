import { describe, expect, it } from 'vitest';
import type { Status } from '../../schemas/registry.js';
import type { BrowseRow } from './data.js';
import type { KeyPress } from './keymap.js';
import { filterRows, initialState, reduce, shownPath, type Event, type State } from './state.js';

function row(path: string, status: Status = 'active', extra: Partial<BrowseRow> = {}): BrowseRow {
  return { path, name: path.slice(path.lastIndexOf('/') + 1), status, purpose: null, kind: 'script', replacedBy: null, bugs: 0, defs: [], canonicalFor: [], ...extra };
}

const ROWS: BrowseRow[] = [
  row('Makefile', 'active', { purpose: 'Shortcuts.' }),
  row('scripts/gen_pairs_logprob.py', 'deprecated', { purpose: 'Pairs judged by log-probs.', replacedBy: 'scripts/utils/critic.py', defs: ['score_pair'] }),
  row('scripts/old.py', 'deprecated', { replacedBy: 'scripts/gone.py' }),
  row('scripts/train.py', 'experimental', { purpose: 'LoRA SFT.' }),
  row('scripts/utils/critic.py', 'canonical', { purpose: 'Shared judge.', defs: ['get_token_logprobs'], canonicalFor: ['log-prob critic'] }),
];

const key = (input: string, k: KeyPress = {}): Event => ({ type: 'key', input, key: k });
const ESC = key('', { escape: true });
const ENTER = key('', { return: true });

function press(state: State, ...events: (Event | string)[]): State {
  return events.reduce<State>((s, e) => reduce(s, typeof e === 'string' ? key(e) : e), state);
}

const start = (rows: BrowseRow[] = ROWS, size = { columns: 80, rows: 24 }): State => initialState(rows, size);
const selected = (s: State): string | undefined => s.rows[s.visible[s.cursor] ?? -1]?.path;

describe('the browser reducer', () => {
  it('moves with j/k and arrows, stops at the ends, and jumps with g/G', () => {
    let s = press(start(), 'j', 'j', key('', { downArrow: true }));
    expect(selected(s)).toBe('scripts/train.py');
    s = press(s, key('', { upArrow: true }), 'k');
    expect(selected(s)).toBe('scripts/gen_pairs_logprob.py');
    expect(selected(press(s, 'k', 'k', 'k'))).toBe('Makefile');
    expect(selected(press(s, 'G'))).toBe('scripts/utils/critic.py');
    expect(selected(press(s, 'G', 'j'))).toBe('scripts/utils/critic.py');
    expect(selected(press(s, 'G', 'g'))).toBe('Makefile');
  });

  it('filters live by name, purpose, function names and capabilities; Esc clears', () => {
    let s = press(start(), '/', 'l', 'o', 'g', '-', 'p');
    expect(s.typing).toBe(true);
    expect(s.visible.map((i) => s.rows[i]?.path)).toEqual(['scripts/gen_pairs_logprob.py', 'scripts/utils/critic.py']);
    // a function name and a purpose word, both required
    s = press(start(), '/', ...'token judge');
    expect(s.visible.map((i) => s.rows[i]?.path)).toEqual(['scripts/utils/critic.py']);
    s = press(s, key('', { backspace: true }), key('', { backspace: true }), key('', { backspace: true }), key('', { backspace: true }), key('', { backspace: true }), key('', { backspace: true }));
    expect(s.query).toBe('token');
    s = press(s, ESC);
    expect(s.query).toBe('');
    expect(s.typing).toBe(false);
    expect(s.visible).toHaveLength(ROWS.length);
  });

  it('takes a chunk of several characters (a paste, tmux send-keys) as key presses one by one', () => {
    const s = reduce(start(), key('/critic'));
    expect(s.typing).toBe(true);
    expect(s.query).toBe('critic');
  });

  it('keeps keys that are commands elsewhere as text while typing, and Enter keeps the filter', () => {
    let s = press(start(), '/', 'q', 'j', 'G');
    expect(s.quit).toBe(false);
    expect(s.query).toBe('qjG');
    s = press(start(), '/', 't', 'r', 'a', 'i', 'n', ENTER);
    expect(s.typing).toBe(false);
    expect(s.query).toBe('train');
    expect(selected(s)).toBe('scripts/train.py');
    // the filter stays until Esc in the list
    s = press(s, ESC);
    expect(s.query).toBe('');
  });

  it('narrows an earlier answer when the query grows and re-searches everything when it shrinks', () => {
    const base = start();
    const narrowed = filterRows(base, 'critic', null, [1, 2]);
    expect(narrowed).toEqual([]);
    expect(filterRows(base, 'critic', null)).toEqual([4]);
    const s = press(base, '/', 'c', 'r', 'i', 't', 'x', key('', { backspace: true }));
    expect(s.visible.map((i) => s.rows[i]?.path)).toEqual(['scripts/utils/critic.py']);
  });

  it('cycles the status filter with s: canonical, active, experimental, deprecated, all', () => {
    const statuses: (string | null)[] = [];
    let s = start();
    for (let i = 0; i < 5; i++) {
      s = press(s, 's');
      statuses.push(s.status);
      expect(s.visible.every((v) => s.status === null || s.rows[v]?.status === s.status)).toBe(true);
    }
    expect(statuses).toEqual(['canonical', 'active', 'experimental', 'deprecated', null]);
    expect(press(start(), 's', 's', 's', 's').visible).toHaveLength(2);
  });

  it('opens the selected script, follows replaced_by, and goes back one pane at a time', () => {
    let s = press(start(), '/', ...'pairs', ENTER, ENTER);
    expect(s.view).toBe('detail');
    expect(shownPath(s)).toBe('scripts/gen_pairs_logprob.py');
    s = press(s, 'r');
    expect(shownPath(s)).toBe('scripts/utils/critic.py');
    expect(s.stack).toEqual(['scripts/gen_pairs_logprob.py', 'scripts/utils/critic.py']);
    // the canonical critic has no replacement: a notice, no jump
    s = press(s, 'r');
    expect(s.message).toContain('no replacement');
    expect(shownPath(s)).toBe('scripts/utils/critic.py');
    s = press(s, ESC);
    expect(s.message).toBeNull();
    expect(shownPath(s)).toBe('scripts/gen_pairs_logprob.py');
    s = press(s, ESC);
    expect(s.view).toBe('list');
    expect(s.query).toBe('pairs');
  });

  it('says so when the replacement is not in the registry', () => {
    const s = press(start(), 'j', 'j', ENTER, 'r');
    expect(shownPath(s)).toBe('scripts/old.py');
    expect(s.message).toBe('scripts/gone.py is not in the registry');
  });

  it('scrolls the detail within its length', () => {
    let s = press(start(), ENTER);
    s = reduce(s, { type: 'detailLength', lines: 30 });
    s = press(s, 'G');
    expect(s.detailTop).toBe(30 - 20);
    s = press(s, 'k', 'g', 'k');
    expect(s.detailTop).toBe(0);
  });

  it('shows help from anywhere and returns where it was', () => {
    let s = press(start(), ENTER, '?');
    expect(s.view).toBe('help');
    s = press(s, ESC);
    expect(s.view).toBe('detail');
    expect(press(start(), '?', '?').view).toBe('list');
  });

  it('quits on q and Ctrl-C, even while typing for Ctrl-C', () => {
    expect(press(start(), 'q').quit).toBe(true);
    expect(press(start(), ENTER, key('c', { ctrl: true })).quit).toBe(true);
    expect(press(start(), '/', key('c', { ctrl: true })).quit).toBe(true);
  });

  it('keeps the cursor in the window as the terminal shrinks and grows', () => {
    const many = Array.from({ length: 100 }, (_, i) => row(`s/${String(i).padStart(3, '0')}.py`));
    let s = press(start(many, { columns: 80, rows: 24 }), 'G');
    expect(s.cursor).toBe(99);
    expect(s.top).toBe(100 - 20);
    s = reduce(s, { type: 'resize', size: { columns: 30, rows: 8 } });
    expect(s.top).toBe(100 - 4);
    s = press(s, 'g');
    expect(s.top).toBe(0);
    s = reduce(s, { type: 'resize', size: { columns: 120, rows: 50 } });
    expect(s.top).toBe(0);
    expect(s.cursor).toBe(0);
  });

  it('does nothing harmful on an empty registry', () => {
    const s = press(start([]), 'j', 'G', ENTER, 's', '/', 'x', ESC, 'r');
    expect(s.view).toBe('list');
    expect(s.cursor).toBe(0);
    expect(s.visible).toEqual([]);
  });
});
