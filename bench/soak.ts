/**
 * The long version of test/torture/: hundreds of kill -9 trials of `provenant run`, `pipeline run` and
 * registry edits at seeded random points, and rounds of concurrent writers on one project, then the counts:
 * trials, clean errors, crashes, wrong verdicts, lost rows, lost edits, partial stamps, stale locks.
 *
 *   npm run soak                                   # build, then: node dist/bench/soak.js
 *   node dist/bench/soak.js --seed 7 --kill-runs 250 --kill-pipelines 125 --kill-edits 125 --rounds 100
 *
 * Exits 1 when any count that must be zero is not, and lists the first problems.
 */
import { parseArgs, runBench } from './common.js';
import { failures, torture } from './torture.js';

function count(values: Map<string, string[]>, name: string, fallback: number): number {
  const raw = values.get(name)?.at(-1);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: not a count: ${raw}`);
  return n;
}

runBench(async (argv) => {
  const { values } = parseArgs(argv, ['seed', 'kill-runs', 'kill-pipelines', 'kill-edits', 'rounds'], []);
  const options = {
    seed: count(values, 'seed', 18),
    killRuns: count(values, 'kill-runs', 250),
    killPipelines: count(values, 'kill-pipelines', 125),
    killEdits: count(values, 'kill-edits', 125),
    rounds: count(values, 'rounds', 100),
  };
  console.error(`soak: seed ${options.seed}, ${options.killRuns} + ${options.killPipelines} + ${options.killEdits} kill trials, ${options.rounds} concurrent rounds`);
  const started = Date.now();
  const t = await torture({ ...options, log: (line) => console.error(line) });
  const rows: [string, number][] = [
    ['trials', t.trials],
    ['kill -9 trials', t.killTrials],
    ['  of which killed mid-stamp', t.killedMidStamp],
    ['concurrent-writer rounds', t.rounds],
    ['clean errors (exit 2, holder named)', t.cleanErrors],
    ['crashes (exit 3, trace, stray signal)', t.crashes],
    ['wrong verdicts (ok for other bytes)', t.wrongVerdicts],
    ['lost rows (ledger)', t.lostRows],
    ['lost edits', t.lostEdits],
    ['partial stamps / files', t.partialStamps],
    ['stale locks', t.staleLocks],
  ];
  for (const [label, n] of rows) console.log(`${label.padEnd(40)} ${String(n).padStart(6)}`);
  console.log(`${'minutes'.padEnd(40)} ${((Date.now() - started) / 60_000).toFixed(1).padStart(6)}`);
  for (const p of t.problems) console.log(`problem: ${p}`);
  return failures(t) === 0 ? 0 : 1;
});
