/**
 * `registry sync` with its Python files parsed in the parse workers writes what a sync parsing on the main
 * thread writes, and the facts it stores are those the audit reads. Built CLI, a real git repository.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKERS_ENV } from '../../src/analysis/parse-pool.js';
import { provenant, sanitize } from '../helpers/exec.js';
import { makeGitDir } from '../helpers/gitdir.js';
import { SMALL_LAB } from './lab.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

describe('registry sync in parse workers', () => {
  it('writes the same registry and summary with 0, 1 and 2 workers', () => {
    const dir = makeGitDir(SMALL_LAB);
    cleanups.push(dir.cleanup);
    dir.add();
    dir.commit('the lab');
    const outputs = ['0', '1', '2'].map((workers) => {
      rmSync(path.join(dir.root, '.provenant'), { recursive: true, force: true });
      const r = provenant(['registry', 'sync', '--json'], dir.root, { [WORKERS_ENV]: workers });
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as { parsed: number; markdownState: string };
      expect(report.parsed).toBeGreaterThan(5);
      const audit = provenant(['audit', '--format', 'json'], dir.root, { [WORKERS_ENV]: '0' });
      return { report: { ...report, markdownState: null }, markdown: readFileSync(path.join(dir.root, 'IMPLEMENTATION_REGISTRY.md'), 'utf8'), audit: sanitize(audit.stdout).replace(/"seconds": [0-9.e-]+/g, '"seconds": 0'), code: audit.code };
    });
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
  });
});
