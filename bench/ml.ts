/**
 * The audit on ML code, where the prefilter cannot help: a generated ML repository at several sizes and the
 * real-world corpus (bench/corpus/trees), each beside ruff-wasm and `grep -rl` in the same run.
 *
 *   npm run bench:ml                                   # build, then: node dist/bench/ml.js
 *   node dist/bench/ml.js --sizes 1k,20k --runs 3
 *   node dist/bench/ml.js --sizes 20k --no-corpus --registry
 *   node dist/bench/ml.js --generate /tmp/ml20k --files 20000   # write the repository only
 *
 * Each measurement is a fresh process run under `/usr/bin/time -v` (wall time from spawn to exit, peak RSS
 * from its report): `provenant audit` as a user runs it (bin/provenant.js), cold (`--no-cache`), cold
 * without DUP001 (`--ignore DUP001`) and warm (the cache filled by an untimed first run); ruff-wasm through
 * bench/audit.ts's child (ruff's CLI default rules); `grep -rlE 'transformers|vllm|trl'` over the same tree.
 * Runs alternate between the tools so background load hits all; the tables show medians. Times are reported,
 * never asserted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchError, benchGit, listPythonFiles, MB, median, parseArgs, repoRoot, runBench, timedRun, waitForIdle } from './common.js';
import { generateMlRepo } from './ml-repo.js';
import { RACY_MS } from '../src/audit/run-memo.js';

const USAGE = `usage: node dist/bench/ml.js [--sizes 1k,5k,20k,50k] [--runs N] [--no-corpus] [--no-generated]
                             [--only-corpus NAME]... [--registry] [--dup] [--workers 0,1,2] [--base-bin FILE]
                             [--only KINDS] [--wait-idle] [--json]
       node dist/bench/ml.js --generate DIR --files N [--seed S]

  --sizes       generated repository sizes, in files (k = 1,000); default 1k,5k,20k,50k
  --runs        measured runs of each tool per workload (default 3; the tables show medians)
  --no-corpus   skip the real-world corpus (bench/corpus/trees, 12 repositories)
  --no-generated  skip the generated repositories
  --workers 0,1,2  also a cold audit with each number of parse workers (PROVENANT_PARSE_WORKERS)
  --base-bin F  also a cold audit by another build's bin/provenant.js (before/after in the same run)
  --only KINDS  measure only these of ruff,cold,nodup,warm,grep,parse (parse: the tree-sitter parse and node
                table alone of the files a cold run parses, on as many threads as its workers: the floor under
                any extraction)
  --registry    also time \`provenant registry sync\` cold and warm (the repository is committed to git first)
  --dup         run DUP001 in its preview form over the whole project (\`--select ALL,DUP001\`), so the
                DUP001 column is the cost of comparing every function (off by default: without a registry
                DUP001 compares nothing)
  --wait-idle   wait for a 90 % idle CPU before each measurement (Linux, shared machines)
  --json        figures as JSON on stdout`;

const BIN = path.join(repoRoot(), 'bin', 'provenant.js');
const AUDIT_BENCH = path.join(repoRoot(), 'dist', 'bench', 'audit.js');
const PARSE_FLOOR = path.join(repoRoot(), 'dist', 'bench', 'parse-floor.js');
const GREP_PATTERN = 'transformers|vllm|trl';

/** What one measurement runs; `workers-N` is a cold audit with N parse workers, `base-cold` one of `--base-bin`. */
type Kind = 'ruff' | 'cold' | 'nodup' | 'warm' | 'grep' | 'parse' | 'sync-cold' | 'sync-warm' | 'base-cold' | `workers-${number}`;
const BASE_KINDS: readonly Kind[] = ['ruff', 'cold', 'nodup', 'warm', 'grep'];
let baseBin: string | null = null;

interface Sample {
  ms: number;
  rssMB: number;
  /** Findings by code (provenant audits only). */
  codes?: Record<string, number>;
  analysed?: number;
  parsed?: number;
}

interface AuditJson {
  findings?: { code: string }[];
  stats?: { filesAnalysed?: number; filesParsed?: number };
}

function provenantAudit(dir: string, extra: string[], bin = BIN, env: NodeJS.ProcessEnv = {}): Sample {
  const run = timedRun(process.execPath, [bin, 'audit', '--isolated', '--exit-zero', '--format', 'json', ...extra, '.'], dir, [0], env);
  let parsed: AuditJson = {};
  try {
    parsed = JSON.parse(run.stdout) as AuditJson;
  } catch {
    throw new BenchError(`provenant audit in ${dir} printed no JSON report:\n${run.stdout.slice(0, 400)}${run.stderr.slice(-800)}`);
  }
  const codes: Record<string, number> = {};
  for (const f of parsed.findings ?? []) codes[f.code] = (codes[f.code] ?? 0) + 1;
  return { ms: run.ms, rssMB: run.rssMB, codes, analysed: parsed.stats?.filesAnalysed, parsed: parsed.stats?.filesParsed };
}

/** `--dup`: DUP001 in its preview form over the whole project (selected by name), so its cost shows. */
let selectDup: string[] = [];

function measure(kind: Kind, dir: string): Sample {
  if (kind.startsWith('workers-')) return provenantAudit(dir, ['--no-cache'], BIN, { PROVENANT_PARSE_WORKERS: kind.slice('workers-'.length) });
  switch (kind) {
    case 'base-cold':
      return provenantAudit(dir, ['--no-cache'], baseBin ?? BIN);
    case 'ruff': {
      const r = timedRun(process.execPath, [AUDIT_BENCH, '--child', 'ruff', dir], dir, [0]);
      return { ms: r.ms, rssMB: r.rssMB };
    }
    case 'parse': {
      // the tree-sitter parse and node table alone of the files the cold run parses, on as many threads as its workers
      const r = timedRun(process.execPath, [PARSE_FLOOR, dir], dir, [0]);
      const floor = JSON.parse(r.stdout) as { files: number };
      return { ms: r.ms, rssMB: r.rssMB, parsed: floor.files };
    }
    case 'grep': {
      const r = timedRun('grep', ['-rlE', GREP_PATTERN, '--include=*.py', '--include=*.sh', '.'], dir, [0, 1]);
      return { ms: r.ms, rssMB: r.rssMB };
    }
    case 'cold':
      return provenantAudit(dir, ['--no-cache', ...selectDup]);
    case 'nodup':
      return provenantAudit(dir, ['--no-cache', ...selectDup, '--ignore', 'DUP001']);
    case 'warm':
      return provenantAudit(dir, selectDup);
    case 'sync-cold':
      // the registry's index and the facts it would reuse live in the one store with the audit's cache:
      // a cold sync starts without any of it
      rmSync(path.join(dir, '.provenant'), { recursive: true, force: true });
      rmSync(path.join(dir, 'registry'), { recursive: true, force: true });
      return registrySync(dir);
    case 'sync-warm': {
      const sample = registrySync(dir);
      // the audit's cache went with the cold sync's store: filled again (untimed) for the next warm audit
      provenantAudit(dir, selectDup);
      return sample;
    }
    default:
      throw new BenchError(`unknown measurement ${kind}`);
  }
}

function registrySync(dir: string): Sample {
  const r = timedRun(process.execPath, [BIN, 'registry', 'sync'], dir, [0, 1]);
  return { ms: r.ms, rssMB: r.rssMB };
}

interface Workload {
  name: string;
  dir: string;
  files: number;
  bytes: number;
  samples: Partial<Record<Kind, Sample[]>>;
  fillS: number;
}

async function benchWorkload(name: string, dir: string, runs: number, kinds: readonly Kind[], waitIdle: boolean): Promise<Workload> {
  const py = listPythonFiles(dir);
  const w: Workload = { name, dir, files: py.length, bytes: py.reduce((s, f) => s + f.bytes, 0), samples: {}, fillS: 0 };
  rmSync(path.join(dir, '.provenant'), { recursive: true, force: true });
  if (kinds.includes('warm')) {
    // the tree was just written: the run memo trusts no mtime that new, and a tree a team audits again is older
    await new Promise((resolve) => setTimeout(resolve, RACY_MS + 100));
    w.fillS = provenantAudit(dir, selectDup).ms / 1000;
  }
  for (let run = 1; run <= runs; run++) {
    const line: string[] = [];
    for (const kind of kinds) {
      if (waitIdle) await waitForIdle();
      const s = measure(kind, dir);
      (w.samples[kind] ??= []).push(s);
      line.push(`${kind} ${(s.ms / 1000).toFixed(2)} s`);
    }
    process.stderr.write(`${name} run ${run}/${runs}: ${line.join(', ')}\n`);
  }
  return w;
}

const med = (w: Workload, kind: Kind): number => median((w.samples[kind] ?? []).map((s) => s.ms)) / 1000;
const medRss = (w: Workload, kind: Kind): number => median((w.samples[kind] ?? []).map((s) => s.rssMB));
const last = (w: Workload, kind: Kind): Sample | undefined => w.samples[kind]?.at(-1);

function row(w: Workload): Record<string, string> {
  const f = (s: number): string => (Number.isNaN(s) ? '–' : s.toFixed(2));
  const x = (a: number, b: number): string => (Number.isNaN(a) || Number.isNaN(b) || b === 0 ? '–' : `${(a / b).toFixed(2)}×`);
  const cold = last(w, 'cold');
  const nodup = last(w, 'nodup');
  const dup = cold?.codes?.DUP001 ?? 0;
  return {
    workload: w.name,
    files: String(w.files),
    MB: (w.bytes / MB).toFixed(1),
    analysed: String(cold?.analysed ?? '–'),
    'ruff s': f(med(w, 'ruff')),
    'cold s': f(med(w, 'cold')),
    'cold/ruff': x(med(w, 'cold'), med(w, 'ruff')),
    'no-DUP001 s': f(med(w, 'nodup')),
    'DUP001 s': f(med(w, 'cold') - med(w, 'nodup')),
    ...(w.samples.parse ? { 'parse floor s': `${f(med(w, 'parse'))} (${x(med(w, 'parse'), med(w, 'ruff'))}; ${last(w, 'parse')?.parsed ?? '–'} files)` } : {}),
    'warm s': f(med(w, 'warm')),
    'grep s': f(med(w, 'grep')),
    'warm/grep': x(med(w, 'warm'), med(w, 'grep')),
    'RSS MB cold/nodup/warm/ruff': [medRss(w, 'cold'), medRss(w, 'nodup'), medRss(w, 'warm'), medRss(w, 'ruff')].map((v) => (Number.isNaN(v) ? '–' : String(v))).join('/'),
    findings: cold?.codes ? `${Object.values(cold.codes).reduce((a, b) => a + b, 0)} (DUP001 ${dup}${nodup?.codes ? `; w/o ${Object.values(nodup.codes).reduce((a, b) => a + b, 0)}` : ''})` : '–',
    ...Object.fromEntries(
      Object.keys(w.samples)
        .filter((k) => k === 'base-cold' || k.startsWith('workers-'))
        .map((k) => [`${k} s (/ruff, RSS)`, `${f(med(w, k as Kind))} (${x(med(w, k as Kind), med(w, 'ruff'))}, ${medRss(w, k as Kind)})`]),
    ),
    ...(w.samples['sync-cold'] ? { 'sync cold/warm s': `${f(med(w, 'sync-cold'))}/${f(med(w, 'sync-warm'))}`, 'sync RSS MB': String(medRss(w, 'sync-cold')) } : {}),
  };
}

function table(rows: Record<string, string>[]): string {
  const header = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => header.map((h) => r[h] ?? '–'));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const fmt = (c: readonly string[]): string => c.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ');
  return [fmt(header), fmt(widths.map((n) => '-'.repeat(n))), ...cells.map(fmt)].join('\n');
}

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(k?)$/i.exec(s.trim());
  if (!m) throw new BenchError(`--sizes: "${s}" is not a file count such as 5000 or 5k`);
  return Math.round(Number(m[1]) * (m[2] ? 1000 : 1));
}

/** Copies a corpus tree without its .git, so the warm runs' cache lands in the copy. */
function copyTree(src: string, dest: string): void {
  const r = spawnSync('sh', ['-c', 'tar -C "$1" --exclude=.git -cf - . | tar -C "$2" -xf -', 'sh', src, dest], { encoding: 'utf8' });
  if (r.status !== 0) throw new BenchError(`cannot copy ${src}: ${r.stderr}`);
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['sizes', 'runs', 'generate', 'files', 'seed', 'only-corpus', 'workers', 'base-bin', 'only'], ['no-corpus', 'no-generated', 'registry', 'dup', 'wait-idle', 'json', 'help']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const generate = args.values.get('generate')?.at(-1);
  if (generate !== undefined) {
    const files = parseSize(args.values.get('files')?.at(-1) ?? '20000');
    const seed = Number(args.values.get('seed')?.at(-1) ?? '20261207');
    const repo = generateMlRepo(path.resolve(generate), files, seed);
    console.log(JSON.stringify(repo));
    return 0;
  }
  if (!existsSync('/usr/bin/time')) throw new BenchError('needs /usr/bin/time (GNU time) for peak RSS: apt-get install time');
  if (!existsSync(AUDIT_BENCH)) throw new BenchError(`${AUDIT_BENCH} is missing: npm run build`);
  const runs = Number(args.values.get('runs')?.at(-1) ?? '3');
  if (!Number.isInteger(runs) || runs < 1) throw new BenchError('--runs needs a positive integer');
  const sizes = (args.values.get('sizes')?.at(-1) ?? '1k,5k,20k,50k').split(',').map(parseSize);
  const registry = args.flags.has('registry');
  if (args.flags.has('dup')) selectDup = ['--select', 'ALL,DUP001'];
  baseBin = args.values.get('base-bin')?.at(-1) ?? null;
  if (baseBin !== null && !existsSync(baseBin)) throw new BenchError(`--base-bin ${baseBin}: no such file`);
  const only = args.values.get('only')?.at(-1)?.split(',') as Kind[] | undefined;
  const workers = (args.values.get('workers')?.at(-1)?.split(',') ?? []).map((n) => {
    if (!/^\d+$/.test(n)) throw new BenchError(`--workers: "${n}" is not a count`);
    return `workers-${n}` as Kind;
  });
  const kinds: Kind[] = [
    ...(only ?? BASE_KINDS),
    ...(baseBin ? (['base-cold'] as const) : []),
    ...workers,
    ...(registry ? (['sync-cold', 'sync-warm'] as const) : []),
  ];
  const waitIdle = args.flags.has('wait-idle');
  const base = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-ml-'));
  const generated: Workload[] = [];
  const corpus: Workload[] = [];
  try {
    if (!args.flags.has('no-generated')) {
      for (const n of sizes) {
        const dir = path.join(base, `ml-${n}`);
        const t = performance.now();
        const repo = generateMlRepo(dir, n);
        if (registry) {
          benchGit(['init', '-q', '-b', 'main'], dir);
          benchGit(['add', '-A'], dir);
          benchGit(['commit', '-q', '--no-verify', '-m', 'corpus'], dir);
        }
        process.stderr.write(`generated ${n} files (${(repo.bytes / MB).toFixed(1)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
        generated.push(await benchWorkload(`ml-${n >= 1000 ? `${n / 1000}k` : n}`, dir, runs, kinds, waitIdle));
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const trees = path.join(repoRoot(), 'bench', 'corpus', 'trees');
    const only = args.values.get('only-corpus');
    if (!args.flags.has('no-corpus') && existsSync(trees)) {
      for (const name of readdirSync(trees).sort()) {
        if (only && !only.includes(name)) continue;
        const src = path.join(trees, name);
        if (!statSync(src).isDirectory()) continue;
        const dir = path.join(base, `corpus-${name}`);
        mkdirSync(dir, { recursive: true });
        copyTree(src, dir);
        corpus.push(await benchWorkload(name, dir, runs, kinds.filter((k) => !k.startsWith('sync')), waitIdle));
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  const all = [...generated, ...corpus];
  if (args.flags.has('json')) {
    console.log(JSON.stringify({ node: process.version, cpus: os.availableParallelism(), runs, workloads: all.map((w) => ({ ...row(w), samples: w.samples, fillS: w.fillS })) }, null, 2));
    return 0;
  }
  if (generated.length) console.log(`Generated ML repository (median of ${runs}):\n${table(generated.map(row))}\n`);
  if (corpus.length) {
    const total: Workload = { name: 'corpus total', dir: '', files: 0, bytes: 0, samples: {}, fillS: 0 };
    for (const w of corpus) {
      total.files += w.files;
      total.bytes += w.bytes;
    }
    // the corpus total adds the per-repository medians, kind by kind
    for (const kind of kinds) total.samples[kind] = [{ ms: corpus.reduce((s, w) => s + med(w, kind) * 1000, 0), rssMB: Math.max(...corpus.map((w) => medRss(w, kind))) }];
    total.samples.cold = [{ ...(total.samples.cold?.[0] ?? { ms: 0, rssMB: 0 }), codes: mergeCodes(corpus.map((w) => last(w, 'cold')?.codes ?? {})), analysed: corpus.reduce((s, w) => s + (last(w, 'cold')?.analysed ?? 0), 0) }];
    total.samples.nodup = [{ ...(total.samples.nodup?.[0] ?? { ms: 0, rssMB: 0 }), codes: mergeCodes(corpus.map((w) => last(w, 'nodup')?.codes ?? {})) }];
    console.log(`Real-world corpus (median of ${runs}; the total adds medians, RSS is the largest):\n${table([...corpus, total].map(row))}\n`);
  }
  console.log(
    `Wall seconds from spawn to exit, ${process.version}, ${os.availableParallelism()} CPUs. cold = provenant audit --no-cache; ` +
      `no-DUP001 = the same with --ignore DUP001 (DUP001 s is the difference); warm = provenant audit with the cache an untimed first run filled; ` +
      `ruff = ruff-wasm, CLI default rules (E4, E7, E9, F); grep = grep -rlE '${GREP_PATTERN}'. Peak RSS from /usr/bin/time -v.`,
  );
  return 0;
}

function mergeCodes(list: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const codes of list) for (const [c, n] of Object.entries(codes)) out[c] = (out[c] ?? 0) + n;
  return out;
}

runBench(main);
