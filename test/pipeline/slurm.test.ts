/**
 * Pipeline stages on a real SLURM cluster (the one-node cluster `.ci/services/slurm.sh` starts from
 * Debian's slurm-wlm and munge). Without sbatch or a cluster that answers, the tests are skipped with the
 * reason, except under CI, where that fails: CI starts the cluster, so a skip there would be a false pass.
 * One job holds a CPU until SLURM kills it for its time limit (at least a minute): it is submitted first and
 * checked last, so the other tests run meanwhile.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

function clusterProblem(): string | null {
  const sinfo = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 10_000 });
  if (sinfo.error) return 'sbatch/sinfo not on PATH (start one with .ci/services/slurm.sh)';
  if (sinfo.status !== 0 || !/^(idle|mixed|allocated)/m.test(sinfo.stdout)) return `no SLURM node answers (sinfo: ${(sinfo.stderr || sinfo.stdout).trim().split('\n')[0] ?? ''})`;
  return null;
}

const problem = clusterProblem();
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

describe.runIf(problem && inCi)('SLURM in CI', () => {
  it('has a cluster to test against', async () => {
    throw new Error(`CI starts a SLURM cluster (.ci/run), but ${problem}`);
  });
});

/** Writes its last argument after waiting while `hold.flag` exists (at most `LIMIT` seconds). */
const STEP = `"""Writes its last argument: the accuracy from ACC; waits while hold.flag exists."""
import json, os, sys, time
out = sys.argv[-1]
deadline = time.time() + 150
while os.path.exists("hold.flag") and time.time() < deadline:
    time.sleep(0.5)
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
with open(out, "w") as f:
    f.write(json.dumps({"accuracy": float(os.environ.get("ACC", "0.8")), "args": sys.argv[1:-1]}))
`;
// a run that follows its jobs takes tens of seconds: spawned without blocking the test worker
import { provenantAsync as provenant } from '../helpers/spawn.js';

const SLURM = 'executor: slurm\nslurm: { partition: debug, mem: 100M, time: "5" }\n';

const CHAIN = `version: 1
${SLURM}stages:
  - id: a
    cmd: [python3, step.py, raw.txt, out/a.json]
    inputs: [raw.txt]
    input-verdicts: [ok, unstamped]
    outputs: [out/a.json]
  - id: b
    cmd: [python3, step.py, out/a.json, out/b.json]
    inputs: [out/a.json]
    outputs: [out/b.json]
    gates:
      - metric: out/b.json:accuracy >= 0.7
        decision: train on b's output
  - id: c
    cmd: [python3, step.py, out/b.json, out/c.json]
    inputs: [out/b.json]
    outputs: [out/c.json]
`;

const repos: GitDir[] = [];
afterAll(() => {
  while (repos.length) repos.pop()?.cleanup();
});

function project(spec: string, files: Record<string, string> = {}): GitDir {
  const repo = makeGitDir({ 'provenant.toml': '', 'step.py': STEP, 'raw.txt': 'raw\n', '.gitignore': '.provenant/\nhold.flag\n', 'provenant.pipeline.yaml': spec, ...files });
  repo.add();
  repo.commit('init');
  repos.push(repo);
  return repo;
}

interface StatusJson {
  rows: { stage: string; kind: string; jobId: string; state: string; message: string; tail: string[] }[];
}

async function status(repo: GitDir): Promise<StatusJson> {
  const r = await provenant(['pipeline', 'status', '--json'], repo.root);
  expect(r.code, r.stderr).toBeLessThanOrEqual(1);
  return JSON.parse(r.stdout) as StatusJson;
}

/** Polls `pipeline status` until `done` holds (jobs take seconds; the time-limit job over a minute). */
async function until(repo: GitDir, done: (s: StatusJson) => boolean, seconds = 60): Promise<StatusJson> {
  for (let i = 0; i < seconds * 2; i++) {
    const s = await status(repo);
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`pipeline status did not get there in ${seconds}s: ${JSON.stringify((await status(repo)).rows)}`);
}

function stampOf(repo: GitDir, artifact: string): { job?: { id: string; node: string | null; gpus: string[]; gpuHours: number }; pipeline?: { stage: string } } {
  const s = JSON.parse(readFileSync(path.join(repo.root, `${artifact}.prov.json`), 'utf8')) as { predicate: { provenant: { job?: never }; buildDefinition: { externalParameters: { pipeline?: never } } } };
  return { job: s.predicate.provenant.job, pipeline: s.predicate.buildDefinition.externalParameters.pipeline };
}

// jobs wait their turn on a shared two-CPU node: a test that follows a pipeline may take minutes under load
describe.skipIf(problem)(`pipeline stages on SLURM${problem ? ` (skipped: ${problem})` : ''}`, { timeout: 240_000 }, () => {
  // submitted first: SLURM kills it only after its one-minute limit, checked by the last test
  let timeout: GitDir;
  it('submits a stage with a one-minute time limit (checked last)', async () => {
    timeout = project(`version: 1\nexecutor: slurm\nslurm: { partition: debug, mem: 100M, time: "1" }\nstages:\n  - id: slow\n    cmd: [python3, step.py, out/slow.json]\n    outputs: [out/slow.json]\n`, { 'hold.flag': '' });
    const r = await provenant(['pipeline', 'run', '--detach'], timeout.root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('submitted    slow');
  });

  it('runs the example lab: stamps on the node with the job, refuses the deprecated pairs, a failed gate stops its dependents, a rerun submits only what is not stamped', async () => {
    const repo = makeGitDir();
    repos.push(repo);
    cpSync(path.join(REPO, 'examples/stage1-lab'), repo.root, { recursive: true });
    rmSync(path.join(repo.root, '.provenant'), { recursive: true, force: true });
    const specFile = path.join(repo.root, 'provenant.pipeline.yaml');
    writeFileSync(specFile, readFileSync(specFile, 'utf8').replace('currency: USD\n', `currency: USD\n${SLURM}`));
    repo.add();
    repo.commit('lab on slurm');
    const first = await provenant(['pipeline', 'run', '--smoke'], repo.root);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout.split('\n').slice(0, 11)).toEqual([
      'ran          sentinel',
      'ran          baseline-eval',
      'ran          sft-data',
      'ran          pairs-v1',
      'failed       dpo-legacy',
      'ran          sft-train',
      'ran          sft-eval',
      'not-reached  pairs',
      'not-reached  dpo-train',
      'not-reached  dpo-eval',
      'not-reached  compare',
    ]);
    expect(first.stderr).toMatch(/dpo-legacy: failed: job \d+ failed on \S+: exit 1; .*\n?.*log: provenant: refused: input artifacts\/pairs_v1.jsonl is quarantined/);
    expect(first.stdout).toContain('stopped at');
    const st = await status(repo);
    const gate = st.rows.find((r) => r.stage === 'sft-eval' && r.kind === 'gate');
    expect(gate?.state).toBe('failed');
    expect(gate?.message).toBe('gate reports/sft_eval.json:accuracy >= 0.70 failed: reports/sft_eval.json:accuracy = 0.444, needs >= 0.7; blocks the decision: go on to preference pairs and DPO');
    for (const stage of ['pairs', 'dpo-train', 'dpo-eval', 'compare']) {
      expect(st.rows.find((r) => r.stage === stage)?.state, stage).toBe('blocked');
      expect(existsSync(path.join(repo.root, '.provenant/slurm', readFileSync(path.join(repo.root, '.provenant/slurm/submission.json'), 'utf8').match(/"id": "([^"]+)"/)?.[1] ?? '', `${stage}.log`)), `${stage} never started`).toBe(false);
    }
    const stamp = stampOf(repo, 'checkpoints/sft');
    expect(stamp.job).toMatchObject({ id: expect.stringMatching(/^\d+$/), node: os.hostname().split('.')[0], gpus: [], gpuHours: 0 });
    expect(stamp.pipeline?.stage).toBe('sft-train');
    expect((await provenant(['verify', 'data/sft/train.jsonl', 'checkpoints/sft', 'reports/sft_eval.json'], repo.root)).code).toBe(0);

    const second = await provenant(['pipeline', 'run', '--smoke', '--detach'], repo.root);
    expect(second.stdout).toContain('up-to-date   sft-data');
    expect(second.stdout).toContain('submitted    dpo-legacy');
    expect(second.stdout.match(/submitted/g)).toHaveLength(1);
    expect(second.stdout).toContain('stopped at sft-eval: gate reports/sft_eval.json:accuracy >= 0.70 failed');
    const report = await provenant(['pipeline', 'report'], repo.root);
    expect(report.stdout).toMatch(/sft-train\s+3\s+0\s+\d+ on /);
  });

  it('a job cancelled mid-stage leaves no stamp and blocks its dependents; Ctrl-C without a terminal leaves jobs queued; a rerun resumes', async () => {
    const repo = project(CHAIN, { 'hold.flag': '' });
    const child = spawn(process.execPath, [BIN, 'pipeline', 'run', '--plain'], { cwd: repo.root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until(repo, (s) => s.rows.some((r) => r.stage === 'a' && r.state === 'running'));
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/job\(s\) stay queued \(\d+, \d+, \d+, \d+\)/);
    const a = (await status(repo)).rows.find((r) => r.stage === 'a');
    expect(a?.state).toBe('running');

    expect(spawnSync('scancel', [a?.jobId ?? '']).status).toBe(0);
    const st = await until(repo, (s) => s.rows.every((r) => r.state !== 'running' && r.state !== 'queued'));
    expect(st.rows.map((r) => [r.stage, r.kind, r.state])).toEqual([['a', 'stage', 'cancelled'], ['b', 'stage', 'blocked'], ['b', 'gate', 'blocked'], ['c', 'stage', 'blocked']]);
    expect(st.rows[0]?.message).toMatch(/^job \d+ was cancelled after /);
    expect(existsSync(path.join(repo.root, 'out/a.json.prov.json'))).toBe(false);
    expect((await provenant(['pipeline', 'status'], repo.root)).code).toBe(1);

    rmSync(path.join(repo.root, 'hold.flag'));
    const resumed = await provenant(['pipeline', 'run'], repo.root);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toBe('ran          a\nran          b\nran          c\n');
    expect(stampOf(repo, 'out/c.json').job?.id).toMatch(/^\d+$/);
    const again = await provenant(['pipeline', 'run'], repo.root);
    expect(again.stdout).toBe('up-to-date   a\nup-to-date   b\nup-to-date   c\n');
  });

  it.runIf(spawnSync('tmux', ['-V']).status === 0)('on a terminal, Ctrl-C while following asks whether to cancel the jobs, and yes cancels them', async () => {
    const repo = project(CHAIN, { 'hold.flag': '' });
    const socket = `provenant-slurm-${process.pid}`;
    const tmux = (...args: string[]): string => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' }).stdout;
    try {
      tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', 'run', '-c', repo.root, `env -u CI -u CONTINUOUS_INTEGRATION NO_COLOR=1 '${process.execPath}' '${BIN}' pipeline run > summary.txt; echo "pipeline exited $?"; sleep 300`);
      await until(repo, (s) => s.rows.some((r) => r.stage === 'a' && r.state === 'running'));
      tmux('send-keys', '-t', 'run', 'C-c');
      const screen = async (text: string): Promise<string> => {
        for (let i = 0; i < 100; i++) {
          const shown = tmux('capture-pane', '-p', '-t', 'run');
          if (shown.includes(text)) return shown;
          await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`the screen never showed ${text}:\n${tmux('capture-pane', '-p', '-t', 'run')}`);
      };
      await screen('cancel the 4 submitted job(s) still queued or running? [y/N]');
      tmux('send-keys', '-t', 'run', 'y', 'Enter');
      expect(await screen('pipeline exited 1')).toMatch(/cancelled 4 job\(s\): \d+, \d+, \d+, \d+/);
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-server']);
    }
    const st = await until(repo, (s) => s.rows.every((r) => r.state !== 'running' && r.state !== 'queued'));
    expect(st.rows.map((r) => r.state)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(readFileSync(path.join(repo.root, 'summary.txt'), 'utf8')).toContain('cancelled    a\n');
  });

  it('a local stage that needs a job\'s output runs once the jobs are done; detached, it waits for the next run', async () => {
    const spec = CHAIN.replace('  - id: c\n', '  - id: c\n    executor: local\n');
    const repo = project(spec);
    const detached = await provenant(['pipeline', 'run', '--detach'], repo.root);
    expect(detached.code, detached.stderr).toBe(0);
    expect(detached.stdout).toBe('submitted    a\nsubmitted    b\nnot-reached  c\n');
    expect(detached.stderr).toContain('c: not-reached: waits for b; it runs locally once they are done');
    await until(repo, (s) => s.rows.every((r) => r.state === 'done'));
    const followed = await provenant(['pipeline', 'run'], repo.root);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toBe('up-to-date   a\nup-to-date   b\nran          c\n');
    expect(stampOf(repo, 'out/b.json').job?.id).toMatch(/^\d+$/);
    expect(stampOf(repo, 'out/c.json').job).toBeUndefined();
    // that run queued nothing: status still shows the jobs that made a and b
    expect((await status(repo)).rows.map((r) => [r.stage, r.state])).toEqual([['a', 'done'], ['b', 'done'], ['b', 'done']]);
  });

  it('when an input of the first stage changes, every stage after it is submitted again, not only the first', async () => {
    const repo = project(CHAIN);
    expect((await provenant(['pipeline', 'run'], repo.root)).stdout).toBe('ran          a\nran          b\nran          c\n');
    writeFileSync(path.join(repo.root, 'raw.txt'), 'changed\n');
    const again = await provenant(['pipeline', 'run', '--detach'], repo.root);
    expect(again.stdout).toBe('submitted    a\nsubmitted    b\nsubmitted    c\n');
    expect(again.stderr).toContain('b: submitted: ');
    await until(repo, (s) => s.rows.every((r) => r.state === 'done'));
    // a's output came out the same (step.py does not read raw.txt), so b's job found b up to date
    const record = JSON.parse(readFileSync(path.join(repo.root, '.provenant/slurm/submission.json'), 'utf8')) as { jobs: { stage: string; log: string }[] };
    expect(readFileSync(record.jobs.find((j) => j.stage === 'b')?.log ?? '', 'utf8')).toContain('provenant: stage b is up to date (its outputs carry this stage key); nothing to run');
    // the job script names no command (a command may carry a token): the node reads it from the spec
    const script = readFileSync((record.jobs.find((j) => j.stage === 'b')?.log ?? '').replace(/\.log$/, '.sh'), 'utf8');
    expect(script).toContain(' run --stage ');
    expect(script).not.toContain('step.py');
    const st = await provenant(['pipeline', 'status'], repo.root);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/ b +job \d+ +done +job \d+ finished on \S+ in [\d:]+; the outputs already carried this stage key, so it ran nothing\n/);
    expect((await provenant(['pipeline', 'run'], repo.root)).stdout).toBe('up-to-date   a\nup-to-date   b\nup-to-date   c\n');
  });

  it('a rerun while jobs are queued submits nothing twice', async () => {
    const repo = project(CHAIN, { 'hold.flag': '' });
    const first = await provenant(['pipeline', 'run', '--detach'], repo.root);
    expect(first.code, first.stderr).toBe(0);
    const second = await provenant(['pipeline', 'run', '--detach'], repo.root);
    expect(second.stdout).toBe('submitted    a\nsubmitted    b\nsubmitted    c\n');
    const jobs = (await status(repo)).rows.map((r) => r.jobId);
    expect(new Set(jobs).size).toBe(4);
    rmSync(path.join(repo.root, 'hold.flag'));
    const st = await until(repo, (s) => s.rows.every((r) => r.state === 'done'));
    expect(st.rows.map((r) => r.jobId)).toEqual(jobs);
  });

  it('refuses what SLURM would reject before anything is queued: a partition that does not exist, sbatch missing from PATH', async () => {
    const repo = project(CHAIN.replace('partition: debug', 'partition: nope'));
    const r = await provenant(['pipeline', 'run'], repo.root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('provenant.pipeline.yaml: stage a: SLURM would reject the job: invalid partition specified: nope');
    expect(existsSync(path.join(repo.root, '.provenant/slurm/submission.json'))).toBe(false);
    const gate = await provenant(['gate'], repo.root);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toContain('stage c: SLURM would reject the job: invalid partition specified: nope');

    const gpus = project(CHAIN.replace('  - id: b\n', '  - id: b\n    slurm: { gpus: 8 }\n'));
    const noGpus = await provenant(['pipeline', 'run'], gpus.root);
    expect(noGpus.code).toBe(2);
    expect(noGpus.stderr).toMatch(/stage b: SLURM would reject the job: .*Requested node configuration is not available \(sbatch .*--gpus=8/);
    expect(noGpus.stderr).not.toContain('stage a:');

    const bin = mkdtempSync(path.join(os.tmpdir(), 'provenant-path-'));
    for (const tool of ['python3', 'git']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(found, path.join(bin, tool));
    }
    const noSlurm = await provenant(['pipeline', 'run'], repo.root, { PATH: bin });
    rmSync(bin, { recursive: true, force: true });
    expect(noSlurm.code).toBe(2);
    expect(noSlurm.stderr).toContain('sbatch: not found on PATH, and stage a (executor: slurm) runs on SLURM');
    expect(existsSync(path.join(repo.root, 'out/a.json'))).toBe(false);
  });

  it('status falls back to the jobs\' own exit records once SLURM has forgotten them (no accounting here)', async () => {
    const repo = project(CHAIN);
    const dir = path.join(repo.root, '.provenant/slurm/old');
    const job = (stage: string, id: string): Record<string, unknown> => ({ stage, kind: 'stage', jobId: id, log: path.join(dir, `${stage}.log`), exitRecord: path.join(dir, `${stage}.exit.json`), result: null, submittedAt: '2026-01-01T00:00:00Z', after: [], gpus: 0 });
    mkdirSync(dir, { recursive: true });
    // job ids this cluster never handed out stand for jobs slurmctld purged (MinJobAge)
    writeFileSync(path.join(dir, 'a.exit.json'), '{"jobId":"67000001","node":"n1","startedOn":"x","finishedOn":"y","exitCode":0}\n');
    writeFileSync(path.join(dir, 'b.exit.json'), '{"jobId":"67000002","node":"n2","startedOn":"x","finishedOn":"y","exitCode":137}\n');
    writeFileSync(path.join(dir, 'b.log'), 'step 1\nKilled\n');
    writeFileSync(path.join(repo.root, '.provenant/slurm/submission.json'), JSON.stringify({ version: 1, id: 'old', spec: 'provenant.pipeline.yaml', root: repo.root, submittedAt: '2026-01-01T00:00:00Z', jobs: [job('a', '67000001'), job('b', '67000002'), job('c', '67000003')] }));
    const r = await provenant(['pipeline', 'status'], repo.root);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ a +job 67000001 +done +job 67000001 finished on n1; but not every output has a stamp of this stage\n/);
    expect(r.stdout).toContain('job 67000002 failed on n2: killed by signal 9\n      | step 1\n      | Killed\n');
    expect(r.stdout).toContain('job 67000003: SLURM no longer knows the job and it left no exit record');
  });

  it('says so when the compute node cannot see the project', async () => {
    const repo = project(CHAIN.replace('time: "5" }', 'time: "5", extra: [--hold] }'));
    const r = await provenant(['pipeline', 'run', '--detach'], repo.root);
    expect(r.code, r.stderr).toBe(0);
    const jobs = (await status(repo)).rows.filter((x) => x.kind === 'stage').map((x) => x.jobId);
    // the node's view of the project goes away while the job waits, as on a node-local disk
    const away = `${repo.root}-away`;
    renameSync(repo.root, away);
    try {
      expect(spawnSync('scontrol', ['release', jobs.join(',')]).status).toBe(0);
      for (let i = 0; i < 60; i++) {
        const q = spawnSync('squeue', ['-h', '-t', 'all', '-j', jobs[0] ?? '', '-o', '%T'], { encoding: 'utf8' });
        if (q.stdout.trim() === 'FAILED') break;
        await new Promise((res) => setTimeout(res, 500));
      }
    } finally {
      renameSync(away, repo.root);
    }
    const st = await until(repo, (s) => s.rows.every((x) => x.state !== 'queued' && x.state !== 'running'));
    expect(st.rows[0]?.message).toMatch(/^job \d+ could not start on \S+: the node cannot open .*a\.log\. Stages on SLURM need the project on a filesystem the compute nodes share/);
    expect(existsSync(path.join(repo.root, 'out/a.json'))).toBe(false);
  });

  it('says a stage SLURM killed for its time limit hit the limit, and stamps nothing', async () => {
    const st = await until(timeout, (s) => s.rows.every((r) => r.state !== 'running' && r.state !== 'queued'), 150);
    expect(st.rows[0]?.state).toBe('failed');
    expect(st.rows[0]?.message).toMatch(/^job \d+ hit its time limit \(time: 1\) and SLURM killed it on \S+: raise slurm\.time for stage slow$/);
    expect(existsSync(path.join(timeout.root, 'out/slow.json.prov.json'))).toBe(false);
  }, 240_000);
});
