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
    s = reduce(s, { type: 'paneLength', lines: 30 });
    s = press(s, 'G');
    expect(s.scroll.detail.top).toBe(30 - 20);
    s = press(s, 'k', 'g', 'k');
    expect(s.scroll.detail.top).toBe(0);
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

describe('the browser reducer: help, artifacts and the actions on a script', () => {
  const typed = (text: string): Event[] => [...text].map((ch) => key(ch));
  const TAB = key('', { tab: true });

  it('scrolls the help when it is taller than the terminal, within its length', () => {
    let s = press(start(ROWS, { columns: 80, rows: 12 }), '?');
    s = reduce(s, { type: 'paneLength', lines: 40 });
    s = press(s, 'j', 'j', key('', { downArrow: true }));
    expect(s.scroll.help.top).toBe(3);
    s = press(s, key('', { pageDown: true }), key('', { pageDown: true }), key('', { pageDown: true }), key('', { pageDown: true }), key('', { pageDown: true }));
    expect(s.scroll.help.top).toBe(40 - 8);
    s = press(s, key('', { pageUp: true }));
    expect(s.scroll.help.top).toBe(40 - 8 - 7);
    s = press(s, 'g');
    expect(s.scroll.help.top).toBe(0);
    expect(press(s, ESC).view).toBe('list');
  });

  it('deprecates the selected script: replacement completed and checked, then the reason, then one request', () => {
    let s = press(start(), 'j', 'j', 'j', 'd');
    expect(s.prompt?.path).toBe('scripts/train.py');
    // a path that is not registered, and one that is deprecated itself, are refused where they are typed
    s = press(s, ...typed('scripts/nope.py'), ENTER);
    expect(s.prompt?.note).toEqual({ text: 'not a registered file (Tab completes)', error: true });
    s = press(s, key('u', { ctrl: true }), ...typed('./scripts/old.py'), ENTER);
    expect(s.prompt?.note?.text).toBe('deprecated itself; its replacement: scripts/gone.py');
    expect(s.prompt?.answers).toEqual([]);
    s = press(s, key('u', { ctrl: true }), ...typed('crit'), TAB);
    expect(s.prompt?.text).toBe('scripts/utils/critic.py');
    s = press(s, ENTER);
    expect(s.prompt?.answers).toEqual(['scripts/utils/critic.py']);
    s = press(s, ENTER);
    expect(s.prompt?.note?.error).toBe(true);
    s = press(s, ...typed('  uses the  old template '), ENTER);
    expect(s.prompt).toBeNull();
    expect(s.request).toEqual({ id: 1, kind: 'deprecate', path: 'scripts/train.py', replacedBy: 'scripts/utils/critic.py', reason: 'uses the old template' });
    expect(s.message).toBe('writing the annotations file…');
    // no second edit while the first is written; its answer clears it
    expect(press(s, 'b').message).toBe('wait: the last edit is still being written');
    s = reduce(s, { type: 'done', id: 1, message: 'updated registry/annotations.yaml: scripts/train.py', tone: 'done' });
    expect(s.request).toBeNull();
    expect(s.tone).toBe('done');
  });

  it('completes a prefix to what the matches share and lists them', () => {
    let s = press(start(), 'd', ...typed('scripts/'), TAB);
    expect(s.prompt?.text).toBe('scripts/');
    expect(s.prompt?.note).toEqual({ text: '2 matches: scripts/train.py, scripts/utils/critic.py', error: false });
    s = press(s, ...typed('zzz'), TAB);
    expect(s.prompt?.note).toEqual({ text: 'no registered path matches', error: true });
  });

  it('keys typed into a prompt are text (q, j, d), Esc cancels without a request', () => {
    let s = press(start(), 'b', ...typed('q j d'));
    expect(s.quit).toBe(false);
    expect(s.prompt?.text).toBe('q j d');
    s = press(s, ESC);
    expect(s.prompt).toBeNull();
    expect(s.request).toBeNull();
    expect(s.message).toBe('record a known bug cancelled; nothing written');
    expect(press(start(), 'b', key('c', { ctrl: true })).quit).toBe(true);
  });

  it('records a bug with or without the fixing commit, which is one word', () => {
    let s = press(start(), 'b', ...typed('drops the last row'), ENTER, ENTER);
    expect(s.request).toEqual({ id: 1, kind: 'bug', path: 'Makefile', summary: 'drops the last row' });
    s = press(start(), 'b', ...typed('drops the last row'), ENTER, ...typed('abc 123'), ENTER);
    expect(s.prompt?.note?.text).toBe('a commit is one word (a hash, a tag, HEAD~1)');
    s = press(s, key('', { backspace: true }), key('', { backspace: true }), key('', { backspace: true }), key('', { backspace: true }), ENTER);
    expect(s.request).toMatchObject({ kind: 'bug', fixedIn: 'abc' });
  });

  it('marks canonical, asking before it takes a capability another script holds', () => {
    let s = press(start(), 'j', 'j', 'j', ENTER, 'c', ...typed('SFT trainer'), ENTER);
    expect(s.request).toEqual({ id: 1, kind: 'canonical', path: 'scripts/train.py', capability: 'SFT trainer', force: false });
    s = press(start(), 'j', 'j', 'j', 'c', ...typed('Log-prob critic'), ENTER);
    expect(s.prompt?.answers).toEqual(['Log-prob critic']);
    expect(s.request).toBeNull();
    expect(press(s, 'n').request).toBeNull();
    s = press(s, 'x', 'y');
    expect(s.request).toMatchObject({ kind: 'canonical', capability: 'Log-prob critic', force: true });
    // a deprecated script cannot be canonical: said at once
    s = press(start(), 'j', 'c');
    expect(s.prompt).toBeNull();
    expect(s.message).toBe('scripts/gen_pairs_logprob.py is deprecated; it cannot be canonical (mark scripts/utils/critic.py instead)');
    expect(s.tone).toBe('error');
  });

  it('asks to open the shown script at its first finding (a notebook one by its JSON line), or line 1', () => {
    const finding = (line: number, cell?: { index: number; line: number }) => ({ path: 'scripts/train.py', span: { line }, ...(cell ? { cell } : {}) }) as never;
    let s = press(start(), 'j', 'j', 'j', 'o');
    expect(s.request).toEqual({ id: 1, kind: 'editor', path: 'scripts/train.py', line: 1 });
    s = reduce(start(), { type: 'extras', path: 'scripts/train.py', extras: { findings: { ok: true, findings: [finding(40), finding(12), finding(7, { index: 2, line: 1 })] } } });
    s = press(s, 'j', 'j', 'j', ENTER, 'o');
    expect(s.request).toMatchObject({ kind: 'editor', line: 7 });
    // the answer of another request is ignored
    expect(reduce(s, { type: 'done', id: 7, message: 'x', tone: 'note' }).request).not.toBeNull();
    // in the detail, the first finding on the screen: scrolled past the first, the second
    s = reduce({ ...s, request: null }, { type: 'paneLength', lines: 60, anchors: [{ row: 18, line: 12 }, { row: 30, line: 40 }] });
    expect(press(s, 'o').request).toMatchObject({ line: 12 });
    s = press(s, ...Array.from({ length: 19 }, () => 'j'));
    expect(s.scroll.detail.top).toBe(19);
    expect(press(s, 'o').request).toMatchObject({ line: 40 });
    // none on the screen: the first finding
    expect(press(s, 'G', 'o').request).toMatchObject({ line: 7 });
  });

  it('opens the artifacts pane from the list or the detail and goes back where it came from', () => {
    let s = press(start(), 'j', 'j', 'j', 'a');
    expect(s.view).toBe('artifacts');
    expect(shownPath(s)).toBe('scripts/train.py');
    expect(press(s, ESC).view).toBe('list');
    s = press(start(), ENTER, 'a', '?');
    expect(s.view).toBe('help');
    s = press(s, ESC);
    expect(s.view).toBe('artifacts');
    s = press(s, ESC);
    expect(s.view).toBe('detail');
    expect(shownPath(s)).toBe('Makefile');
  });

  it('takes new rows after an edit: the filter applied again, the same script selected', () => {
    let s = press(start(), '/', ...typed('.py'), ENTER, 'j', 'j');
    expect(selected(s)).toBe('scripts/train.py');
    const rows = ROWS.map((r) => (r.path === 'scripts/train.py' ? { ...r, status: 'deprecated' as const, replacedBy: 'scripts/utils/critic.py' } : r));
    s = reduce(s, { type: 'rows', rows: [row('scripts/a_new.py'), ...rows] });
    expect(selected(s)).toBe('scripts/train.py');
    expect(s.rows.find((r) => r.path === 'scripts/train.py')?.status).toBe('deprecated');
    expect(s.visible).toHaveLength(5);
  });
});

describe('completing a replacement', () => {
  it('leaves a word found inside paths as typed and lists the paths', () => {
    const s = press(start(), 'd', ...'critic.py'.split('').map((c) => key(c)), key('', { tab: true }));
    expect(s.prompt?.text).toBe('scripts/utils/critic.py');
    const many = press(start(), 'd', ...'.py'.split('').map((c) => key(c)), key('', { tab: true }));
    expect(many.prompt?.text).toBe('.py');
    expect(many.prompt?.note?.text).toBe('2 matches: scripts/train.py, scripts/utils/critic.py');
  });
});

describe('a chunk of text with keys in it', () => {
  it('takes Enter, Tab, Backspace, Ctrl-U and Ctrl-C inside the chunk as those keys', () => {
    const s = reduce(start(), key('dnope\u0015crit\t\rold\u007f\u007f\u007fsuperseded\r'));
    expect(s.request).toMatchObject({ kind: 'deprecate', path: 'Makefile', replacedBy: 'scripts/utils/critic.py', reason: 'superseded' });
    expect(reduce(start(), key('/ab\u0003')).quit).toBe(true);
  });
});
