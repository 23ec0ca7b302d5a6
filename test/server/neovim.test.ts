/**
 * `provenant server` in a real editor: Neovim's built-in LSP client, headless, no plugin and no user config,
 * on a committed project. What the editor saw (diagnostics, hover, code actions, diagnostics after an edit of
 * the unsaved buffer) is written by test/server/neovim/probe.lua and checked here. Without `nvim` the test is
 * skipped locally; under CI=true it fails (.ci/run installs Debian's neovim).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { CONFIG } from './project.js';

const NVIM = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const HAS_NVIM = NVIM.status === 0;
if (!HAS_NVIM && process.env.CI === 'true') throw new Error('CI: nvim is missing (apt-get install neovim): the editor test cannot run');
if (!HAS_NVIM) console.log('skipped: the Neovim editor test needs nvim on PATH');

const SCRIPT = `from transformers import AutoTokenizer

tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")
text = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)
`;

interface Seen {
  lnum: number;
  col: number;
  message: string;
  source: string;
  code: string;
  severity: number;
}
interface Probe {
  error?: string;
  opened: boolean;
  diagnostics: Seen[];
  hover: string | null;
  actions: string[];
  edited: boolean;
  after: Seen[];
}

const repos: GitDir[] = [];
afterAll(() => {
  for (const r of repos) r.cleanup();
});

describe.skipIf(!HAS_NVIM)(`provenant server in Neovim (${NVIM.stdout?.split('\n')[0] ?? 'nvim'})`, () => {
  it('shows the findings on open, hovers their rule, offers the suppression, and follows an unsaved edit', () => {
    const repo = makeGitDir({ 'provenant.toml': CONFIG, 'scripts/chat.py': SCRIPT });
    repos.push(repo);
    repo.add();
    repo.commit('lab');
    const out = path.join(repo.root, '.git', 'probe.json');
    const run = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${path.join(REPO, 'test', 'server', 'neovim', 'probe.lua')}`], {
      cwd: repo.root,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        PROBE_OUT: out,
        PROBE_FILE: path.join(repo.root, 'scripts', 'chat.py'),
        PROBE_ROOT: repo.root,
        PROBE_NODE: process.execPath,
        PROBE_BIN: BIN,
        PROBE_EDIT_LINE: '3',
        PROBE_EDIT_TEXT: 'text = "User: hi\\nAssistant:"',
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const probe = JSON.parse(readFileSync(out, 'utf8')) as Probe;
    expect(probe.error).toBeUndefined();
    expect(probe.opened).toBe(true);
    const tmpl = probe.diagnostics.find((d) => d.code === 'TMPL001');
    expect(tmpl).toMatchObject({ lnum: 3, source: 'provenant', severity: 1 });
    expect(tmpl?.message).toContain('apply_chat_template');
    // the diagnostics are the audit's findings, line for line
    const audit = spawnSync(process.execPath, [BIN, 'audit', '--format', 'json', 'scripts/chat.py'], { cwd: repo.root, encoding: 'utf8' });
    const findings = (JSON.parse(audit.stdout) as { findings: { code: string; span: { line: number; col: number } }[] }).findings;
    expect(probe.diagnostics.map((d) => `${d.code}@${d.lnum + 1}:${d.col + 1}`).sort()).toEqual(findings.map((f) => `${f.code}@${f.span.line}:${f.span.col}`).sort());
    expect(probe.hover).toMatch(/^\*\*[A-Z]+\d{3}\*\* \(/);
    expect(probe.hover).toContain('Why is this bad?');
    expect(probe.actions.some((t) => /^Suppress [A-Z]+\d{3} on this line/.test(t))).toBe(true);
    // the edit removed the template call from the buffer (the file on disk still has it)
    expect(probe.edited).toBe(true);
    expect(probe.after.map((d) => `${d.code}@${d.lnum + 1}`)).toEqual(probe.diagnostics.filter((d) => d.code !== 'TMPL001').map((d) => `${d.code}@${d.lnum + 1}`));
    expect(probe.after.length).toBeGreaterThan(0);
    expect(readFileSync(path.join(repo.root, 'scripts', 'chat.py'), 'utf8')).toBe(SCRIPT);
  });
});
