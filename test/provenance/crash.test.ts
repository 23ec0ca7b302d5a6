import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

const WRITE = `"""Writes each named file."""
import sys, time, os
for p in sys.argv[1:]:
    open(p, "w").write(p * 100)
if os.environ.get("HANG"):
    open("started", "w").write("1")
    time.sleep(60)
`;

function lab(): GitDir {
  const repo = makeGitDir({ 'provenant.toml': '', 'scripts/write.py': WRITE });
  repo.add();
  repo.commit('init');
  repos.push(repo);
  return repo;
}

const OUTS = ['a.txt', 'b.txt', 'c.txt'];

function runArgs(outs: readonly string[]): string[] {
  return ['run', ...outs.flatMap((o) => ['--out', o]), '--', 'python3', 'scripts/write.py', ...outs];
}

function stampFiles(root: string): string[] {
  return readdirSync(root).filter((n) => n.includes('.prov.json')).sort();
}

function ledgerRows(root: string): { artifacts: string[]; unfinished: number } {
  const db = new Database(path.join(root, '.provenant/ledger.db'), { readonly: true });
  try {
    const artifacts = (db.prepare('SELECT artifact FROM stamps ORDER BY artifact').pluck().all() as string[]);
    const unfinished = db.prepare("SELECT COUNT(*) FROM runs WHERE state != 'done'").pluck().get() as number;
    return { artifacts, unfinished };
  } finally {
    db.close();
  }
}

describe('kill -9 of provenant run', () => {
  it('during the command: no stamp at all', async () => {
    const repo = lab();
    const child = spawn(process.execPath, [BIN, ...runArgs(OUTS)], { cwd: repo.root, env: { ...process.env, HANG: '1' }, stdio: 'ignore' });
    const started = path.join(repo.root, 'started');
    for (let i = 0; i < 600 && !existsSync(started); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(started)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(stampFiles(repo.root)).toEqual([]);
    // the next verify finds the outputs unstamped, and the ledger holds nothing half-done
    expect(provenant(['verify', 'a.txt'], repo.root).stdout).toMatch(/^unstamped/);
  });

  for (const [step, expected] of [
    ['planned', []],
    ['written', OUTS],
    ['renamed', OUTS],
  ] as const) {
    it(`after the "${step}" step of stamping: the next run ${expected.length ? 'finishes' : 'undoes'} it, no partial or orphaned stamp`, () => {
      const repo = lab();
      const killed = provenant(runArgs(OUTS), repo.root, { PROVENANT_CRASH_AT: step });
      expect(killed.code).toBeNull(); // killed by a signal
      // whatever is on disk now is either complete stamps or temporary files, never a half-written sidecar
      for (const name of stampFiles(repo.root).filter((n) => n.endsWith('.prov.json'))) {
        expect(() => JSON.parse(readFileSync(path.join(repo.root, name), 'utf8'))).not.toThrow();
      }
      // any later provenant command that opens the ledger recovers the dead run first
      const next = provenant(runArgs(['d.txt']), repo.root);
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).toContain(expected.length ? 'finished an interrupted run' : 'undid an interrupted run');
      expect(stampFiles(repo.root)).toEqual([...expected, 'd.txt'].map((o) => `${o}.prov.json`).sort());
      const rows = ledgerRows(repo.root);
      expect(rows.unfinished).toBe(0);
      expect(rows.artifacts).toEqual([...expected, 'd.txt'].sort());
      for (const o of expected) expect(provenant(['verify', o], repo.root).code).toBe(0);
    });
  }
});

describe('concurrent runs', () => {
  it('four provenant run processes at once lose no ledger row', async () => {
    const repo = lab();
    const runs = [0, 1, 2, 3].map(
      (i) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [BIN, ...runArgs([`out${i}a.txt`, `out${i}b.txt`])], { cwd: repo.root, stdio: 'ignore' });
          child.on('close', resolve);
        }),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
    const rows = ledgerRows(repo.root);
    expect(rows.artifacts).toHaveLength(8);
    expect(rows.unfinished).toBe(0);
    expect(stampFiles(repo.root)).toHaveLength(8);
  });
});
