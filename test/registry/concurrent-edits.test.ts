/**
 * Issue 18, item 8: edits of files provenant changes in place, made by several processes at once. Every
 * edit that prints success is in the file afterwards: each takes the file's lock and re-reads it under it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { together } from '../helpers/spawn.js';

const FILE = 'provenant-registry.yaml';
const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

function lab(n: number): GitDir {
  const files: Record<string, string> = { 'provenant.toml': '', 'scripts/new.py': '"""New."""\n' };
  for (let i = 0; i < n; i++) files[`scripts/old${i}.py`] = `"""Old ${i}."""\n`;
  const repo = makeGitDir(files);
  repo.add();
  repo.commit('init');
  repos.push(repo);
  return repo;
}

interface Annotations {
  files: Record<string, { status?: string; bugs?: { summary: string }[] }>;
}

const annotations = (root: string): Annotations => parse(readFileSync(path.join(root, FILE), 'utf8')) as Annotations;

describe('concurrent registry edits (item 8)', () => {
  it('eight `registry bug add` at once: all eight bugs are recorded', async () => {
    const repo = lab(1);
    const runs = await together(Array.from({ length: 8 }, (_, i) => ({ args: ['registry', 'bug', 'add', 'scripts/old0.py', '--summary', `bug number ${i}`] })), repo.root);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const bugs = annotations(repo.root).files['scripts/old0.py']?.bugs?.map((b) => b.summary).sort();
    expect(bugs).toEqual(Array.from({ length: 8 }, (_, i) => `bug number ${i}`).sort());
  });

  it('six `registry deprecate` of different scripts at once: all six are deprecated', async () => {
    const repo = lab(6);
    const runs = await together(Array.from({ length: 6 }, (_, i) => ({ args: ['registry', 'deprecate', `scripts/old${i}.py`, '--replaced-by', 'scripts/new.py', '--reason', `old ${i}`] })), repo.root);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const files = annotations(repo.root).files;
    for (let i = 0; i < 6; i++) expect(files[`scripts/old${i}.py`]?.status, `old${i}`).toBe('deprecated');
  });
});
