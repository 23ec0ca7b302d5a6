import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { artifactsProducedBy } from '../../src/index.js';
import { provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

describe('artifactsProducedBy (the terminal browser\'s artifacts pane)', () => {
  it('lists what a script produced with today\'s verdicts, and nothing for a script that made nothing', async () => {
    const repo = makeGitDir({ 'provenant.toml': '', 'make.py': 'import sys\nopen(sys.argv[1], "w").write("x")\n', 'other.py': 'print(1)\n' });
    repo.add();
    repo.commit('init');
    repos.push(repo);
    for (const out of ['a.txt', 'b.txt']) expect(provenant(['run', '--out', out, '--', 'python3', 'make.py', out], repo.root).code).toBe(0);
    writeFileSync(path.join(repo.root, 'b.txt'), 'edited');
    const got = await artifactsProducedBy('make.py', repo.root);
    expect(got.map((a) => [a.path, a.verdict])).toEqual([['a.txt', 'ok'], ['b.txt', 'tampered']]);
    expect(got[0]?.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await artifactsProducedBy('other.py', repo.root)).toEqual([]);
  });
});
