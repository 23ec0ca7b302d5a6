/**
 * Submitting a pipeline to SLURM, next to a peer measured in the same run:
 *
 *   submit  `provenant pipeline run --detach` of a 50-stage chain (every job queued, each after the one
 *           before it, with `--dependency=afterok`)      report the time
 *           vs  50 bare `sbatch --dependency=afterok:…` calls from a shell loop (the submissions alone)
 *   status  `provenant pipeline status` of those 50 jobs   target: under 1 s
 *           vs  one `squeue` of the same jobs
 *
 *   npm run bench:slurm                           # build, then: node dist/bench/slurm.js
 *   node dist/bench/slurm.js --stages 50 --rounds 3 --partition debug --keep
 *
 * The jobs are submitted held (`--hold`) so that they wait without using the cluster, and are cancelled
 * afterwards. Needs sbatch and a cluster that answers (.ci/services/slurm.sh starts a one-node one).
 * Times are reported, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchGit, median, parseArgs, repoRoot, runBench, timedCommand } from './common.js';

function spec(stages: number, partition: string): string {
  const lines = ['version: 1', 'executor: slurm', `slurm: { partition: ${partition}, mem: 50M, time: "5", extra: [--hold] }`, 'stages:'];
  for (let i = 0; i < stages; i++) {
    lines.push(`  - id: s${i}`, `    cmd: [python3, step.py, ${i ? `out/s${i - 1}.json` : 'raw.txt'}, out/s${i}.json]`);
    lines.push(`    inputs: [${i ? `out/s${i - 1}.json` : 'raw.txt'}]`, ...(i ? [] : ['    input-verdicts: [ok, unstamped]']), `    outputs: [out/s${i}.json]`, '    gpu-hours: 0.5');
  }
  return lines.join('\n') + '\n';
}

function jobIds(dir: string): string[] {
  const record = JSON.parse(readFileSync(path.join(dir, '.provenant', 'slurm', 'submission.json'), 'utf8')) as { jobs: { jobId: string }[] };
  return record.jobs.map((j) => j.jobId);
}

function scancel(ids: readonly string[]): void {
  if (ids.length) spawnSync('scancel', [...ids]);
}

function report(label: string, ms: number, peer: number): string {
  return `${label.padEnd(52)} ${ms.toFixed(0).padStart(7)} ms   ${(ms / peer).toFixed(3)}× the peer's time`;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['stages', 'rounds', 'partition'], ['keep']);
  const stages = Number(args.values.get('stages')?.[0] ?? 50);
  const rounds = Number(args.values.get('rounds')?.[0] ?? 3);
  const partition = args.values.get('partition')?.[0] ?? 'debug';
  if (spawnSync('sinfo', ['-h'], { encoding: 'utf8' }).status !== 0) {
    console.error('bench:slurm needs sbatch and a SLURM cluster that answers (start one with .ci/services/slurm.sh)');
    return 2;
  }
  const bin = path.join(repoRoot(), 'bin', 'provenant.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-slurm-'));
  const submitted: string[] = [];
  try {
    writeFileSync(path.join(dir, 'provenant.toml'), '');
    writeFileSync(path.join(dir, '.gitignore'), '.provenant/\n');
    writeFileSync(path.join(dir, 'raw.txt'), 'raw\n');
    writeFileSync(path.join(dir, 'step.py'), '"""Writes a small report."""\nimport sys, json, os\nos.makedirs("out", exist_ok=True)\nopen(sys.argv[2], "w").write(json.dumps({"from": sys.argv[1]}))\n');
    writeFileSync(path.join(dir, 'provenant.pipeline.yaml'), spec(stages, partition));
    benchGit(['init', '-q'], dir);
    benchGit(['add', '-A'], dir);
    benchGit(['commit', '-qm', 'init'], dir);
    console.log(`submit: a ${stages}-stage chain, every job held in the queue, then cancelled`);
    const peers: number[] = [];
    const submits: number[] = [];
    const statuses: number[] = [];
    const squeues: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const loop = `prev=; for i in $(seq 1 ${stages}); do id=$(sbatch --parsable --hold --partition=${partition} --mem=50M --output=/dev/null \${prev:+--dependency=afterok:$prev} --wrap true) || exit 1; echo $id; prev=$id; done`;
      const started = performance.now();
      const peer = spawnSync('bash', ['-c', loop], { encoding: 'utf8' });
      peers.push(performance.now() - started);
      const peerIds = peer.stdout.split('\n').filter(Boolean);
      scancel(peerIds);

      submits.push(timedCommand(process.execPath, [bin, 'pipeline', 'run', '--detach'], dir));
      const ids = jobIds(dir);
      submitted.push(...ids);
      for (let i = 0; i < 3; i++) {
        statuses.push(timedCommand(process.execPath, [bin, 'pipeline', 'status'], dir));
        squeues.push(timedCommand('squeue', ['-h', '-t', 'all', '-j', ids.join(',')], dir));
      }
      if (ids.length !== stages) throw new Error(`expected ${stages} jobs, the submission holds ${ids.length}`);
      scancel(ids);
    }
    const peer = median(peers);
    console.log(report(`${stages} bare sbatch calls in a shell loop (peer)`, peer, peer));
    console.log(report(`provenant pipeline run --detach (${stages} jobs)`, median(submits), peer));
    const sq = median(squeues);
    console.log(report(`squeue of the ${stages} jobs (peer)`, sq, sq));
    console.log(report(`provenant pipeline status (${stages} jobs)`, median(statuses), sq));
    console.log(`\nsubmit ${median(submits).toFixed(0)} ms for ${stages} stages; status ${median(statuses).toFixed(0)} ms (target < 1000 ms)`);
    return 0;
  } finally {
    scancel(submitted);
    if (args.flags.has('keep')) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
