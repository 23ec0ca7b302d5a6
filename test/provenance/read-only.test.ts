/**
 * Issue 18, item 11: a checkout provenant cannot write to (a read-only mount, a CI cache, another user's
 * clone). Commands that only read work there; `run` finds out it cannot stamp before it starts the command.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { provenantAsync } from '../helpers/spawn.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) {
    const repo = repos.pop();
    if (repo) writable(repo.tmp, true);
    repo?.cleanup();
  }
});

/** Adds or takes away write permission on everything under `dir`. */
function writable(dir: string, on: boolean): void {
  const walk = (p: string): void => {
    const st = statSync(p);
    chmodSync(p, on ? st.mode | 0o200 : st.mode & ~0o222);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
}

/** As root, permissions do not bind: the read-only commands then run as `nobody`. */
const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
/** Another user's git refuses a repository it does not own unless told it is safe. */
function safeHome(): NodeJS.ProcessEnv {
  const home = mkdtempSync(path.join(os.tmpdir(), 'provenant-home-'));
  writeFileSync(path.join(home, '.gitconfig'), '[safe]\n\tdirectory = *\n');
  chmodSync(home, 0o755);
  homes.push(home);
  return { HOME: home, GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig') };
}
const homes: string[] = [];
afterEach(() => {
  while (homes.length) rmSync(homes.pop() ?? '', { recursive: true, force: true });
});

function stampedReadOnlyLab(): GitDir {
  const repo = makeGitDir({
    'provenant.toml': '',
    'scripts/write.py': '"""Writes a."""\nimport sys\nopen(sys.argv[1], "w").write("a")\n',
    'provenant.pipeline.yaml': 'version: 1\nstages:\n  - id: b\n    cmd: [python3, scripts/write.py, b.txt]\n    outputs: [b.txt]\n',
  });
  repo.add();
  repo.commit('init');
  repos.push(repo);
  expect(provenant(['run', '--out', 'a.txt', '--', 'python3', 'scripts/write.py', 'a.txt'], repo.root).code).toBe(0);
  // a later change the fast path has not seen, so verify would like to remember a digest
  chmodSync(repo.tmp, 0o755);
  writable(repo.tmp, false);
  return repo;
}

describe('read-only checkouts (item 11)', () => {
  for (const args of [['verify', 'a.txt'], ['verify', '--full', 'a.txt'], ['log', 'a.txt'], ['verify', '--json', 'a.txt'], ['lineage', 'a.txt'], ['lineage', '--down', 'a.txt'], ['lineage', '--verdicts', 'a.txt'], ['pipeline', 'plan']]) {
    it(`provenant ${args.join(' ')} works read-only`, async () => {
      const repo = stampedReadOnlyLab();
      const r = await provenantAsync(args, repo.root, safeHome(), asOther);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    });
  }

  it('run refuses before starting the command when it could not write the stamp or the ledger', async () => {
    const repo = stampedReadOnlyLab();
    // the command itself could write (its output folder is writable); only provenant's files are not
    chmodSync(path.join(repo.root, 'scripts'), 0o777);
    const r = await provenantAsync(['run', '--out', 'scripts/b.txt', '--', 'python3', 'scripts/write.py', 'scripts/b.txt'], repo.root, safeHome(), asOther);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/not writable|cannot write/);
    expect(existsSync(path.join(repo.root, 'scripts/b.txt'))).toBe(false);
  });
});
