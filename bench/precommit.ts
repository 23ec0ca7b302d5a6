/**
 * Pre-commit latency: how long `provenant audit --staged` takes, as a whole process, when one Python file
 * is staged in a repository of 5,000 Python files and provenant's cache is warm.
 *
 *   npm run build && node dist/bench/precommit.js
 *   node dist/bench/precommit.js --runs 50 --files 20000 --json
 *   node dist/bench/precommit.js --keep            # leave the generated repository for a look
 *
 * The repository is generated (a fixed seed, so every run builds the same files): research-style modules,
 * configs, CLIs, and a few dozen scripts that load models with transformers or launch commands with
 * subprocess, so the prefilter has something to pick. After one full `provenant audit` and one
 * `audit --staged` (the warm-up), each measured run stages a fresh edit of one training script (not timed)
 * and then times a new `node bin/provenant.js audit --staged` process from spawn to exit (its compile cache,
 * written by the warm-up, lives in the bench's temporary folder). `node -e 0` is
 * timed the same way for reference: the part of every figure that is Node starting and stopping.
 * Figures are printed, never asserted; the exit code is 0 unless something failed to run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  parseArgs,
  BenchError,
  MB,
  median,
  repoRoot,
  runBench,
  seeded,
  waitForIdle,
} from './common.js';
import { generateRepo, git, STAGED, transformersScript } from './lab-repo.js';

const USAGE = `usage: node dist/bench/precommit.js [--runs N] [--files N] [--registry] [--named] [--keep] [--wait-idle] [--json]

  --runs N      measured runs of provenant audit --staged (default 20), and as many of node -e 0
  --files N     Python files in the generated repository (default 5000)
  --registry    the repository keeps a registry (IMPLEMENTATION_REGISTRY.md), so DUP001 compares every
                audited function with the whole project's
  --named       time \`provenant audit FILE\` (the staged file named, as the pre-commit framework's hook
                passes it) instead of \`provenant audit --staged\`
  --keep        keep the generated repository and print its path
  --wait-idle   before each measured run, wait for a 90 % idle CPU (Linux, for shared machines)
  --json        print the figures as JSON`;

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

interface Run {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

function timed(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const start = performance.now();
  const child = spawnSync(process.execPath, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = performance.now() - start;
  if (child.error) throw new BenchError(`cannot start node: ${child.error.message}`);
  return { ms, status: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** Exit 0 (clean) and 1 (findings) are audits that ran; anything else is reported and stops the bench. */
function checkAudit(run: Run, what: string): void {
  if (run.status === 0 || run.status === 1) return;
  const why = run.status === null ? 'was killed' : `exited with ${run.status}`;
  throw new BenchError(`${what} ${why}:\n${(run.stderr || run.stdout).trim()}`);
}

/** True when the CLI rejected `--staged` itself (it is not built into this provenant yet). */
function stagedRejected(run: Run): boolean {
  return run.status === 2 && /--staged/.test(run.stderr) && /unknown|unexpected|not recogni[sz]ed|invalid/i.test(run.stderr);
}

const ms = (value: number): number => Math.round(value * 10) / 10;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['runs', 'files'], ['keep', 'wait-idle', 'json', 'help', 'registry', 'named']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  if (args.positional.length > 0) throw new BenchError(`unexpected argument ${args.positional[0]}\n${USAGE}`);
  const runs = Number(args.values.get('runs')?.at(-1) ?? '20');
  const fileCount = Number(args.values.get('files')?.at(-1) ?? '5000');
  if (!Number.isInteger(runs) || runs < 1) throw new BenchError('--runs needs a positive integer');
  if (!Number.isInteger(fileCount) || fileCount < 200) throw new BenchError('--files needs an integer of at least 200');
  const waitIdle = args.flags.has('wait-idle');
  if (waitIdle && !existsSync('/proc/stat')) throw new BenchError('--wait-idle needs /proc/stat (Linux)');

  const bin = path.join(repoRoot(), 'bin', 'provenant.js');
  if (!existsSync(path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js'))) {
    throw new BenchError('dist/src/cli/main.js is missing: run `npm run build` first');
  }

  const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-precommit-')));
  try {
    process.stderr.write(`generating ${fileCount.toLocaleString('en-US')} Python files in ${base}/repo …\n`);
    const t0 = performance.now();
    const repo = generateRepo(base, fileCount, args.flags.has('registry'));
    const command = args.flags.has('named') ? ['audit', STAGED] : ['audit', '--staged'];
    const generateS = (performance.now() - t0) / 1000;
    const home = path.join(base, 'home');
    const staged = path.join(repo.root, STAGED);
    const stageEdit = (variant: number): void => {
      // The same script each time (same model, same findings), with a new learning rate: new bytes to audit.
      writeFileSync(staged, transformersScript(seeded(3), 3, variant));
      git(['add', '--', STAGED], repo.root, home);
    };

    // Warm-up: a full audit fills the cache for every file and, starting with none, provenant's compile
    // cache (kept in the bench's folder), then one --staged run as a hook would.
    process.stderr.write('warm-up: provenant audit, then provenant audit --staged …\n');
    const env = { PROVENANT_COMPILE_CACHE: path.join(base, 'v8cache') };
    const full = timed([bin, 'audit'], repo.root, env);
    checkAudit(full, 'provenant audit (warm-up)');
    stageEdit(0);
    const first = timed([bin, ...command], repo.root, env);
    if (stagedRejected(first)) {
      console.log(
        'provenant audit --staged: this build of provenant rejects --staged, so there is nothing to measure yet.\n' +
          `It said: ${first.stderr.trim().split('\n')[0] ?? ''}\n` +
          `For reference, a full provenant audit of the generated repository took ${(full.ms / 1000).toFixed(2)} s.`,
      );
      return 0;
    }
    checkAudit(first, 'provenant audit --staged (warm-up)');

    // Each measured run is followed by one with the compile cache off, on a fresh edit too, so that
    // background load hits both alike: what the cache is worth, measured in the same run.
    const auditMs: number[] = [];
    const uncachedMs: number[] = [];
    const statuses = new Map<number, number>();
    let lastStdout = '';
    for (let i = 1; i <= runs; i++) {
      stageEdit(2 * i - 1);
      if (waitIdle) await waitForIdle();
      const run = timed([bin, ...command], repo.root, env);
      checkAudit(run, `provenant audit --staged (run ${i})`);
      auditMs.push(run.ms);
      statuses.set(run.status ?? -1, (statuses.get(run.status ?? -1) ?? 0) + 1);
      lastStdout = run.stdout;
      stageEdit(2 * i);
      if (waitIdle) await waitForIdle();
      const uncached = timed([bin, ...command], repo.root, { PROVENANT_COMPILE_CACHE: 'off' });
      checkAudit(uncached, `provenant audit --staged without the compile cache (run ${i})`);
      uncachedMs.push(uncached.ms);
      process.stderr.write(`  run ${i}/${runs}: ${run.ms.toFixed(0)} ms (exit ${run.status}); compile cache off: ${uncached.ms.toFixed(0)} ms\n`);
    }
    const nodeMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      if (waitIdle) await waitForIdle();
      nodeMs.push(timed(['-e', '0'], repo.root).ms);
    }

    const result = {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      repo: {
        files: repo.files,
        MB: Math.round((repo.bytes / MB) * 10) / 10,
        transformersFiles: repo.transformersFiles,
        launcherFiles: repo.launcherFiles,
        generateS: Math.round(generateS * 10) / 10,
      },
      staged: STAGED,
      command: `provenant ${command.join(' ')}`,
      registry: args.flags.has('registry'),
      runs,
      auditStaged: { medianMs: ms(median(auditMs)), maxMs: ms(Math.max(...auditMs)), minMs: ms(Math.min(...auditMs)), exitCodes: Object.fromEntries(statuses) },
      compileCacheOff: { medianMs: ms(median(uncachedMs)), maxMs: ms(Math.max(...uncachedMs)) },
      nodeE0: { medianMs: ms(median(nodeMs)), maxMs: ms(Math.max(...nodeMs)) },
      warmup: { fullAuditMs: ms(full.ms), firstStagedMs: ms(first.ms) },
      lastSummary: lastStdout.trim().split('\n').at(-1) ?? '',
      kept: args.flags.has('keep') ? repo.root : null,
    };
    if (args.flags.has('json')) {
      console.log(JSON.stringify(result, null, 2));
      return 0;
    }
    const exits = [...statuses].map(([code, n]) => `exit ${code} ×${n}`).join(', ');
    console.log(
      [
        `provenant ${command.join(' ')}, one staged file (${STAGED}) in a repository of ${repo.files.toLocaleString('en-US')} Python files (${result.repo.MB} MB)${args.flags.has('registry') ? ' with a registry' : ''}, warm cache`,
        `  ${runs} runs: median ${result.auditStaged.medianMs.toFixed(0)} ms, max ${result.auditStaged.maxMs.toFixed(0)} ms, min ${result.auditStaged.minMs.toFixed(0)} ms (${exits})`,
        `  the same with PROVENANT_COMPILE_CACHE=off (alternating): median ${result.compileCacheOff.medianMs.toFixed(0)} ms, max ${result.compileCacheOff.maxMs.toFixed(0)} ms (cached ÷ off: ${(result.auditStaged.medianMs / result.compileCacheOff.medianMs).toFixed(2)})`,
        `  node -e 0, for reference: median ${result.nodeE0.medianMs.toFixed(0)} ms, max ${result.nodeE0.maxMs.toFixed(0)} ms`,
        `  warm-up: full audit ${(full.ms / 1000).toFixed(2)} s (no compile cache yet), first --staged ${first.ms.toFixed(0)} ms`,
        `  last run said: ${result.lastSummary}`,
        `Wall time of fresh processes from spawn to exit (${process.version}, ${result.platform}, ${result.cpus} CPUs); every run stages a new edit first (not timed).`,
        ...(result.kept ? [`kept: ${result.kept}`] : []),
      ].join('\n'),
    );
    return 0;
  } finally {
    if (!args.flags.has('keep')) rmSync(base, { recursive: true, force: true });
  }
}

runBench(main);
