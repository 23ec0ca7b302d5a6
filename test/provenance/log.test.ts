import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { renderLogText, stampLog } from '../../src/provenance/history.js';
import { LogReportSchema } from '../../src/schemas/provenance-reports.js';
import { ledgerPath } from '../../src/store/ledger.js';
import { provenant } from '../helpers/exec.js';
import type { GitDir } from '../helpers/gitdir.js';
import { stamp, stampProject } from './lineage-fixtures.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

function project(): GitDir {
  const repo = stampProject();
  repos.push(repo);
  return repo;
}

describe('log', () => {
  it('lists every stamp of the path newest first, marks the one on disk, and shows the sidecar\'s commits', async () => {
    const repo = project();
    await stamp(repo, 'echo one > a.txt', ['a.txt']);
    const first = repo.commitFiles({}, 'first data');
    await stamp(repo, 'echo two > a.txt', ['a.txt']);
    repo.add('a.txt', 'a.txt.prov.json');
    const second = repo.commit('regenerated');

    const report = LogReportSchema.parse(await stampLog({ cwd: repo.root, path: 'a.txt' }));
    expect(report.ledger).toBe(true);
    expect(report.entries.map((e) => [e.current, e.commit])).toEqual([
      [true, first],
      [false, expect.any(String)],
    ]);
    expect(report.entries[0]).toMatchObject({ kind: 'run', signed: false, producer: null });
    expect(report.entries[0]?.artifactSha256).not.toBe(report.entries[1]?.artifactSha256);
    expect(report.entries[0]!.createdAt >= report.entries[1]!.createdAt).toBe(true);
    expect(report.gitHistory.map((c) => [c.commit, c.subject])).toEqual([
      [second, 'regenerated'],
      [first, 'first data'],
    ]);
    const text = renderLogText(report);
    expect(text).toMatch(/^\* \S+ {2}[0-9a-f]{7} {2}no producer script {2}sha256 [0-9a-f]{12} {2}unsigned$/m);
    expect(text).toContain('committed history of a.txt.prov.json:');
  });

  it('without a ledger: a note and the stamp on disk only', async () => {
    const repo = project();
    await stamp(repo, 'echo one > a.txt', ['a.txt']);
    await stamp(repo, 'echo two > a.txt', ['a.txt']);
    rmSync(ledgerPath(repo.root));
    const report = await stampLog({ cwd: repo.root, path: 'a.txt' });
    expect(report.ledger).toBe(false);
    expect(report.entries).toHaveLength(1);
    expect(report.entries[0]).toMatchObject({ current: true, kind: 'run' });
    expect(report.notes[0]).toMatch(/^no ledger .*ledger rebuild/);
  });

  it('says when the stamp on disk is unknown to the ledger, unreadable, or absent', async () => {
    const repo = project();
    await stamp(repo, 'echo one > a.txt', ['a.txt']);
    const sidecar = path.join(repo.root, 'a.txt.prov.json');
    const stampText = (await import('node:fs')).readFileSync(sidecar, 'utf8');
    writeFileSync(sidecar, stampText.replace('"_type"', ' "_type"'));
    let report = await stampLog({ cwd: repo.root, path: 'a.txt' });
    expect(report.entries.every((e) => !e.current)).toBe(true);
    expect(report.notes[0]).toMatch(/is not in the ledger/);

    writeFileSync(sidecar, '[]');
    report = await stampLog({ cwd: repo.root, path: 'a.txt' });
    expect(report.sidecar).toMatchObject({ state: 'invalid', problem: expect.stringContaining('malformed stamp') });
    expect(renderLogText(report)).toContain('! malformed stamp');

    report = await stampLog({ cwd: repo.root, path: 'never.txt' });
    expect(report).toMatchObject({ entries: [], sidecar: { state: 'none' }, notes: ['never.txt has never been stamped'] });
  });

  it('the CLI prints the log and JSON; an unreadable ledger is a usage error naming ledger rebuild', async () => {
    const repo = project();
    await stamp(repo, 'echo one > a.txt', ['a.txt']);
    const text = provenant(['log', 'a.txt'], repo.root);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^a\.txt {2}\(stamp: a\.txt\.prov\.json\)\n\* /);
    expect(LogReportSchema.parse(JSON.parse(provenant(['log', '--json', 'a.txt'], repo.root).stdout)).entries).toHaveLength(1);

    writeFileSync(ledgerPath(repo.root), 'garbage that is not an SQLite database at all, none\n');
    const broken = provenant(['log', 'a.txt'], repo.root);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('provenant ledger rebuild');
    const rebuilt = provenant(['ledger', 'rebuild'], repo.root);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toBe('indexed 1 stamp(s)\nthe unreadable ledger was moved to .provenant/ledger.db.bad\n');
    expect(provenant(['log', 'a.txt'], repo.root).code).toBe(0);
  });
});
