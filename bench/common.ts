/**
 * Shared helpers for the benchmarks: corpus discovery, the python3 probe, small statistics.
 * Node built-ins only, so importing this costs the measured child processes nothing noticeable.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/**
 * Directories never walked. Only names that cannot be a stdlib package: the brief's stdlib corpus is
 * "every *.py except site-packages", and the stdlib itself has a `venv` package, so ruff's default
 * `venv`/`dist`/`build` excludes would silently drop real files here.
 */
export const EXCLUDED_DIRS: ReadonlySet<string> = new Set([
  'site-packages',
  '.git',
  '.hg',
  '.venv',
  'node_modules',
  '__pycache__',
  '.mypy_cache',
  '.ruff_cache',
  '.pytest_cache',
  '.tox',
]);

export interface CorpusFile {
  /** Absolute path. */
  abs: string;
  /** POSIX path relative to the corpus root. */
  rel: string;
  bytes: number;
}

/** Every `*.py` file under `root`, sorted by relative path, skipping `EXCLUDED_DIRS` and symlinks. */
export function listPythonFiles(root: string): CorpusFile[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new BenchError(`${root}: not a directory`);
  const out: CorpusFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!EXCLUDED_DIRS.has(entry.name)) walk(abs);
      } else if (entry.isFile() && entry.name.endsWith('.py')) {
        out.push({ abs, rel: path.relative(root, abs).split(path.sep).join('/'), bytes: statSync(abs).size });
      }
    }
  };
  walk(root);
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/**
 * The paths to hand a tool so that it sees the same tree as `listPythonFiles(root)`: the root
 * itself, or, when the root directly holds an excluded directory (the stdlib holds
 * `site-packages`, which is 6× the stdlib on a typical machine), the root's other entries.
 */
export function corpusArguments(root: string): string[] {
  const entries = readdirSync(root, { withFileTypes: true });
  if (!entries.some((e) => e.isDirectory() && EXCLUDED_DIRS.has(e.name))) return [root];
  return entries
    .filter((e) => (e.isDirectory() ? !EXCLUDED_DIRS.has(e.name) : e.isFile() && e.name.endsWith('.py')))
    .map((e) => path.join(root, e.name))
    .sort();
}

export class BenchError extends Error {
  override readonly name = 'BenchError';
}

/** Runs `python3 -c` and returns its stdout, or throws a BenchError that says what to install. */
export function runPython(python: string, code: string, input?: string): string {
  const result = spawnSync(python, ['-c', code], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
    // Paths and JSON cross the pipe as UTF-8 whatever the locale.
    env: { ...process.env, PYTHONUTF8: '1', PYTHONIOENCODING: 'utf-8' },
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new BenchError(
        `cannot run ${python}: not found on PATH. Install Python 3 or pass --python /path/to/python3.`,
      );
    }
    throw new BenchError(`cannot run ${python}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new BenchError(`${python} exited with ${result.status ?? result.signal}:\n${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** The CPython stdlib directory of `python`, checked to exist. */
export function stdlibPath(python: string): string {
  const dir = runPython(python, "import sysconfig; print(sysconfig.get_paths()['stdlib'])").trim();
  if (!dir || !existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new BenchError(`${python} reports the stdlib at "${dir}", which is not a directory.`);
  }
  return dir;
}

/** The repository root: compiled files live in dist/bench, sources in bench. */
export function repoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.resolve(here, '..');
  return path.basename(up) === 'dist' ? path.resolve(up, '..') : up;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? hi) + hi) / 2;
}

/** Parses `--name value` / `--name=value` / `--flag` options; anything else is positional. */
export function parseArgs(
  argv: readonly string[],
  valued: readonly string[],
  flags: readonly string[],
): { values: Map<string, string[]>; flags: Set<string>; positional: string[] } {
  const values = new Map<string, string[]>();
  const seen = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (flags.includes(name) && eq === -1) {
      seen.add(name);
    } else if (valued.includes(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new BenchError(`--${name} needs a value`);
      values.set(name, [...(values.get(name) ?? []), value]);
    } else {
      throw new BenchError(`unknown option ${arg}`);
    }
  }
  return { values, flags: seen, positional };
}

/** Decimal megabytes, as in the parser bake-off (31.5 MB stdlib = 31,525,224 bytes). */
export const MB = 1e6;

/** Idle and total jiffies summed over all CPUs, from /proc/stat (Linux); null elsewhere. */
function cpuTimes(): { idle: number; total: number } | null {
  if (!existsSync('/proc/stat')) return null;
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { idle, total: fields.reduce((a, b) => a + b, 0) };
}

/**
 * Waits until the machine is at least `threshold` idle in two consecutive one-second samples, or
 * until `maxSeconds` pass. Returns the seconds waited, or null when it gave up (or cannot tell).
 * For shared machines: another process's burst lands in one measurement, not in the median.
 */
export async function waitForIdle(threshold = 0.9, maxSeconds = 120): Promise<number | null> {
  let previous = cpuTimes();
  if (!previous) return null;
  let calm = 0;
  for (let waited = 1; waited <= maxSeconds; waited++) {
    await sleep(1000);
    const now = cpuTimes();
    if (!now) return null;
    const total = now.total - previous.total;
    const idle = total > 0 ? (now.idle - previous.idle) / total : 1;
    previous = now;
    calm = idle >= threshold ? calm + 1 : 0;
    if (calm >= 2) return waited;
  }
  return null;
}

/** Runs a bench's main: its number becomes the exit code; a BenchError is one line and exit 2. */
export function runBench(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof BenchError) {
        console.error(`bench: ${error.message}`);
        process.exitCode = 2;
      } else {
        throw error;
      }
    },
  );
}

/** Wall milliseconds of a command run to completion (output discarded); an exit code not in `ok` is an error. */
export function timedCommand(command: string, args: string[], cwd: string, ok: readonly number[] = [0]): number {
  const start = performance.now();
  const r = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - start;
  if (!ok.includes(r.status ?? -1)) throw new BenchError(`${command} ${args.slice(0, 4).join(' ')}…: exit ${r.status}: ${r.stderr.slice(0, 400)}`);
  return ms;
}

/** Runs `command args` under /usr/bin/time -v; wall ms from spawn to exit and the peak RSS it reports. */
export function timedRun(command: string, args: string[], cwd: string, ok: readonly number[], env: NodeJS.ProcessEnv = {}): { ms: number; rssMB: number; cpuMs: number; stdout: string; stderr: string } {
  const start = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', command, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1', ...env } });
  const ms = performance.now() - start;
  if (r.error) throw new BenchError(`cannot run /usr/bin/time: ${r.error.message}`);
  if (!ok.includes(r.status ?? -1)) throw new BenchError(`${path.basename(command)} ${args.slice(0, 5).join(' ')}… in ${cwd}: exit ${r.status ?? r.signal}\n${r.stderr.slice(-1500)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  // user + system CPU time: steadier than the wall time on a shared machine
  const cpu = (name: string): number => Number(new RegExp(`${name} time \\(seconds\\): ([\\d.]+)`).exec(r.stderr)?.[1] ?? Number.NaN) * 1000;
  return { ms, rssMB: rss ? Math.round((Number(rss[1]) * 1024) / MB) : Number.NaN, cpuMs: cpu('User') + cpu('System'), stdout: r.stdout, stderr: r.stderr };
}

/** git in a bench's own repository, with a fixed identity. */
export function benchGit(args: string[], cwd: string): string {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@x.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@x.invalid' };
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new BenchError(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** mulberry32: a small seeded generator, so a corpus is the same on every machine and a failing trial can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
