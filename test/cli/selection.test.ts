/**
 * What an audit looks at must be what the user meant: a misspelt rule code is an error (never a green run
 * over no rules), git-ignored files are left out of a walk, and a file skipped unread fails the gate.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { provenant } from '../helpers/exec.js';
import { useTmpProjects } from '../helpers/tmp.js';

const project = useTmpProjects({});
const LOAD = 'from transformers import AutoModelForCausalLM\nm = AutoModelForCausalLM.from_pretrained("gpt2")\n';

function git(dir: string, ...args: string[]): void {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

describe('rule codes named by the user', () => {
  it.each([
    [['--select', 'LAOD001'], '--select: unknown rule code or prefix `LAOD001` (did you mean LOAD001?)'],
    [['--ignore', 'TMPL9'], '--ignore: unknown rule code or prefix `TMPL9` (did you mean TMPL'],
    [['--select', 'LOAD,TKO'], '--select: unknown rule code or prefix `TKO` (did you mean TOK?)'],
    [['--fail-on', 'eror'], '--fail-on: expected one of error, warning, info, got `eror` (did you mean error?)'],
  ])('%j is exit 2 with a suggestion', (flags, message) => {
    const dir = project({ 'train.py': LOAD });
    const r = provenant(['audit', ...flags], dir);
    expect(r.stderr).toContain(message);
    expect(r.stdout).not.toContain('All clear');
    expect(r.code).toBe(2);
  });

  it.each([
    ['select = ["LOAD", "TMPL9"]\n', 'provenant.toml:1: select: unknown rule code or prefix `TMPL9`'],
    ['ignore = ["SCRIP"]\n', 'provenant.toml:1: ignore: unknown rule code or prefix `SCRIP` (did you mean SCRIPT'],
    ['[severity]\nLAOD001 = "info"\n', 'provenant.toml:2: severity: unknown rule code or prefix `LAOD001` (did you mean LOAD001?)'],
    ['[per-file-ignores]\n"tests/**" = ["TMLP001"]\n', 'provenant.toml:2: per-file-ignores."tests/**": unknown rule code or prefix `TMLP001` (did you mean TMPL001?)'],
  ])('config %j is exit 2 naming file, line and key', (toml, message) => {
    const dir = project({ 'train.py': LOAD, 'provenant.toml': toml });
    for (const command of [['audit'], ['gate']]) {
      const r = provenant(command, dir);
      expect(r.stderr).toContain(message);
      expect(r.code).toBe(2);
    }
  });

  it('accepts every real code, prefix and ALL', () => {
    const dir = project({ 'train.py': LOAD, 'provenant.toml': 'select = ["ALL"]\nignore = ["TOK", "DUP001"]\n[severity]\nSCRIPT = "error"\n' });
    const r = provenant(['audit', '--select', 'LOAD,TMPL001', '--ignore', 'LOAD002'], dir);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBeLessThan(2);
  });

  it('a path that does not exist is exit 2', () => {
    const dir = project({ 'train.py': LOAD });
    const r = provenant(['audit', 'train.py', 'trian.py'], dir);
    expect(r.stderr).toContain('trian.py: no such file or directory');
    expect(r.code).toBe(2);
  });
});

describe('.gitignore', () => {
  const files = { 'train.py': LOAD, 'gen/out.py': LOAD, 'notes/keep.py': LOAD, '.gitignore': 'gen/\n*.tmp.py\n', 'scratch.tmp.py': LOAD };

  function audited(dir: string, ...args: string[]): string[] {
    const r = provenant(['audit', '--no-cache', '--format', 'json', ...args], dir);
    expect(r.stderr).toBe('');
    return [...new Set((JSON.parse(r.stdout) as { findings: { path: string }[] }).findings.map((f) => f.path))].sort();
  }

  it('leaves out what git ignores when walking a work tree', () => {
    const dir = project(files);
    git(dir, 'init', '-q');
    expect(audited(dir)).toEqual(['notes/keep.py', 'train.py']);
    // a subfolder run asks git from there
    expect(audited(dir, 'notes')).toEqual(['notes/keep.py']);
  });

  it('audits a tracked file even when a pattern matches it, and a file named on the command line', () => {
    const dir = project(files);
    git(dir, 'init', '-q');
    git(dir, 'add', '-f', 'gen/out.py');
    expect(audited(dir)).toEqual(['gen/out.py', 'notes/keep.py', 'train.py']);
    expect(audited(dir, 'scratch.tmp.py')).toEqual(['scratch.tmp.py']);
  });

  it('respect-gitignore = false walks everything; outside git nothing is ignored', () => {
    const off = project({ ...files, 'provenant.toml': 'respect-gitignore = false\n' });
    git(off, 'init', '-q');
    expect(audited(off)).toEqual(['gen/out.py', 'notes/keep.py', 'scratch.tmp.py', 'train.py']);
    const plain = project({ ...files, 'provenant.toml': '' });
    expect(audited(plain)).toEqual(['gen/out.py', 'notes/keep.py', 'scratch.tmp.py', 'train.py']);
  });
});

describe('files skipped unread', () => {
  const big = `${LOAD}${'#'.repeat(400)}\n`;

  it('are warned about and counted by audit, and fail the gate', () => {
    const dir = project({ 'provenant.toml': 'max-file-size = 200\n', 'stages/train.py': big, 'ok.py': 'print(1)\n' });
    const named = provenant(['audit', 'stages/train.py'], dir);
    expect(named.stderr).toContain('stages/train.py: skipped: too large');
    expect(named.stdout).toContain('1 file skipped');
    expect(named.stdout).not.toContain('All clear');
    const gate = provenant(['gate'], dir);
    expect(gate.stdout).toContain('1 file(s) skipped unread');
    expect(gate.stdout).toContain('stages/train.py: not audited: too large');
    expect(gate.code).toBe(1);
  });

  it('a named FIFO is reported as skipped, never read and never "All clear"', () => {
    const dir = project({ 'ok.py': 'print(1)\n' });
    expect(spawnSync('mkfifo', [path.join(dir, 'pipe.py')]).status).toBe(0);
    const r = provenant(['audit', 'pipe.py', 'ok.py'], dir);
    expect(r.stderr).toContain('pipe.py: skipped: not a regular file or folder');
    expect(r.stdout).toContain('1 file skipped');
    expect(r.stdout).not.toContain('All clear');
  });

  it('pass the gate once the user excludes them', () => {
    const dir = project({ 'provenant.toml': 'max-file-size = 200\nextend-exclude = ["stages/train.py"]\n', 'stages/train.py': big, 'ok.py': 'print(1)\n' });
    expect(provenant(['gate'], dir).code).toBe(0);
  });
});
