/**
 * The browser's actions end to end, in a real terminal (tmux) on the built binary: `d`, `c` and `b` edit
 * the annotations file through the registry's edit commands (its comments kept, the list read again),
 * a bad answer and a held lock are said in the footer; `o` hands the terminal to $EDITOR and takes it
 * back (a recording editor, a failing one, none set); `a` lists what a script produced with verdicts;
 * the help scrolls in a short terminal.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/core/lock.js';
import { openBrowse } from '../../src/ui/browser/data.js';
import { helpScreen } from '../../src/ui/browser/keymap.js';
import { initialState, reduce, type State } from '../../src/ui/browser/state.js';
import { provenant } from '../helpers/exec.js';
import type { GitDir } from '../helpers/gitdir.js';
import { HAS_TMUX, tmuxServer, type TmuxServer } from '../helpers/tmux.js';
import { browserLab, expectedScreen } from './browser-lab.js';

const server = tmuxServer('provenant-tui-actions');
const ANNOTATIONS = 'provenant-registry.yaml';
const OWN_COMMENT = '  # evaluation owners: ask in #evals before changing this entry';
const INLINE_COMMENT = ' # checked by hand in March';

let lab: GitDir;
const annotations = (): string => readFileSync(path.join(lab.root, ANNOTATIONS), 'utf8');

beforeAll(() => {
  lab = browserLab();
  // comments a person wrote, which every edit must keep
  const text = annotations()
    .replace('  scripts/evaluate_instruction_following.py:\n', `${OWN_COMMENT}\n  scripts/evaluate_instruction_following.py:\n`)
    .replace(/( {4}purpose: Best-of-N pairs[^\n]*)/, `$1${INLINE_COMMENT}`);
  expect(text).toContain(OWN_COMMENT);
  expect(text).toContain(INLINE_COMMENT);
  writeFileSync(path.join(lab.root, ANNOTATIONS), text);
  // a script that made two artifacts, one changed since
  lab.commitFiles({ 'scripts/make_note.py': '"""Writes a note to the path it is given."""\nimport sys\nopen(sys.argv[1], "w").write("note")\n' }, 'note maker');
  for (const out of ['data/note_a.txt', 'data/note_b.txt']) {
    const r = provenant(['run', '--out', out, '--', 'python3', 'scripts/make_note.py', out], lab.root);
    if (r.code !== 0) throw new Error(`provenant run exited ${r.code}: ${r.stderr}`);
  }
  writeFileSync(path.join(lab.root, 'data/note_b.txt'), 'changed');
});
afterAll(() => {
  server.kill();
  lab?.cleanup();
});

/** The annotations file kept what a person wrote in it (the header, a comment line, an inline comment). */
function expectCommentsKept(text: string): void {
  expect(text).toMatch(/^# provenant registry annotations: /);
  expect(text).toContain(`${OWN_COMMENT}\n  scripts/evaluate_instruction_following.py:\n`);
  expect(text).toMatch(new RegExp(` {4}purpose: Best-of-N pairs[^\\n]*${INLINE_COMMENT}\\n`));
}

/** The entry of `file` in the annotations text, up to the next entry. */
function entryOf(text: string, file: string): string {
  const start = text.indexOf(`\n  ${file}:\n`);
  if (start < 0) return '';
  const rest = text.slice(start + 1);
  const next = rest.slice(1).search(/\n {2}\S/);
  return next < 0 ? rest : rest.slice(0, next + 2);
}

const rowOf = (screen: string, file: string): string => screen.split('\n').find((l) => l.includes(`  ${file}`)) ?? '';
const footer = (screen: string, rows = 30): string => screen.split('\n')[rows - 2] ?? '';

/** Starts the browser in the lab and waits for its first screen. */
async function launch(session: string, options: Omit<Parameters<TmuxServer['start']>[1], 'cwd'> = {}): Promise<void> {
  server.start(session, { cwd: lab.root, ...options });
  await server.until(session, 'provenant registry');
}

/** Types an answer into the prompt and presses Enter. */
function answer(session: string, text: string): void {
  server.type(session, text);
  server.keys(session, 'Enter');
}

/** q, and the browser exits 0. */
async function quit(session: string): Promise<void> {
  server.keys(session, 'q');
  await server.until(session, 'tui exited 0');
}

/** Filters the list down to `file` (typed whole, so it sorts first) and keeps the filter. */
async function select(session: string, file: string): Promise<void> {
  // a kept filter is cleared first (Esc in the list), and Esc is sent alone: ESC and / together read as Alt-/
  for (let tries = 0; server.screen(session).includes('Esc clears') && tries < 50; tries++) {
    if (tries % 10 === 0) server.keys(session, 'Escape');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  server.keys(session, '/');
  server.type(session, path.basename(file));
  server.keys(session, 'Enter');
  await server.until(session, `› `, file, 'Esc clears');
}

describe.skipIf(!HAS_TMUX)('provenant tui: edits (tmux)', () => {
  it('d deprecates: a bad replacement is refused in the footer, Tab completes a good one, the YAML keeps its comments', async () => {
    // wide enough for the longest footer (a path, then what is wrong with it)
    await launch('dep', { columns: 200 });
    await select('dep', 'scripts/compare_checkpoints.py');
    server.keys('dep', 'd');
    await server.until('dep', 'deprecate scripts/compare_checkpoints.py (1 of 2)', 'replaced by: ▏');
    answer('dep', 'scripts/nope.py');
    expect(footer(await server.until('dep', 'not a registered'))).toBe('replaced by: scripts/nope.py▏  not a registered file (Tab completes)');
    // a deprecated replacement is refused too, naming what replaced it
    server.keys('dep', 'C-u');
    answer('dep', 'scripts/generate_preference_pairs_logprob.py');
    await server.until('dep', 'logprob.py▏  deprecated itself; its replacement: scripts/utils/instruction_critic.py');
    server.keys('dep', 'C-u');
    server.type('dep', 'instruction_crit');
    server.keys('dep', 'Tab');
    await server.until('dep', 'replaced by: scripts/utils/instruction_critic.py▏');
    server.keys('dep', 'Enter');
    await server.until('dep', '(2 of 2)', 'reason: ▏');
    answer('dep', 'compares with the critic instead');
    const done = await server.until('dep', `updated ${ANNOTATIONS}: scripts/compare_checkpoints.py`);
    // the list was read again: the row says deprecated, still selected under the kept filter
    expect(rowOf(done, 'scripts/compare_checkpoints.py')).toMatch(/^› deprecated\s+scripts\/compare_checkpoints\.py/);
    expect(footer(done)).toMatch(/— status: (\(none\)|active) → deprecated; replaced_by: \(none\) → scripts\/utils\/instruction_critic\.py; reason: \(none\) → compares/);

    const text = annotations();
    expectCommentsKept(text);
    expect(entryOf(text, 'scripts/compare_checkpoints.py')).toBe(
      '  scripts/compare_checkpoints.py:\n    status: deprecated\n    replaced_by: scripts/utils/instruction_critic.py\n    reason: compares with the critic instead\n',
    );
    await quit('dep');
  });

  it('c marks canonical, asking before it takes a capability another script holds', async () => {
    await launch('canon', { columns: 250 });
    await select('canon', 'scripts/train_stage1_sft.py');
    server.keys('canon', 'c');
    await server.until('canon', 'mark canonical scripts/train_stage1_sft.py', 'canonical for: ▏');
    answer('canon', 'Log-prob critic');
    await server.until('canon', 'scripts/utils/instruction_critic.py is canonical for "Log-prob critic"; take it? (y/n)');
    server.keys('canon', 'y');
    const done = await server.until('canon', `updated ${ANNOTATIONS}: scripts/train_stage1_sft.py`);
    expect(rowOf(done, 'scripts/train_stage1_sft.py')).toMatch(/^› ★ canonical\s+scripts\/train_stage1_sft\.py/);
    expect(footer(done)).toContain('scripts/utils/instruction_critic.py: status: canonical → active (no longer canonical for "Log-prob critic")');

    const text = annotations();
    expectCommentsKept(text);
    expect(entryOf(text, 'scripts/train_stage1_sft.py')).toMatch(/ {4}status: canonical\n {4}canonical_for:\n {6}- Log-prob critic\n$/);
    expect(entryOf(text, 'scripts/utils/instruction_critic.py')).toContain('    status: active\n');
    expect(entryOf(text, 'scripts/utils/instruction_critic.py')).not.toContain('canonical_for');
    // the other script's row changed too: the whole list was read again
    server.keys('canon', 'Escape');
    await server.until('canon', /\n {2}active +scripts\/utils\/instruction_critic\.py /);
    await quit('canon');
  });

  it('b records a known bug from the detail, which shows it at once; an unknown commit and a held lock are said in the footer', async () => {
    await launch('bug');
    await select('bug', 'scripts/evaluate_stage1_simple.py');
    server.keys('bug', 'Enter');
    await server.until('bug', 'list › scripts/evaluate_stage1_simple.py');
    server.keys('bug', 'b');
    answer('bug', 'reads the base model answers as the tuned ones');
    await server.until('bug', 'fixed in commit (Enter: not fixed yet): ▏');
    answer('bug', 'nosuchrev');
    const refused = await server.until('bug', "unknown revision 'nosuchrev'");
    expect(footer(refused)).toBe("--fixed-in: unknown revision 'nosuchrev'");
    expect(annotations()).not.toContain('reads the base model answers');

    // another provenant command holding the file's lock: the edit waits a little, then says so
    const held = await acquireLock(lab.root, `file:${ANNOTATIONS}`, { what: ANNOTATIONS, waitMs: 0 });
    try {
      server.keys('bug', 'b');
    server.type('bug', 'reads the base model answers as the tuned ones');
      server.keys('bug', 'Enter', 'Enter');
      const locked = await server.until('bug', `${ANNOTATIONS} is in use by process ${process.pid}`);
      expect(footer(locked)).toMatch(new RegExp(`^${ANNOTATIONS} is in use by process ${process.pid}`));
    } finally {
      held.release();
    }
    expect(annotations()).not.toContain('reads the base model answers');

    server.keys('bug', 'b');
    server.type('bug', 'reads the base model answers as the tuned ones');
    server.keys('bug', 'Enter', 'Enter');
    const done = await server.until('bug', `updated ${ANNOTATIONS}: scripts/evaluate_stage1_simple.py`, 'Known bugs (1)');
    expect(done).toContain('reads the base model answers as the tuned ones (not fixed)');
    const text = annotations();
    expectCommentsKept(text);
    expect(entryOf(text, 'scripts/evaluate_stage1_simple.py')).toMatch(/ {4}bugs:\n {6}- summary: reads the base model answers as the tuned ones\n/);
    await quit('bug');
  });
});

describe.skipIf(!HAS_TMUX)('provenant tui: o, a and the help (tmux)', () => {
  it('o hands the terminal to $EDITOR at the first finding and takes it back; a failing or missing editor is a footer message', async () => {
    const bin = path.join(lab.tmp, 'bin');
    const record = path.join(lab.tmp, 'editor-argv.txt');
    const status = path.join(lab.tmp, 'editor-status');
    // named vim, so it is given +LINE; it records its arguments and whether the terminal was cooked, draws on it, and exits as told
    const vim = path.join(bin, 'vim');
    mkdirSync(bin, { recursive: true });
    writeFileSync(status, '0');
    const script = `#!/bin/sh\n{ printf '%s\\n' "$@"; stty -a | grep -o -- '-\\?icanon' | head -1; } > '${record}'\necho EDITOR WAS HERE\nsleep 0.3\nexit "$(cat '${status}')"\n`;
    writeFileSync(vim, script);
    chmodSync(vim, 0o755);
    const session = await openBrowse({ cwd: lab.root, refresh: false });
    const extras = await session.extras('Makefile');
    session.close();
    const lines = extras.findings.ok ? extras.findings.findings.map((f) => f.span.line) : [];
    expect(lines.length).toBeGreaterThan(0);
    const first = Math.min(...lines);

    await launch('edit', { env: `NO_COLOR=1 VISUAL= EDITOR='${vim}'` });
    await select('edit', 'Makefile');
    server.keys('edit', 'Enter');
    const detail = await server.until('edit', 'list › Makefile', 'Audit findings (');
    server.keys('edit', 'o');
    const back = await server.until('edit', `back from vim (Makefile:${first})`);
    expect(readFileSync(record, 'utf8')).toBe(`+${first}\nMakefile\nicanon\n`);
    // the browser's screen came back whole: nothing the editor drew, one header, the same detail
    expect(back).not.toContain('EDITOR WAS HERE');
    expect(back.split('\n').slice(0, 10)).toEqual(detail.split('\n').slice(0, 10));
    expect(back.split('\n').filter((l) => l.startsWith('provenant registry'))).toHaveLength(1);
    // and the keys work again (raw mode back): j scrolls the detail by one line
    server.keys('edit', 'j');
    await server.until('edit', '? help  q quit');
    expect((await server.until('edit', 'list › Makefile')).split('\n')[2]).toBe(detail.split('\n')[3]);

    writeFileSync(status, '4');
    server.keys('edit', 'o');
    const failed = await server.until('edit', 'exited with status 4');
    expect(footer(failed)).toBe(`the editor \`${vim}\` exited with status 4 on Makefile:${first}`);
    await quit('edit');

    await launch('noedit', { env: '-u VISUAL -u EDITOR NO_COLOR=1' });
    server.keys('noedit', 'o');
    expect(footer(await server.until('noedit', 'no editor'))).toBe('no editor: set $VISUAL or $EDITOR (e.g. export EDITOR=vim)');
    await quit('noedit');
  });

  it('a lists the artifacts a script produced with their verdicts, and says when there are none', async () => {
    await launch('art');
    await select('art', 'scripts/make_note.py');
    server.keys('art', 'a');
    const pane = await server.until('art', 'list › artifacts', 'Artifacts (2)', 'tampered');
    const rows = pane.split('\n');
    expect(rows[2]).toBe('artifacts of scripts/make_note.py');
    expect(rows.find((l) => l.includes('data/note_a.txt'))).toMatch(/^ {2}data\/note_a\.txt {2}ok {2}\d{4}-\d\d-\d\dT/);
    const b = rows.findIndex((l) => l.includes('data/note_b.txt'));
    expect(rows[b]).toMatch(/^ {2}data\/note_b\.txt {2}tampered {2}\d{4}-/);
    expect(rows[b + 1]).toMatch(/^ {6}content changed after it was stamped/);
    server.keys('art', 'Escape');
    await server.until('art', 'filter "make_note.py"');
    await select('art', 'scripts/utils/names.py');
    server.keys('art', 'a');
    await server.until('art', 'artifacts of scripts/utils/names.py', 'Artifacts (0)', 'none recorded');
    await quit('art');
  });

  it('the help scrolls in a terminal shorter than it, to its last line and back, whole screens compared', async () => {
    const browse = await openBrowse({ cwd: lab.root, refresh: false });
    const size = { columns: 100, rows: 16 };
    const source = { coverage: browse.coverage, unchecked: false };
    const include = browse.include;
    let state: State = initialState(browse.rows, size);
    browse.close();
    const length = helpScreen(size.columns).length;
    expect(length).toBeGreaterThan(size.rows);

    server.start('help', { cwd: lab.root, env: '-u NO_COLOR TERM=tmux-256color', ...size });
    const first = expectedScreen(state, source, include);
    expect(await server.untilScreen('help', first)).toBe(first);
    const press = async (tmuxKey: string, input: string, key: Record<string, boolean> = {}): Promise<void> => {
      server.keys('help', tmuxKey);
      state = reduce(state, { type: 'key', input, key });
      if (state.view === 'help') state = reduce(state, { type: 'paneLength', lines: length });
      const expected = expectedScreen(state, source, include);
      expect(await server.untilScreen('help', expected), `after ${tmuxKey}`).toBe(expected);
    };
    await press('?', '?');
    await press('j', 'j');
    await press('Down', '', { downArrow: true });
    await press('NPage', '', { pageDown: true });
    await press('G', 'G');
    expect(state.scroll.help.top).toBe(length - (size.rows - 4));
    expect(server.screen('help')).toContain('Edits are written to the annotations file');
    await press('PPage', '', { pageUp: true });
    await press('k', 'k');
    await press('g', 'g');
    await press('Escape', '', { escape: true });
    await quit('help');
  });
});
