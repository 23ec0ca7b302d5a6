/**
 * Torture trials for provenance and in-place edits (issue 18), with real processes: `kill -9` at random
 * points (seeded, so a failure can be replayed) of `provenant run`, `provenant pipeline run` and registry
 * edits, and rounds of concurrent writers (registry edits, runs on one output, pipeline runs) on one
 * project. After every trial the project is checked the way a user would rely on it:
 *
 *   partial stamps  a sidecar that is not a whole stamp
 *   wrong verdicts  `verify` says ok while the content is not what the stamp's command wrote
 *   lost rows       a stamp on disk the ledger does not know, or a run the next command left unfinished
 *   lost edits      an edit that printed success and is not in the file
 *   stale locks     a command refused after its predecessor was killed
 *   crashes         exit 3, a stack trace, or a signal nobody sent
 *   clean errors    exit 2 with a message (a refusal naming the holder): expected under contention
 *
 * `test/torture/` runs a few of each in `npm test`; `bench/soak.ts` runs hundreds.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';

import { benchGit, repoRoot, seeded } from './common.js';

export interface Tally {
  trials: number;
  killTrials: number;
  /** Kills that left a run half-stamped (found unfinished in the ledger or as temporary files). */
  killedMidStamp: number;
  rounds: number;
  cleanErrors: number;
  crashes: number;
  wrongVerdicts: number;
  lostRows: number;
  lostEdits: number;
  partialStamps: number;
  staleLocks: number;
  /** The first problems found, in words. */
  problems: string[];
}

export function emptyTally(): Tally {
  return { trials: 0, killTrials: 0, killedMidStamp: 0, rounds: 0, cleanErrors: 0, crashes: 0, wrongVerdicts: 0, lostRows: 0, lostEdits: 0, partialStamps: 0, staleLocks: 0, problems: [] };
}

/** The counts that must stay zero. */
export function failures(t: Tally): number {
  return t.crashes + t.wrongVerdicts + t.lostRows + t.lostEdits + t.partialStamps + t.staleLocks;
}

export interface TortureOptions {
  seed: number;
  killRuns: number;
  killPipelines: number;
  killEdits: number;
  rounds: number;
  log?(line: string): void;
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  killed: boolean;
  ms: number;
}

const BIN = path.join(repoRoot(), 'bin', 'provenant.js');

/**
 * Runs the CLI in its own process group; with `killAfterMs`, the whole group (provenant and the command it
 * started) gets SIGKILL then, as a container's OOM kill or a dead session would.
 */
function cli(args: string[], cwd: string, options: { killAfterMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer =
      options.killAfterMs === undefined
        ? null
        : setTimeout(() => {
            killed = true;
            try {
              process.kill(-(child.pid ?? 0), 'SIGKILL');
            } catch (error) {
              // the group is already gone: the command finished before the kill
              if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
            }
          }, options.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, killed: killed && signal === 'SIGKILL', ms: Date.now() - started });
    });
  });
}

function git(root: string, ...args: string[]): void {
  benchGit(args, root);
}

function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'provenant-torture-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'init');
  return root;
}

const WRITE = `"""Writes the tag into every named file."""
import sys
tag = sys.argv[1]
for out in sys.argv[2:]:
    with open(out, "w") as f:
        f.write(tag * 50)
`;

const SLOW = `"""Writes the tag into the file in two halves, slowly."""
import sys, time
out, tag = sys.argv[1], sys.argv[2]
with open(out, "w") as f:
    f.write(tag * 25)
    f.flush()
    time.sleep(0.05)
    f.write(tag * 25)
`;

const STAGE = `"""A pipeline stage: writes its tag into its output."""
import sys
open(sys.argv[2], "w").write(sys.argv[1] * 50)
`;

function spec(tag: string): string {
  return `version: 1
stages:
  - id: make
    cmd: [python3, stage.py, "\${params.tag}", out/p1.txt]
    outputs: [out/p1.txt]
    params: { tag: ${tag} }
  - id: use
    cmd: [python3, stage.py, "\${params.tag}-2", out/p2.txt]
    inputs: [out/p1.txt]
    outputs: [out/p2.txt]
    params: { tag: ${tag} }
`;
}

function problem(t: Tally, counter: keyof Omit<Tally, 'problems'>, text: string): void {
  t[counter] += 1;
  if (t.problems.length < 20) t.problems.push(`${counter}: ${text}`);
}

/** Counts exit 3, stack traces and stray signals as crashes, exit 2 as a clean error; true when it exited 0. */
function judgeExit(t: Tally, what: string, r: Ran): boolean {
  if (r.killed) return false;
  if (r.code === 3 || r.signal !== null || /internal error|\n\s+at .+:\d+:\d+/.test(r.stderr)) {
    problem(t, 'crashes', `${what}: exit ${r.code ?? r.signal}: ${r.stderr.slice(0, 400)}`);
    return false;
  }
  if (r.code === 2) t.cleanErrors += 1;
  return r.code === 0;
}

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** Every sidecar among `outs` is a whole stamp; returns the argv each records. */
function readStamps(t: Tally, root: string, outs: readonly string[]): Map<string, string[]> {
  const argvs = new Map<string, string[]>();
  for (const out of outs) {
    const file = path.join(root, `${out}.prov.json`);
    if (!existsSync(file)) continue;
    try {
      const statement = JSON.parse(readFileSync(file, 'utf8')) as { subject: { name: string }[]; predicate: { buildDefinition: { externalParameters: { argv: string[] } } } };
      if (statement.subject[0]?.name !== out) throw new Error(`names ${statement.subject[0]?.name}`);
      argvs.set(out, statement.predicate.buildDefinition.externalParameters.argv);
    } catch (error) {
      problem(t, 'partialStamps', `${file}: ${(error as Error).message}`);
    }
  }
  return argvs;
}

/** True when the kill left a run half-stamped: an unfinished run in the ledger, or a temporary stamp. */
function midStamp(root: string, dir: string): boolean {
  const tmp = existsSync(path.join(root, dir)) && readdirSync(path.join(root, dir)).some((n) => n.endsWith('.tmp'));
  return tmp || unfinishedRuns(root) > 0;
}

function unfinishedRuns(root: string): number {
  const file = path.join(root, '.provenant', 'ledger.db');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, timeout: 30_000 });
  try {
    return db.prepare("SELECT COUNT(*) FROM runs WHERE state != 'done'").pluck().get() as number;
  } finally {
    db.close();
  }
}

/** Stamps on disk the ledger has no row for, and runs left unfinished after a command recovered. */
function ledgerGaps(t: Tally, root: string, outs: readonly string[]): void {
  const file = path.join(root, '.provenant', 'ledger.db');
  if (!existsSync(file)) return;
  const db = new Database(file, { readonly: true, timeout: 30_000 });
  try {
    const known = new Set(db.prepare('SELECT stamp_sha256 FROM stamps').pluck().all() as string[]);
    for (const out of outs) {
      const sidecar = path.join(root, `${out}.prov.json`);
      if (existsSync(sidecar) && !known.has(sha256(readFileSync(sidecar)))) problem(t, 'lostRows', `${out}: its stamp is not in the ledger`);
    }
    const left = db.prepare("SELECT COUNT(*) FROM runs WHERE state != 'done'").pluck().get() as number;
    if (left > 0) problem(t, 'lostRows', `${left} run(s) still unfinished after recovery`);
  } finally {
    db.close();
  }
}

/**
 * verify --json of `outs`: every `ok` must be for content that the stamp's own command wrote (`expected`
 * computes it from the stamp's argv). Returns the verdicts.
 */
async function verifyOutputs(t: Tally, root: string, outs: readonly string[], expected: (argv: string[], out: string) => string): Promise<Map<string, string>> {
  const verdicts = new Map<string, string>();
  const r = await cli(['verify', '--json', ...outs], root);
  if (!judgeExit(t, 'verify', r) && r.code !== 1) {
    if (r.code === 2) problem(t, 'crashes', `verify refused: ${r.stderr.slice(0, 300)}`);
    return verdicts;
  }
  const argvs = readStamps(t, root, outs);
  const report = JSON.parse(r.stdout) as { results: { path: string; verdict: string }[] };
  for (const result of report.results) {
    verdicts.set(result.path, result.verdict);
    if (result.verdict !== 'ok') continue;
    const argv = argvs.get(result.path);
    const content = readFileSync(path.join(root, result.path), 'utf8');
    if (!argv || content !== expected(argv, result.path)) problem(t, 'wrongVerdicts', `${result.path} verifies ok but holds ${JSON.stringify(content.slice(0, 20))} (stamp argv ${JSON.stringify(argv)})`);
  }
  return verdicts;
}

/** How long a clean run of `args` takes here, so kills can be spread over its whole length. */
async function calibrate(t: Tally, args: string[], root: string): Promise<number> {
  const r = await cli(args, root);
  if (!judgeExit(t, `calibration ${args.join(' ')}`, r)) problem(t, 'crashes', `calibration run failed: ${r.stderr.slice(0, 300)}`);
  return Math.max(r.ms, 200);
}

const CRASH_POINTS = ['planned', 'written', 'renamed'] as const;

async function killRuns(t: Tally, n: number, rng: () => number, log: (line: string) => void): Promise<void> {
  const root = project({ 'provenant.toml': '', 'scripts/write.py': WRITE, 'out/.keep': '' });
  try {
    const outs = ['out/a.txt', 'out/b.txt'];
    const args = (tag: string): string[] => ['run', ...outs.flatMap((o) => ['--out', o]), '--', 'python3', 'scripts/write.py', tag, ...outs];
    const expected = (argv: string[]): string => (argv[2] ?? '').repeat(50);
    const span = await calibrate(t, args('t0'), root);
    for (let i = 1; i <= n; i++) {
      t.trials += 1;
      t.killTrials += 1;
      // every fourth trial dies at a fixed step of stamping, so each step is hit for sure
      const point = i % 4 === 0 ? CRASH_POINTS[(i / 4) % 3] : undefined;
      const killed = await cli(args(`k${i}`), root, point ? { env: { PROVENANT_CRASH_AT: point } } : { killAfterMs: Math.floor(rng() * span * 1.1) });
      if (point) killed.killed = killed.signal === 'SIGKILL';
      judgeExit(t, `run (killed trial ${i})`, killed);
      readStamps(t, root, outs);
      if (killed.killed && midStamp(root, 'out')) t.killedMidStamp += 1;
      await verifyOutputs(t, root, outs, expected);
      ledgerGaps(t, root, outs);
      const again = await cli(args(`r${i}`), root);
      if (!judgeExit(t, `run after kill ${i}`, again)) {
        if (/in use by/.test(again.stderr)) problem(t, 'staleLocks', `run after kill ${i}: ${again.stderr.slice(0, 300)}`);
        else if (again.code === 2) problem(t, 'crashes', `run after kill ${i} refused: ${again.stderr.slice(0, 300)}`);
      }
      if (i % 50 === 0) log(`  kill run: ${i}/${n}`);
    }
    const verdicts = await verifyOutputs(t, root, outs, expected);
    for (const out of outs) if (verdicts.get(out) !== 'ok') problem(t, 'wrongVerdicts', `${out} is ${verdicts.get(out)} after a clean run`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function killPipelines(t: Tally, n: number, rng: () => number, log: (line: string) => void): Promise<void> {
  const root = project({ 'provenant.toml': '', 'stage.py': STAGE, 'provenant.pipeline.yaml': spec('t0'), 'out/.keep': '' });
  try {
    const outs = ['out/p1.txt', 'out/p2.txt'];
    const expected = (argv: string[]): string => (argv[2] ?? '').repeat(50);
    const span = await calibrate(t, ['pipeline', 'run'], root);
    for (let i = 1; i <= n; i++) {
      t.trials += 1;
      t.killTrials += 1;
      writeFileSync(path.join(root, 'provenant.pipeline.yaml'), spec(`k${i}`));
      const killed = await cli(['pipeline', 'run'], root, { killAfterMs: Math.floor(rng() * span * 1.1) });
      judgeExit(t, `pipeline run (killed trial ${i})`, killed);
      readStamps(t, root, outs);
      if (killed.killed && midStamp(root, 'out')) t.killedMidStamp += 1;
      const again = await cli(['pipeline', 'run'], root);
      if (!judgeExit(t, `pipeline run after kill ${i}`, again)) {
        if (/in use by/.test(again.stderr)) problem(t, 'staleLocks', `pipeline run after kill ${i}: ${again.stderr.slice(0, 300)}`);
        else problem(t, 'crashes', `pipeline run after kill ${i} failed (${again.code}): ${again.stderr.slice(0, 300)}`);
      }
      const verdicts = await verifyOutputs(t, root, outs, expected);
      for (const out of outs) {
        const content = existsSync(path.join(root, out)) ? readFileSync(path.join(root, out), 'utf8') : '';
        const want = (out.endsWith('p1.txt') ? `k${i}` : `k${i}-2`).repeat(50);
        if (verdicts.get(out) !== 'ok' || content !== want) problem(t, 'wrongVerdicts', `after pipeline run ${i}, ${out} is ${verdicts.get(out)} holding ${JSON.stringify(content.slice(0, 12))}`);
      }
      ledgerGaps(t, root, outs);
      if (i % 50 === 0) log(`  kill pipeline run: ${i}/${n}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

interface Annotations {
  files?: Record<string, { status?: string; bugs?: { summary: string }[] } | undefined>;
}

/** The annotations file, parsed; null (after counting it) when it is not whole. */
function annotations(t: Tally, root: string): Annotations | null {
  const file = path.join(root, 'provenant-registry.yaml');
  if (!existsSync(file)) return {};
  try {
    return (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Annotations;
  } catch (error) {
    problem(t, 'partialStamps', `provenant-registry.yaml is not whole: ${(error as Error).message}`);
    return null;
  }
}

function bugsOf(a: Annotations | null, file: string): Set<string> {
  return new Set((a?.files?.[file]?.bugs ?? []).map((b) => b.summary));
}

async function killEdits(t: Tally, n: number, rng: () => number, log: (line: string) => void): Promise<void> {
  const root = project({ 'provenant.toml': '', 'scripts/x.py': '"""X."""\n' });
  try {
    const add = (summary: string): string[] => ['registry', 'bug', 'add', 'scripts/x.py', '--summary', summary];
    const span = await calibrate(t, add('calibration'), root);
    const confirmed: string[] = ['calibration'];
    for (let i = 1; i <= n; i++) {
      t.trials += 1;
      t.killTrials += 1;
      const killed = await cli(add(`killed ${i}`), root, { killAfterMs: Math.floor(rng() * span * 1.1) });
      judgeExit(t, `bug add (killed trial ${i})`, killed);
      if (!killed.killed && killed.code === 0) confirmed.push(`killed ${i}`);
      annotations(t, root);
      const again = await cli(add(`confirmed ${i}`), root);
      if (judgeExit(t, `bug add after kill ${i}`, again)) confirmed.push(`confirmed ${i}`);
      else if (/in use by/.test(again.stderr)) problem(t, 'staleLocks', `bug add after kill ${i}: ${again.stderr.slice(0, 300)}`);
      if (i % 50 === 0) log(`  kill registry edit: ${i}/${n}`);
    }
    const present = bugsOf(annotations(t, root), 'scripts/x.py');
    for (const summary of confirmed) if (!present.has(summary)) problem(t, 'lostEdits', `bug "${summary}" printed success and is not in the file`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function concurrentRounds(t: Tally, n: number, log: (line: string) => void): Promise<void> {
  const root = project({ 'provenant.toml': '', 'scripts/x.py': '"""X."""\n', 'scripts/new.py': '"""New."""\n', 'scripts/slow.py': SLOW, 'stage.py': STAGE, 'provenant.pipeline.yaml': spec('t0'), 'out/.keep': '' });
  try {
    const confirmedBugs: string[] = [];
    const deprecated: string[] = [];
    for (let r = 1; r <= n; r++) {
      t.rounds += 1;
      t.trials += 1;
      const victims = [0, 1].map((i) => `scripts/d${r}_${i}.py`);
      for (const v of victims) writeFileSync(path.join(root, v), `"""Old ${v}."""\n`);
      writeFileSync(path.join(root, 'provenant.pipeline.yaml'), spec(`c${r}`));
      const jobs: { kind: 'bug' | 'deprecate' | 'run' | 'pipeline'; label: string; args: string[] }[] = [
        ...[0, 1, 2, 3].map((i) => ({ kind: 'bug' as const, label: `round ${r} bug ${i}`, args: ['registry', 'bug', 'add', 'scripts/x.py', '--summary', `round ${r} bug ${i}`] })),
        ...victims.map((v) => ({ kind: 'deprecate' as const, label: v, args: ['registry', 'deprecate', v, '--replaced-by', 'scripts/new.py', '--reason', `round ${r}`] })),
        ...[0, 1, 2].map((i) => ({ kind: 'run' as const, label: `c${r}x${i}`, args: ['run', '--out', 'out/shared.txt', '--', 'python3', 'scripts/slow.py', 'out/shared.txt', `c${r}x${i}`] })),
        ...[0, 1].map((i) => ({ kind: 'pipeline' as const, label: `pipeline ${i}`, args: ['pipeline', 'run'] })),
      ];
      const results = await Promise.all(jobs.map((job) => cli(job.args, root)));
      results.forEach((res, i) => {
        const job = jobs[i];
        if (!job) return;
        const ok = judgeExit(t, `${job.args.slice(0, 3).join(' ')} (round ${r})`, res);
        if (ok && job.kind === 'bug') confirmedBugs.push(job.label);
        if (ok && job.kind === 'deprecate') deprecated.push(job.label);
        if (!ok && res.code === 2 && (job.kind === 'bug' || job.kind === 'deprecate')) problem(t, 'lostEdits', `${job.label}: an edit was refused: ${res.stderr.slice(0, 200)}`);
        if (!ok && res.code === 2 && !/in use by/.test(res.stderr)) problem(t, 'crashes', `${job.args.join(' ')}: ${res.stderr.slice(0, 200)}`);
      });
      if (!results.some((res, i) => jobs[i]?.kind === 'run' && res.code === 0)) problem(t, 'staleLocks', `round ${r}: no run on out/shared.txt got through`);
      // the runs: whichever got through, the stamp describes the bytes
      await verifyOutputs(t, root, ['out/shared.txt'], (argv) => (argv.at(-1) ?? '').repeat(50));
      // the pipeline: a clean run afterwards is up to date or finishes, and its outputs are what this round's spec makes
      const after = await cli(['pipeline', 'run'], root);
      if (!judgeExit(t, `pipeline run after round ${r}`, after)) problem(t, 'staleLocks', `pipeline run after round ${r}: ${after.stderr.slice(0, 200)}`);
      const verdicts = await verifyOutputs(t, root, ['out/p1.txt', 'out/p2.txt'], (argv) => (argv[2] ?? '').repeat(50));
      if (verdicts.get('out/p2.txt') !== 'ok') problem(t, 'wrongVerdicts', `round ${r}: out/p2.txt is ${verdicts.get('out/p2.txt')} after a clean pipeline run`);
      ledgerGaps(t, root, ['out/shared.txt', 'out/p1.txt', 'out/p2.txt']);
      const a = annotations(t, root);
      const bugs = bugsOf(a, 'scripts/x.py');
      for (const label of confirmedBugs) if (!bugs.has(label)) problem(t, 'lostEdits', `bug "${label}" printed success and is not in the file`);
      for (const file of deprecated) if (a?.files?.[file]?.status !== 'deprecated') problem(t, 'lostEdits', `deprecation of ${file} printed success and is not in the file`);
      confirmedBugs.length = 0;
      deprecated.length = 0;
      if (r % 10 === 0) log(`  concurrent rounds: ${r}/${n}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export async function torture(options: TortureOptions): Promise<Tally> {
  const t = emptyTally();
  const rng = seeded(options.seed);
  const log = options.log ?? ((): void => undefined);
  if (options.killRuns) await killRuns(t, options.killRuns, rng, log);
  if (options.killPipelines) await killPipelines(t, options.killPipelines, rng, log);
  if (options.killEdits) await killEdits(t, options.killEdits, rng, log);
  if (options.rounds) await concurrentRounds(t, options.rounds, log);
  return t;
}
