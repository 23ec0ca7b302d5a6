import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { UserError } from '../../src/core/errors.js';
import { rebuildLedger } from '../../src/provenance/rebuild.js';
import { RebuildReportSchema } from '../../src/schemas/provenance-reports.js';
import { ledgerPath, openLedger } from '../../src/store/ledger.js';
import type { GitDir } from '../helpers/gitdir.js';
import { stamp, stampProject } from './lineage-fixtures.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

function project(config = ''): GitDir {
  const repo = stampProject(config);
  repos.push(repo);
  return repo;
}

function historyOf(root: string, artifact: string): string[] {
  const ledger = openLedger(root, { create: false });
  if (!ledger) throw new Error('no ledger');
  try {
    return ledger.history(artifact).map((r) => r.stamp_sha256);
  } finally {
    ledger.close();
  }
}

const warn = (): void => undefined;

describe('ledger rebuild', () => {
  it('restores a deleted ledger from the sidecars, inputs included', async () => {
    const repo = project();
    await stamp(repo, 'echo a > a.txt', ['a.txt']);
    await stamp(repo, 'cat a.txt > b.txt', ['b.txt'], ['a.txt']);
    const before = historyOf(repo.root, 'b.txt');
    rmSync(ledgerPath(repo.root));

    const report = RebuildReportSchema.parse(await rebuildLedger({ cwd: repo.root, warn }));
    expect(report).toEqual({ version: 1, stamps: 2, history: 0, invalid: [], setAside: null });
    expect(historyOf(repo.root, 'b.txt')).toEqual(before);
    const ledger = openLedger(repo.root, { create: false });
    expect(ledger?.consumersOf('a.txt').map((r) => r.artifact)).toEqual(['b.txt']);
    ledger?.close();
  });

  it('moves an unreadable ledger aside (kept, not deleted) and starts a new one', async () => {
    const repo = project();
    await stamp(repo, 'echo a > a.txt', ['a.txt']);
    writeFileSync(ledgerPath(repo.root), 'this is not a database, it is forty bytes or more of text\n');
    expect(() => openLedger(repo.root, { create: false })).toThrow(UserError);

    const report = await rebuildLedger({ cwd: repo.root, warn });
    expect(report.setAside).toBe('.provenant/ledger.db.bad');
    expect(readFileSync(path.join(repo.root, '.provenant/ledger.db.bad'), 'utf8')).toContain('not a database');
    expect(report.stamps).toBe(1);
    expect(historyOf(repo.root, 'a.txt')).toHaveLength(1);
  });

  it('lists malformed and misplaced sidecars without failing, and indexes the rest', async () => {
    const repo = project();
    await stamp(repo, 'echo a > a.txt', ['a.txt']);
    writeFileSync(path.join(repo.root, 'broken.jsonl.prov.json'), '{"_type": ');
    writeFileSync(path.join(repo.root, 'copy.txt.prov.json'), readFileSync(path.join(repo.root, 'a.txt.prov.json')));

    const report = await rebuildLedger({ cwd: repo.root, warn });
    expect(report.stamps).toBe(1);
    expect(report.invalid).toEqual([
      { sidecar: 'broken.jsonl.prov.json', problem: expect.stringContaining('not JSON') },
      { sidecar: 'copy.txt.prov.json', problem: expect.stringContaining('it stamps a.txt') },
    ]);
  });

  it('keeps the history of a readable ledger whose older stamps were overwritten on disk', async () => {
    const repo = project();
    await stamp(repo, 'echo one > a.txt', ['a.txt']);
    await stamp(repo, 'echo two > a.txt', ['a.txt']);
    const before = historyOf(repo.root, 'a.txt');
    expect(before).toHaveLength(2);

    const report = await rebuildLedger({ cwd: repo.root, warn });
    expect(report).toMatchObject({ stamps: 1, history: 1, setAside: null });
    expect(historyOf(repo.root, 'a.txt')).toEqual(before);
    // a second rebuild is a no-op on the history
    await rebuildLedger({ cwd: repo.root, warn });
    expect(historyOf(repo.root, 'a.txt')).toEqual(before);
  });

  it('honours the excludes, but always reads the stamps folder', async () => {
    const repo = project('[provenance]\nstamps-dir = "build/stamps"\n');
    await stamp(repo, 'mkdir -p out && echo a > out/a.txt', ['out/a.txt']);
    expect(existsSync(path.join(repo.root, 'build/stamps/out/a.txt.prov.json'))).toBe(true);
    mkdirSync(path.join(repo.root, 'node_modules/pkg'), { recursive: true });
    writeFileSync(path.join(repo.root, 'node_modules/pkg/x.prov.json'), '{');
    rmSync(ledgerPath(repo.root));

    const report = await rebuildLedger({ cwd: repo.root, warn });
    expect(report).toEqual({ version: 1, stamps: 1, history: 0, invalid: [], setAside: null });
    expect(historyOf(repo.root, 'out/a.txt')).toHaveLength(1);
  });
});
