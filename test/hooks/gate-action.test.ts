/**
 * The provenant-gate composite action, run without GitHub (see test/helpers/action.ts), on a copy of the
 * example lab (which fails the gate) and on a small clean project (which passes it).
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionTmpDir, runAction, type Action } from '../helpers/action.js';
import { REPO } from '../helpers/exec.js';
import { makeGitDir } from '../helpers/gitdir.js';

const ACTION = parse(readFileSync(path.join(REPO, '.github/actions/provenant-gate/action.yml'), 'utf8')) as Action;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('provenant-gate composite action', () => {
  it('fails on the example lab with annotations, a step summary and SARIF uploaded anyway', () => {
    const dir = actionTmpDir(cleanups);
    cpSync(path.join(REPO, 'examples', 'stage1-lab'), dir, { recursive: true });
    const summary = path.join(dir, 'summary.md');
    writeFileSync(summary, '');
    const r = runAction(ACTION, dir, { version: '0.1.0', smoke: 'true' }, cleanups, { GITHUB_STEP_SUMMARY: summary });
    expect(r.code).toBe(1);
    expect(r.npxCalls).toEqual([expect.stringMatching(/^provenant-cli@0\.1\.0 gate --format github --sarif \S+provenant-gate\.sarif --smoke$/)]);
    expect(r.log).toMatch(/^::error file=scripts\/\S+,line=\d+/m);
    expect(r.log).toContain('::error title=provenant gate::failed');
    expect(r.log).toContain('provenant gate failed (exit 1)');
    expect(r.uploads).toEqual([{ sarif_file: expect.stringMatching(/provenant-gate\.sarif$/), category: 'provenant-gate' }]);
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('## provenant gate: ❌ failed');
    expect(md).toContain('| audit | **failed** |');
    expect(md).toContain('### Pipeline plan');
  });

  it('passes on a clean project without a pipeline', () => {
    const repo = makeGitDir({ 'provenant.toml': '', 'ok.py': 'print("hello")\n' });
    cleanups.push(() => repo.cleanup());
    const r = runAction(ACTION, repo.root, { 'upload-sarif': 'false' }, cleanups);
    expect(r.code, r.log).toBe(0);
    expect(r.log).toContain('::notice title=provenant gate::passed');
    expect(r.uploads).toEqual([]);
  });
});
