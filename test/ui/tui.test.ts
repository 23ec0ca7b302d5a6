/**
 * `provenant tui` end to end: the built binary in a real terminal (tmux), on a copy of examples/stage1-lab
 * whose registry was imported and synced there; and the plain table it prints when stdout is a pipe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provenant } from '../helpers/exec.js';
import type { GitDir } from '../helpers/gitdir.js';
import { HAS_TMUX, tmuxServer } from '../helpers/tmux.js';
import { footerLine } from '../../src/ui/browser/chrome.js';
import { textOf } from '../../src/ui/lines.js';
import { initialState, reduce } from '../../src/ui/browser/state.js';
import { openBrowse } from '../../src/ui/browser/data.js';
import { browserLab, expectedScreen } from './browser-lab.js';

const server = tmuxServer('provenant-tui');

let lab: GitDir;
beforeAll(() => {
  lab = browserLab();
});
afterAll(() => {
  server.kill();
  lab.cleanup();
});

describe('provenant tui without a terminal', () => {
  it('prints a plain table and exits 0 instead of waiting for keys', () => {
    const r = provenant(['tui'], lab.root);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const total = Number(/^(\d+) registered files, \d+\/(\d+) documented \(\d+%\)$/.exec(lines[0] ?? '')?.[1]);
    expect(total).toBeGreaterThanOrEqual(26);
    expect(lines.filter((l) => /^(active|canonical|experimental|deprecated) /.test(l))).toHaveLength(total);
    expect(lines[1]).toMatch(/^STATUS\s+PATH\s+PURPOSE$/);
    expect(r.stdout).toMatch(/\ncanonical\s+scripts\/utils\/instruction_critic\.py\s+Shared log-prob judge/);
    expect(r.stdout).toMatch(/\ndeprecated\s+scripts\/generate_preference_pairs_logprob\.py\s+.* → scripts\/utils\/instruction_critic\.py\n/);
    expect(r.stdout).not.toContain('\u001b');
  });

  it('rejects arguments it does not take with exit 2', () => {
    const r = provenant(['tui', 'extra'], lab.root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tui: unexpected argument `extra`');
  });
});

const tmux = server.run;
const untilIn = server.until;
const until = (...texts: string[]): Promise<string> => untilIn('tui', ...texts);

describe.skipIf(!HAS_TMUX)('provenant tui in a terminal (tmux)', () => {
  it('filters to the log-prob scorer, opens it, follows replaced_by to the critic, goes back and quits cleanly', async () => {
    server.start('tui', { cwd: lab.root });

    const first = await until('provenant registry', ' files · ', 'scripts/utils/instruction_critic.py');
    expect(first).toMatch(/★ canonical\s+scripts\/utils\/instruction_critic\.py/);
    expect(first.split('\n')[2]).toMatch(/^› /);

    tmux('send-keys', '-t', 'tui', '/', 'log-prob');
    const filtered = await until('/log-prob', 'scripts/utils/instruction_critic.py');
    const listed = filtered.split('\n').slice(2).filter((l) => /^[› ] /.test(l) && l.includes('/'));
    const paths = listed.map((l) => l.trim().split(/\s{2,}/)[1] ?? l);
    // the scorer sorts first, selected; the rest all mention log-probs too
    expect(paths[0]).toBe('scripts/generate_preference_pairs_logprob.py');
    expect(listed[0]).toMatch(/^› /);
    expect(paths).toContain('scripts/utils/instruction_critic.py');
    expect(paths).not.toContain('scripts/train_stage1_sft.py');
    expect(filtered).toMatch(new RegExp(`${paths.length} of \\d+`));

    tmux('send-keys', '-t', 'tui', 'Enter');
    await until('filter "log-prob"');
    tmux('send-keys', '-t', 'tui', 'Enter');
    const scorer = await until('list › scripts/generate_preference_pairs_logprob.py', 'replaced by scripts/utils/instruction_critic.py');
    expect(scorer).toMatch(/status\s+deprecated/);
    expect(scorer).toContain('a second log-prob scorer');

    tmux('send-keys', '-t', 'tui', 'r');
    const critic = await until('list › scripts/generate_preference_pairs_logprob.py › scripts/utils/instruction_critic.py');
    expect(critic).toMatch(/status\s+★ canonical/);
    expect(critic).toContain('for log-prob critic');
    expect(critic).toMatch(/Dependents \(\d+\)/);

    tmux('send-keys', '-t', 'tui', 'Escape');
    await until('replaced by scripts/utils/instruction_critic.py');
    tmux('send-keys', '-t', 'tui', 'q');
    const after = await until('tui exited 0');
    // the alternate screen was left: none of the browser stays on the terminal
    expect(after).not.toContain('provenant registry');
  });

  const untilScreen = server.untilScreen;

  it('redraws the whole screen after ?, / and Enter under TERM=tmux-256color: one header, one cursor, one footer', async () => {
    const browse = await openBrowse({ cwd: lab.root, refresh: false });
    const size = { columns: 100, rows: 30 };
    let state = initialState(browse.rows, size);
    const source = { coverage: browse.coverage, unchecked: false }; // the binary checks the tree first
    browse.close();
    server.start('keys', { cwd: lab.root, env: '-u NO_COLOR TERM=tmux-256color', ...size });
    expect(await untilScreen('keys', expectedScreen(state, source, browse.include))).toBe(expectedScreen(state, source, browse.include));

    const press = async (tmuxKey: string, key: { input: string; return?: boolean }): Promise<string> => {
      tmux('send-keys', '-t', 'keys', tmuxKey);
      state = reduce(state, { type: 'key', input: key.input, key: key.return ? { return: true } : {} });
      const expected = expectedScreen(state, source, browse.include);
      const shown = await untilScreen('keys', expected);
      expect(shown, `after ${tmuxKey}`).toBe(expected);
      return shown;
    };
    expect((await press('?', { input: '?' })).split('\n')[1]).toBe('help');
    await press('?', { input: '?' });
    await press('j', { input: 'j' });
    await press('/', { input: '/' });
    for (const ch of 'log') await press(ch, { input: ch });
    const kept = await press('Enter', { input: '', return: true });
    expect(kept.split('\n').filter((l) => l.startsWith('› '))).toHaveLength(1);

    // Enter again opens the selected script: its breadcrumb under the header, and the footer only once
    tmux('send-keys', '-t', 'keys', 'Enter');
    const footer = textOf(footerLine({ ...state, view: 'detail' }));
    const lines = (await untilIn('keys', 'list › ', footer)).replace(/\n$/, '').split('\n');
    expect(lines[0]).toMatch(/^provenant registry {2}\d+ files · /);
    expect(lines[1]).toMatch(/^list › scripts\//);
    expect(lines.filter((l) => l.startsWith('provenant registry'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('› '))).toHaveLength(0);
    expect(lines.filter((l) => l === footer)).toEqual([footer]);
    expect(lines[size.rows - 2]).toBe(footer);
    tmux('send-keys', '-t', 'keys', 'q');
  });
});
