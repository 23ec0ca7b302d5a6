/**
 * Issue 18, items 6, 9, 12 and 19: several provenant processes on one project at once, a run killed while
 * stamping whose process id now belongs to someone else, and smoke runs beside a full run's outputs.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { provenant, REPO } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { together } from '../helpers/spawn.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

function lab(files: Record<string, string>): GitDir {
  const repo = makeGitDir({ 'provenant.toml': '', ...files });
  repo.add();
  repo.commit('init');
  repos.push(repo);
  return repo;
}

/** Writes its tag into the output in two halves with a pause between, as a slow generator would. */
const SLOW = `"""Writes a tag into a file, slowly."""
import sys, time
out, tag = sys.argv[1], sys.argv[2]
with open(out, "w") as f:
    f.write(tag)
    f.flush()
    time.sleep(0.8)
    f.write(tag)
`;

function stampOf(root: string, artifact: string): { argv: string[]; sha256: string } {
  const statement = JSON.parse(readFileSync(path.join(root, `${artifact}.prov.json`), 'utf8'));
  return { argv: statement.predicate.buildDefinition.externalParameters.argv, sha256: statement.subject[0].digest.sha256 };
}

describe('concurrent runs writing one output (item 6)', () => {
  it('one run at a time holds the output; the others refuse before running, naming the holder; the stamp describes the bytes', async () => {
    const repo = lab({ 'scripts/slow.py': SLOW });
    const tags = ['aa', 'bb', 'cc', 'dd', 'ee', 'ff'];
    const runs = await together(tags.map((tag) => ({ args: ['run', '--out', 'out.txt', '--', 'python3', 'scripts/slow.py', 'out.txt', tag] })), repo.root);
    for (const r of runs) expect([0, 2], r.stderr).toContain(r.code);
    const refused = runs.filter((r) => r.code === 2);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.stderr).toMatch(/the output out\.txt is in use by process \d+ \(provenant run --out out\.txt/);
    const content = readFileSync(path.join(repo.root, 'out.txt'), 'utf8');
    const stamp = stampOf(repo.root, 'out.txt');
    expect(content).toBe(`${stamp.argv.at(-1)}${stamp.argv.at(-1)}`);
    expect(provenant(['verify', 'out.txt'], repo.root).stdout).toMatch(/^ok/);
  });
});

describe('recovery after kill -9 does not trust process ids (item 9)', () => {
  const WRITE = `"""Writes each named file."""
import sys
for p in sys.argv[1:]:
    open(p, "w").write(p * 100)
`;
  for (const [what, pid] of [
    ['a live process (pid reuse)', process.pid],
    ['pid 1', 1],
  ] as const) {
    it(`a run killed after renaming one stamp is finished by ledger rebuild even when its pid is ${what}`, () => {
      const repo = lab({ 'scripts/write.py': WRITE });
      const outs = ['a.txt', 'b.txt'];
      const killed = provenant(['run', ...outs.flatMap((o) => ['--out', o]), '--', 'python3', 'scripts/write.py', ...outs], repo.root, { PROVENANT_CRASH_AT: 'renamed' });
      expect(killed.code).toBeNull();
      const db = new Database(path.join(repo.root, '.provenant/ledger.db'));
      db.prepare('UPDATE runs SET pid = ?').run(pid);
      db.close();
      const rebuilt = provenant(['ledger', 'rebuild'], repo.root);
      expect(rebuilt.code, rebuilt.stderr).toBe(0);
      expect(rebuilt.stderr).toMatch(/finished an interrupted run/);
      for (const out of outs) {
        expect(existsSync(path.join(repo.root, `${out}.prov.json`)), out).toBe(true);
        expect(provenant(['verify', out], repo.root).stdout).toMatch(/^ok/);
      }
      const log = provenant(['log', 'b.txt'], repo.root);
      expect(log.code, log.stderr).toBe(0);
    });
  }
});

const COUNTING = `"""Appends one line per execution to runs.log, then writes its output."""
import sys, time
with open("runs.log", "a") as f:
    f.write(sys.argv[1] + "\\n")
time.sleep(0.3)
open(sys.argv[2], "w").write(sys.argv[1])
`;

const PIPELINE = `version: 1
stages:
  - id: first
    cmd: [python3, count.py, first, out/first.txt]
    outputs: [out/first.txt]
  - id: second
    cmd: [python3, count.py, "second-\${params.n}", out/second.txt]
    inputs: [out/first.txt]
    outputs: [out/second.txt]
    params: { n: 100 }
    smoke: { params: { n: 1 } }
`;

describe('one pipeline run per project (item 12)', () => {
  it('three pipeline runs at once: every stage runs once, the others refuse naming the holder', async () => {
    const repo = lab({ 'count.py': COUNTING, 'provenant.pipeline.yaml': PIPELINE, 'out/.keep': '' });
    const runs = await together([0, 1, 2].map(() => ({ args: ['pipeline', 'run'] })), repo.root);
    const ran = runs.filter((r) => r.code === 0);
    const refused = runs.filter((r) => r.code === 2);
    expect(ran.length + refused.length, runs.map((r) => r.stderr).join('\n')).toBe(3);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) expect(r.stderr).toMatch(/the pipeline of .* is in use by process \d+ \(provenant pipeline run/);
    const lines = readFileSync(path.join(repo.root, 'runs.log'), 'utf8').trim().split('\n');
    expect(lines.sort()).toEqual(['first', 'second-100']);
  });
});

describe('pipeline run --smoke beside a full run (item 19)', () => {
  it('never overwrites a full run\'s stamped output', () => {
    const repo = lab({ 'count.py': COUNTING, 'provenant.pipeline.yaml': PIPELINE, 'out/.keep': '' });
    expect(provenant(['pipeline', 'run'], repo.root).code).toBe(0);
    const before = readFileSync(path.join(repo.root, 'out/second.txt'), 'utf8');
    const stampBefore = readFileSync(path.join(repo.root, 'out/second.txt.prov.json'), 'utf8');
    const smoke = provenant(['pipeline', 'run', '--smoke'], repo.root);
    expect(smoke.code, smoke.stderr).not.toBe(3);
    expect(readFileSync(path.join(repo.root, 'out/second.txt'), 'utf8')).toBe(before);
    expect(readFileSync(path.join(repo.root, 'out/second.txt.prov.json'), 'utf8')).toBe(stampBefore);
    expect(`${smoke.stdout}${smoke.stderr}`).toMatch(/smoke/);
    expect(provenant(['verify', 'out/second.txt'], repo.root).stdout).toMatch(/^ok/);
  });

  it('a smoke run on a fresh project runs, and a full run afterwards is not fooled into "up to date"', () => {
    const repo = lab({ 'count.py': COUNTING, 'provenant.pipeline.yaml': PIPELINE.replace('smoke: { params: { n: 1 } }', 'smoke: { gpu-hours: 0 }'), 'out/.keep': '' });
    const smoke = provenant(['pipeline', 'run', '--smoke'], repo.root);
    expect(smoke.code, smoke.stderr).toBe(0);
    const full = provenant(['pipeline', 'plan', '--json'], repo.root);
    const plan = JSON.parse(full.stdout) as { stages: { id: string; state: string; reasons: string[] }[] };
    expect(plan.stages.map((s) => s.state)).toEqual(['will-run', 'will-run']);
    expect(plan.stages[0]?.reasons.join(' ')).toMatch(/smoke/);
  });
});

describe('many runs stamping different outputs in one clone at once (issue 19, the SQLite half of the writers bench)', () => {
  // each writer stamps through the library's own path (commit + recovery of others' unfinished runs) in a
  // loop, so runs finish while others are recovering them (bench/ledger.ts, at 8 x 250 on a loaded machine,
  // caught a finished run's lock file vanishing between another's open and its lock: ENOENT)
  const WRITER = `
import { writeFileSync } from 'node:fs';
import path from 'node:path';
const [dist, root, tag, n] = process.argv.slice(2);
const { loadConfig } = await import(path.join(dist, 'src/config/config.js'));
const { locate, stampArtifacts } = await import(path.join(dist, 'src/provenance/run.js'));
const { config } = await loadConfig({ cwd: root });
for (let i = 0; i < Number(n); i++) {
  const rel = 'out/' + tag + '-' + i + '.txt';
  writeFileSync(path.join(root, rel), tag + i);
  const now = new Date().toISOString();
  await stampArtifacts({ root, config, env: {}, argv: ['w', rel], cwd: root, outputs: [locate(root, root, rel, '--out')], inputLinks: [],
    producer: null, attestation: null, python: null, state: null, startedOn: now, finishedOn: now, warn: () => undefined });
}
`;
  it('every writer finishes and every stamp is in the ledger once', async () => {
    const repo = lab({ 'out/.keep': '' });
    const script = path.join(repo.tmp, 'writer.mjs');
    writeFileSync(script, WRITER);
    const writers = ['a', 'b', 'c', 'd', 'e', 'f'];
    const per = 40;
    const done = await Promise.all(writers.map((tag) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [script, path.join(REPO, 'dist'), repo.root, tag, String(per)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    })));
    for (const d of done) expect(d.code, d.stderr).toBe(0);
    const db = new Database(path.join(repo.root, '.provenant/ledger.db'), { readonly: true });
    const rows = db.prepare('SELECT artifact, COUNT(*) AS n FROM stamps GROUP BY artifact').all() as { artifact: string; n: number }[];
    db.close();
    expect(rows).toHaveLength(writers.length * per);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });
});
