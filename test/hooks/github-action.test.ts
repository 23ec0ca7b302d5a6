/**
 * The composite action, run here without GitHub: each `run:` step of action.yml in bash with the
 * step's `env:` (inputs substituted), `npx` standing in for the registry by running the built
 * bin/provenant.js, and `uses:` steps recorded instead of run.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionTmpDir, runAction as runAnyAction, type Action, type ActionRun } from '../helpers/action.js';
import { REPO } from '../helpers/exec.js';

const ACTION = parse(readFileSync(path.join(REPO, '.github/actions/provenant-audit/action.yml'), 'utf8')) as Action;
const WORKFLOW = readFileSync(path.join(REPO, '.github/workflows/ci.yml'), 'utf8');

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tmpDir(): string {
  return actionTmpDir(cleanups);
}

function runAction(workspace: string, given: Record<string, string>): ActionRun {
  return runAnyAction(ACTION, workspace, given, cleanups);
}

function example(): string {
  const dir = tmpDir();
  cpSync(path.join(REPO, 'examples', 'stage1-lab'), dir, { recursive: true });
  return dir;
}

describe('provenant-audit composite action', () => {
  it('declares the inputs users set', () => {
    expect(ACTION.runs.using).toBe('composite');
    expect(Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, v.default]))).toEqual({
      paths: '.',
      version: '',
      'fail-on': 'error',
      'upload-sarif': 'true',
      'sarif-category': 'provenant',
      args: '',
    });
  });

  it('writes SARIF, uploads it, and fails the job on findings with annotations', () => {
    const r = runAction(example(), { version: '0.1.0' });
    expect(r.code).toBe(1);
    expect(r.npxCalls).toEqual([
      'provenant-cli@0.1.0 audit . --format sarif --exit-zero',
      'provenant-cli@0.1.0 audit . --format github --fail-on error',
    ]);
    expect(r.uploads).toHaveLength(1);
    const upload = r.uploads[0] ?? {};
    expect(upload.category).toBe('provenant');
    const sarif = JSON.parse(readFileSync(upload.sarif_file ?? '', 'utf8')) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.results.length).toBeGreaterThan(0);
    expect(r.log).toMatch(/^::error file=/m);
  });

  it('passes paths and args through word by word, and can skip the upload', () => {
    const r = runAction(example(), { paths: 'scripts  Makefile', args: '--select SCRIPT --ignore SCRIPT002', 'upload-sarif': 'false' });
    expect(r.uploads).toEqual([]);
    expect(r.npxCalls).toEqual([
      'provenant-cli@0.1.0 audit scripts Makefile --format sarif --exit-zero --select SCRIPT --ignore SCRIPT002',
      'provenant-cli@0.1.0 audit scripts Makefile --format github --fail-on error --select SCRIPT --ignore SCRIPT002',
    ]);
    expect(r.code).toBe(1);
    expect(r.log).toContain('SCRIPT001');
    expect(r.log).not.toContain('SCRIPT002');
  });

  it.each(['latest', '^0.1', '0.1', 'provenant@0.1.0'])('refuses version %j: a range or tag would run whatever npm serves', (version) => {
    const r = runAction(example(), { version });
    expect(r.code).toBe(2);
    expect(r.npxCalls).toEqual([]);
    expect(r.log).toContain(`version: expected an exact version such as 0.1.0, got '${version}'`);
  });

  it('runs the version of its own checkout by default', () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const r = runAction(example(), { 'upload-sarif': 'false' });
    expect(r.npxCalls[0]).toBe(`provenant-cli@${version} audit . --format sarif --exit-zero`);
  });

  it('a clean repository passes', () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'provenant.toml'), '');
    writeFileSync(path.join(dir, 'ok.py'), 'print("hello")\n');
    const r = runAction(dir, { 'upload-sarif': 'false' });
    expect(r.code, r.log).toBe(0);
  });
});

describe('ci.yml', () => {
  it('dogfoods SARIF and annotations on the example', () => {
    expect(WORKFLOW).toContain('node bin/provenant.js audit examples/stage1-lab --format sarif --exit-zero > provenant.sarif');
    expect(WORKFLOW).toContain('github/codeql-action/upload-sarif@dd903d2e4f5405488e5ef1422510ee31c8b32357');
    expect(WORKFLOW).toContain('category: provenant-example');
    expect(WORKFLOW).toContain('security-events: write');
    expect(WORKFLOW).toMatch(/--format github \|\| test \$\? -eq 1/);
  });
});
