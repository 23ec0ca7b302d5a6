/**
 * Issue 19, item 1: both ledgers answer the seam's questions alike. The same stamps, made once with the
 * shared ledger configured (so the clone's SQLite journal and the PostgreSQL schema both hold them), asked
 * through `openLedger` of each backend.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openLedger, type Ledger, type StampRow } from '../../src/provenance/ledger.js';
import { provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { freshDatabase } from '../helpers/postgres.js';

const probe = await freshDatabase('seam');
if (!probe.ok) console.warn(`skipping the ledger seam's PostgreSQL half: ${probe.reason}`);
const db = probe.ok ? probe.db : null;
afterAll(async () => db?.drop());

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

const COPY = `"""Copies a file and adds a line."""
import sys
open(sys.argv[2], "w").write(open(sys.argv[1]).read() + "x\\n")
`;

interface Answers {
  history: string[];
  byDigest: string[];
  producedBy: string[];
  down: string[];
  downOfMid: string[];
}

async function ask(ledger: Ledger, digest: string): Promise<Answers> {
  const names = (rows: StampRow[]): string[] => rows.map((r) => r.artifact);
  try {
    return {
      history: names(await ledger.history('mid.txt')),
      byDigest: names(await ledger.byDigest(digest)),
      producedBy: names(await ledger.producedBy('scripts/copy.py')),
      down: await ledger.consumersOf('seed.txt'),
      downOfMid: await ledger.consumersOf('mid.txt'),
    };
  } finally {
    await ledger.close();
  }
}

describe('the ledger seam', () => {
  it.skipIf(!db)('SQLite and PostgreSQL give the same answers for the same stamps', async () => {
    const repo = makeGitDir({ 'provenant.toml': '', 'scripts/copy.py': COPY, 'seed.txt': 'seed\n' });
    repo.add();
    repo.commit('init');
    repos.push(repo);
    const env = { PROVENANT_LEDGER_URL: db?.url ?? '', PROVENANT_LEDGER_SCHEMA: 't_seam' };
    const stamp = (from: string, to: string): void => {
      const r = provenant(['run', '--in', from, '--out', to, '--', 'python3', 'scripts/copy.py', from, to], repo.root, env);
      expect(r.code, r.stderr).toBe(0);
    };
    stamp('seed.txt', 'mid.txt');
    stamp('seed.txt', 'mid.txt');
    stamp('mid.txt', 'end.txt');
    const { config } = await loadConfig({ cwd: repo.root });
    const sqlite = openLedger(repo.root, config, { create: false, env: { PROVENANT_LEDGER_URL: '' } });
    const shared = openLedger(repo.root, config, { create: false, env });
    expect(sqlite?.backend).toBe('sqlite');
    expect(shared?.backend).toBe('postgresql');
    const digest = (sqlite ? await sqlite.history('mid.txt') : [])[0]?.artifact_sha256 ?? '';
    const a = await ask(sqlite as Ledger, digest);
    const b = await ask(shared as Ledger, digest);
    expect(a).toEqual({ history: ['mid.txt', 'mid.txt'], byDigest: ['mid.txt', 'mid.txt'], producedBy: ['mid.txt', 'mid.txt', 'end.txt'], down: ['mid.txt'], downOfMid: ['end.txt'] });
    expect(b).toEqual(a);
  });
});
