import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as hookCommand } from '../../src/cli/commands/hook.js';
import { UserError } from '../../src/core/errors.js';
import { hookStatus, installHook, uninstallHook } from '../../src/hooks/install.js';
import { hookScript } from '../../src/hooks/script.js';
import { BIN } from '../helpers/exec.js';

const CLEAN = 'print("hello")\n';
const TEMPLATED = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\ntok.apply_chat_template(m)\n';
const FOREIGN = '#!/bin/sh\necho "foreign hook ran" >> foreign.log\nexit 0\n';

/** git as CI runs it: no user or system config (a developer's core.hooksPath must not leak in), no colour. */
function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' };
  // When the suite itself runs inside a git hook, these point at the outer repository.
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX', 'PROVENANT_SKIP']) delete env[k];
  return { ...env, ...extra };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tmpDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-hook-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; out: string } {
  const r = spawnSync('git', args, { cwd, env: gitEnv(env), encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout + r.stderr };
}

/** A repository with a config and one clean, committed Python file. */
function repo(): string {
  const dir = tmpDir();
  const must = (args: string[]): void => {
    const r = git(dir, args);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.out}`);
  };
  must(['init', '-q']);
  must(['config', 'user.name', 'Test']);
  must(['config', 'user.email', 'test@example.com']);
  must(['config', 'commit.gpgsign', 'false']);
  writeFileSync(path.join(dir, 'provenant.toml'), '');
  writeFileSync(path.join(dir, 'clean.py'), CLEAN);
  must(['add', '.']);
  must(['commit', '-q', '-m', 'initial']);
  return dir;
}

const head = (dir: string): string => git(dir, ['rev-parse', 'HEAD']).out.trim();

function stage(dir: string, file: string, text: string): void {
  writeFileSync(path.join(dir, file), text);
  expect(git(dir, ['add', file]).code).toBe(0);
}

const install = (dir: string, force = false) => installHook({ cwd: dir, env: gitEnv(), bin: BIN, force });

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('provenant hook (plain git pre-commit hook)', () => {
  it('installs an executable, marked hook into the hooks folder', () => {
    const dir = repo();
    const r = install(dir);
    expect(r).toMatchObject({ action: 'installed', state: 'ours', version: 1, bin: BIN, backup: null, backedUp: false });
    expect(r.file).toBe(path.join(dir, '.git', 'hooks', 'pre-commit'));
    expect(statSync(r.file).mode & 0o111).toBe(0o111);
    expect(readFileSync(r.file, 'utf8')).toMatch(/^#!\/bin\/sh\n# provenant-hook v1\n/);
    expect(install(dir).action).toBe('updated');
  });

  // `provenant audit --staged` is what the hook runs.
  it('blocks a commit whose staged files have a finding, and prints the finding', () => {
    const dir = repo();
    install(dir);
    const before = head(dir);
    stage(dir, 'tokenize.py', TEMPLATED);
    const r = git(dir, ['commit', '-m', 'x']);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/tokenize\.py:3:\d+: TMPL001/);
    expect(r.out).toContain('provenant: commit blocked (audit exit code 1)');
    expect(head(dir)).toBe(before);
  });

  it('lets a clean change through', () => {
    const dir = repo();
    install(dir);
    const before = head(dir);
    stage(dir, 'clean.py', 'print("hello, again")\n');
    const r = git(dir, ['commit', '-m', 'clean']);
    expect(r.out).not.toMatch(/error|TMPL|LOAD/);
    expect(r.code).toBe(0);
    expect(head(dir)).not.toBe(before);
  });

  it('audits what is staged, not the working tree', () => {
    const dir = repo();
    install(dir);
    // Staged with the finding, fixed only in the working tree: the commit would still carry the finding.
    stage(dir, 'tokenize.py', TEMPLATED);
    writeFileSync(path.join(dir, 'tokenize.py'), CLEAN);
    expect(git(dir, ['commit', '-m', 'staged-bad']).out).toContain('TMPL001');
    expect(git(dir, ['rev-list', '--count', 'HEAD']).out.trim()).toBe('1');
    // Staged clean, broken only in the working tree: nothing wrong is committed.
    stage(dir, 'tokenize.py', CLEAN);
    writeFileSync(path.join(dir, 'tokenize.py'), TEMPLATED);
    const r = git(dir, ['commit', '-m', 'staged-clean']);
    expect(r.code, r.out).toBe(0);
  });

  it('audits the index git commits from with -a and with paths (git hands the hook a temporary index)', () => {
    const dir = repo();
    install(dir);
    writeFileSync(path.join(dir, 'clean.py'), TEMPLATED);
    const all = git(dir, ['commit', '-a', '-m', 'all']);
    expect(all.code).not.toBe(0);
    expect(all.out).toContain('TMPL001');
    const only = git(dir, ['commit', 'clean.py', '-m', 'only']);
    expect(only.code).not.toBe(0);
    expect(only.out).toContain('TMPL001');
    expect(git(dir, ['rev-list', '--count', 'HEAD']).out.trim()).toBe('1');
  });

  it('PROVENANT_SKIP=1 and --no-verify commit anyway', () => {
    const dir = repo();
    install(dir);
    stage(dir, 'tokenize.py', TEMPLATED);
    const skipped = git(dir, ['commit', '-m', 'skip'], { PROVENANT_SKIP: '1' });
    expect(skipped.code).toBe(0);
    expect(skipped.out).toContain('PROVENANT_SKIP');
    stage(dir, 'tokenize2.py', TEMPLATED);
    expect(git(dir, ['commit', '--no-verify', '-m', 'no-verify']).code).toBe(0);
    expect(git(dir, ['rev-list', '--count', 'HEAD']).out.trim()).toBe('3');
  });

  it('refuses to replace another hook; --force keeps it, runs it first, and uninstall puts it back', () => {
    const dir = repo();
    const hooks = path.join(dir, '.git', 'hooks');
    mkdirSync(hooks, { recursive: true });
    const file = path.join(hooks, 'pre-commit');
    writeFileSync(file, FOREIGN, { mode: 0o755 });

    const refused = catchError(() => install(dir));
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).message).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe(FOREIGN);
    expect(hookStatus({ cwd: dir, env: gitEnv() }).state).toBe('foreign');

    const forced = install(dir, true);
    expect(forced).toMatchObject({ state: 'ours', backedUp: true, backup: path.join(hooks, 'pre-commit.provenant-backup') });
    expect(readFileSync(path.join(hooks, 'pre-commit.provenant-backup'), 'utf8')).toBe(FOREIGN);
    // Reinstalling keeps the chain.
    expect(install(dir)).toMatchObject({ action: 'updated', backup: path.join(hooks, 'pre-commit.provenant-backup'), backedUp: false });

    stage(dir, 'clean.py', 'print("chained")\n');
    expect(git(dir, ['commit', '-m', 'chained']).code).toBe(0);
    expect(readFileSync(path.join(dir, 'foreign.log'), 'utf8')).toBe('foreign hook ran\n');

    expect(uninstallHook({ cwd: dir, env: gitEnv() })).toEqual({ file, action: 'removed', restored: true });
    expect(readFileSync(file, 'utf8')).toBe(FOREIGN);
    expect(statSync(file).mode & 0o111).toBe(0o111);
    expect(existsSync(path.join(hooks, 'pre-commit.provenant-backup'))).toBe(false);
    // Uninstall leaves another tool's hook alone.
    expect(catchError(() => uninstallHook({ cwd: dir, env: gitEnv() }))).toBeInstanceOf(UserError);
    expect(readFileSync(file, 'utf8')).toBe(FOREIGN);
  });

  it('a failing chained hook blocks the commit before the audit runs', () => {
    const dir = repo();
    const file = path.join(dir, '.git', 'hooks', 'pre-commit');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '#!/bin/sh\necho "foreign hook says no" >&2\nexit 7\n', { mode: 0o755 });
    install(dir, true);
    const before = head(dir);
    stage(dir, 'clean.py', 'print("blocked")\n');
    const r = git(dir, ['commit', '-m', 'blocked']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('foreign hook says no');
    expect(head(dir)).toBe(before);
  });

  it('uninstall removes only ours, and says so when there is nothing to remove', () => {
    const dir = repo();
    const r = install(dir);
    expect(uninstallHook({ cwd: dir, env: gitEnv() })).toEqual({ file: r.file, action: 'removed', restored: false });
    expect(existsSync(r.file)).toBe(false);
    expect(uninstallHook({ cwd: dir, env: gitEnv() })).toEqual({ file: r.file, action: 'absent', restored: false });
    expect(hookStatus({ cwd: dir, env: gitEnv() }).state).toBe('absent');
  });

  it('follows core.hooksPath (relative to the top of the tree) from a subfolder', () => {
    const dir = repo();
    expect(git(dir, ['config', 'core.hooksPath', '.githooks']).code).toBe(0);
    mkdirSync(path.join(dir, 'src'));
    const r = installHook({ cwd: path.join(dir, 'src'), env: gitEnv(), bin: BIN });
    expect(r.file).toBe(path.join(dir, '.githooks', 'pre-commit'));
    stage(dir, 'tokenize.py', TEMPLATED);
    const blocked = git(dir, ['commit', '-m', 'x']);
    expect(blocked.code).not.toBe(0);
    expect(blocked.out).toContain('TMPL001');
  });

  it('outside a git repository is a user error', () => {
    const dir = tmpDir();
    const error = catchError(() => installHook({ cwd: dir, env: gitEnv({ GIT_CEILING_DIRECTORIES: path.dirname(dir) }) }));
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('not inside a git working tree');
  });

  it('the script is valid sh and quotes odd paths', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'pre-commit');
    writeFileSync(file, hookScript({ node: "/opt/it's node/bin/node", bin: '/x/$(rm -rf)/bin/provenant.js', chain: true }));
    expect(spawnSync('sh', ['-n', file]).status).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`node='/opt/it'\\''s node/bin/node'`);
    expect(text).toContain(`bin='/x/$(rm -rf)/bin/provenant.js'`);
  });

  it('without its provenant and without npx the script fails closed, and says how to skip', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'pre-commit');
    writeFileSync(file, hookScript({ node: path.join(dir, 'no-node'), bin: path.join(dir, '`touch pwned`', 'provenant.js'), chain: false }));
    const r = spawnSync('/bin/sh', [file], { cwd: dir, env: { PATH: dir }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is gone and npx is not on PATH');
    expect(r.stderr).toContain('PROVENANT_SKIP=1');
    expect(existsSync(path.join(dir, 'pwned'))).toBe(false);
    const skipped = spawnSync('/bin/sh', [file], { cwd: dir, env: { PATH: dir, PROVENANT_SKIP: '1' }, encoding: 'utf8' });
    expect(skipped.status).toBe(0);
  });
});

describe('provenant hook command', () => {
  function cli(args: string[], cwd: string): { code: Promise<number>; out: () => string } {
    let out = '';
    const sink = { write: (s: string) => (out += s) };
    return { code: hookCommand(args, { cwd, env: gitEnv(), stdout: sink, stderr: sink }), out: () => out };
  }

  it('install, status and uninstall print what they did', async () => {
    const dir = repo();
    const status0 = cli(['status'], dir);
    expect(await status0.code).toBe(0);
    expect(status0.out()).toBe('not installed: no hook at .git/hooks/pre-commit\n');
    const inst = cli(['install'], dir);
    expect(await inst.code).toBe(0);
    expect(inst.out()).toBe('installed .git/hooks/pre-commit: `provenant audit --staged` before each commit\n');
    const status1 = cli(['status'], dir);
    await status1.code;
    expect(status1.out()).toMatch(/^installed: \.git\/hooks\/pre-commit \(provenant-hook v1, runs \/.*bin\/provenant\.js\)\n$/);
    const un = cli(['uninstall'], dir);
    await un.code;
    expect(un.out()).toBe('removed .git/hooks/pre-commit\n');
  });

  it('an unknown action or a stray --force is a usage error', async () => {
    const dir = repo();
    await expect(cli(['frobnicate'], dir).code).rejects.toBeInstanceOf(UserError);
    await expect(cli(['status', '--force'], dir).code).rejects.toBeInstanceOf(UserError);
  });
});
