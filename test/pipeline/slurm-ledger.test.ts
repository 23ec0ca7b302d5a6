/**
 * Issue 19, item 5 (both halves): the example lab's pipeline on SLURM writing to the PostgreSQL ledger. The
 * stamps are written on the compute node by `provenant run` inside the jobs; their rows must reach the shared
 * ledger from there, byte for byte the stamps on disk, with nothing left pending.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { freshDatabase } from '../helpers/postgres.js';
// a run that follows its jobs takes tens of seconds: spawned without blocking the test worker
import { provenantAsync as provenant } from '../helpers/spawn.js';

const sinfo = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 10_000 });
const slurm = !sinfo.error && sinfo.status === 0 && /^(idle|mixed|allocated)/m.test(sinfo.stdout);
const probe = slurm ? await freshDatabase('slurm') : { ok: false as const, reason: 'no SLURM cluster' };
const db = probe.ok ? probe.db : null;
if (!db) console.warn(`skipping the lab on SLURM with a PostgreSQL ledger: ${slurm ? (probe.ok ? '' : probe.reason) : 'no SLURM node answers (start one with .ci/services/slurm.sh)'}`);

const repos: GitDir[] = [];
afterAll(async () => {
  while (repos.length) repos.pop()?.cleanup();
  await db?.drop();
});

describe.skipIf(!db)('the example lab on SLURM with a PostgreSQL ledger', { timeout: 300_000 }, () => {
  it('every stamp written on the compute node is in the shared ledger, none pending', async () => {
    const repo = makeGitDir();
    repos.push(repo);
    cpSync(path.join(REPO, 'examples/stage1-lab'), repo.root, { recursive: true });
    rmSync(path.join(repo.root, '.provenant'), { recursive: true, force: true });
    const specFile = path.join(repo.root, 'provenant.pipeline.yaml');
    writeFileSync(specFile, readFileSync(specFile, 'utf8').replace('currency: USD\n', 'currency: USD\nexecutor: slurm\nslurm: { partition: debug, mem: 100M, time: "5" }\n'));
    // the config, not the environment, names the ledger: the job on the node reads the same file
    const toml = path.join(repo.root, 'pyproject.toml');
    const config = existsSync(toml) ? readFileSync(toml, 'utf8') : '';
    expect(config).toContain('[tool.provenant');
    writeFileSync(toml, config + `\n[tool.provenant.provenance]\nledger = "${db?.url ?? ''}"\nledger-schema = "t_lab"\n`);
    repo.add();
    repo.commit('lab on slurm, shared ledger');
    const run = await provenant(['pipeline', 'run', '--smoke'], repo.root);
    expect(run.stdout, run.stderr).toContain('ran          sft-train');
    const pending = path.join(repo.root, '.provenant/ledger-pending');
    expect(existsSync(pending) ? readdirSync(pending) : []).toEqual([]);
    const rows = await db!.query<{ artifact: string; stamp_sha256: string }>('SELECT artifact, stamp_sha256 FROM t_lab.stamps');
    expect(rows.length).toBeGreaterThan(0);
    for (const artifact of ['checkpoints/sft']) {
      const sidecar = readFileSync(path.join(repo.root, `${artifact}.prov.json`));
      const sha = createHash('sha256').update(sidecar).digest('hex');
      expect(rows.filter((r) => r.artifact === artifact).map((r) => r.stamp_sha256)).toContain(sha);
    }
    const sync = await provenant(['ledger', 'sync'], repo.root);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(/; 0 pending/);
  });
});
