/**
 * Speed of the pipeline commands, each figure next to a peer measured in the same run:
 *
 *   plan   `provenant pipeline plan` of a 50-stage spec whose stages read 10 stamped inputs of 1 GiB each
 *          (10 GiB, already verified once, so the fast path applies)   target: under 2 s
 *          vs  `sha256sum` of the same inputs (what a planner without a fast path must do)
 *   gate   `provenant gate` on a fresh copy of examples/stage1-lab, no cache (cold)   target: under 5 s
 *          vs  a cold `provenant audit` of the same copy
 *
 *   npm run bench:pipeline                       # build, then: node dist/bench/pipeline.js
 *   node dist/bench/pipeline.js --inputs 4 --gib 1 --rounds 3 --keep
 *
 * The inputs are sparse files (zeros), written instantly and hashed at full cost. Times are reported,
 * never asserted.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchGit, median, parseArgs, repoRoot, runBench, timedCommand } from './common.js';

function spec(stages: number, inputs: number): string {
  const lines = ['version: 1', 'hourly-rate: 2', 'stages:'];
  for (let i = 0; i < stages; i++) {
    const input = `data/in${i % inputs}.bin`;
    lines.push(`  - id: s${i}`, `    cmd: [python3, step.py, ${input}, out/s${i}.json]`, `    inputs: [${input}]`, `    outputs: [out/s${i}.json]`, '    gpu-hours: 0.5');
  }
  return lines.join('\n') + '\n';
}

function report(label: string, ms: number, peer: number): string {
  return `${label.padEnd(52)} ${ms.toFixed(0).padStart(7)} ms   ${(ms / peer).toFixed(3)}× the peer's time`;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['inputs', 'gib', 'rounds', 'stages'], ['keep']);
  const inputs = Number(args.values.get('inputs')?.[0] ?? 10);
  const gib = Number(args.values.get('gib')?.[0] ?? 1);
  const stages = Number(args.values.get('stages')?.[0] ?? 50);
  const rounds = Number(args.values.get('rounds')?.[0] ?? 3);
  const bin = path.join(repoRoot(), 'bin', 'provenant.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-pipeline-'));
  try {
    writeFileSync(path.join(dir, 'provenant.toml'), '');
    writeFileSync(path.join(dir, 'step.py'), '"""Writes a small report."""\nimport sys, json\nopen(sys.argv[2], "w").write(json.dumps({"from": sys.argv[1]}))\n');
    writeFileSync(path.join(dir, 'provenant.pipeline.yaml'), spec(stages, inputs));
    const names = Array.from({ length: inputs }, (_, i) => `data/in${i}.bin`);
    for (const sub of ['data', 'out']) mkdirSync(path.join(dir, sub), { recursive: true });
    for (const n of names) {
      writeFileSync(path.join(dir, n), '');
      truncateSync(path.join(dir, n), Math.round(gib * 1024 ** 3));
    }
    benchGit(['init', '-q'], dir);
    benchGit(['add', 'provenant.toml', 'step.py', 'provenant.pipeline.yaml'], dir);
    benchGit(['commit', '-qm', 'init'], dir);
    console.log(`plan: ${stages} stages over ${inputs} stamped inputs of ${gib} GiB (${inputs * gib} GiB)`);
    const stamp = timedCommand(process.execPath, [bin, 'run', ...names.flatMap((n) => ['--out', n]), '--', 'true'], dir);
    const firstVerify = timedCommand(process.execPath, [bin, 'verify', ...names], dir);
    console.log(`  (stamping them took ${(stamp / 1000).toFixed(1)} s, the first verify ${(firstVerify / 1000).toFixed(1)} s)`);
    const peer: number[] = [];
    const plans: number[] = [];
    for (let i = 0; i < rounds; i++) {
      peer.push(timedCommand('sha256sum', names, dir));
      plans.push(timedCommand(process.execPath, [bin, 'pipeline', 'plan'], dir));
    }
    const p = median(peer);
    console.log(report('sha256sum of the inputs (peer)', p, p));
    console.log(report('provenant pipeline plan (fast path)', median(plans), p));

    console.log('\ngate: examples/stage1-lab, a fresh copy each round (cold: no .provenant/)');
    const gates: number[] = [];
    const audits: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const copy = (): string => {
        const lab = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-lab-'));
        cpSync(path.join(repoRoot(), 'examples', 'stage1-lab'), lab, { recursive: true });
        rmSync(path.join(lab, '.provenant'), { recursive: true, force: true });
        benchGit(['init', '-q'], lab);
        benchGit(['add', '-A'], lab);
        benchGit(['commit', '-qm', 'lab'], lab);
        return lab;
      };
      const a = copy();
      const g = copy();
      try {
        audits.push(timedCommand(process.execPath, [bin, 'audit'], a, [0, 1]));
        gates.push(timedCommand(process.execPath, [bin, 'gate'], g, [0, 1]));
      } finally {
        rmSync(a, { recursive: true, force: true });
        rmSync(g, { recursive: true, force: true });
      }
    }
    const au = median(audits);
    console.log(report('provenant audit, cold (peer)', au, au));
    console.log(report('provenant gate, cold', median(gates), au));
    console.log(`\nplan ${median(plans).toFixed(0)} ms (target < 2000 ms); gate ${median(gates).toFixed(0)} ms cold (target < 5000 ms)`);
    return 0;
  } finally {
    if (args.flags.has('keep')) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
