/**
 * Cold-run speed of `provenant audit` (the library's `audit()`) against ruff (wasm build, same files, same run),
 * and provenant's warm run: the same audit again with its facts cache (`.provenant/`) filled.
 *
 *   npm run bench                         # build, then: node dist/bench/audit.js
 *   node dist/bench/audit.js --runs 5 --json
 *   node dist/bench/audit.js --corpus ~/src/trl --only ruff
 *
 * Every measurement is a fresh child process of this same file (`--child ruff|provenant DIR`), timed by
 * the parent from spawn to exit, so module import, wasm compilation and exit are included as a user
 * sees them. Runs alternate ruff, provenant, provenant warm, ruff, … so background load hits all; the
 * table shows medians. Times are reported, never asserted: exit 0 unless a tool failed to run.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  parseArgs,
  BenchError,
  corpusArguments,
  listPythonFiles,
  MB,
  median,
  repoRoot,
  runBench,
  stdlibPath,
  waitForIdle,
} from './common.js';

const THIS_FILE = fileURLToPath(import.meta.url);
/** The child's report is the last stdout line starting with this, so stray output cannot confuse it. */
const REPORT_PREFIX = '@@bench-report ';
/** Ruff's CLI default rule set; the wasm `Workspace` has other defaults (bake-off pitfall 13). */
const RUFF_SETTINGS = { lint: { select: ['E4', 'E7', 'E9', 'F'] } };

type Tool = 'ruff' | 'provenant';
const TOOLS: readonly Tool[] = ['ruff', 'provenant'];
/** What a child measures: provenant cold (`noCache`) or warm (its cache on, filled by an earlier run). */
type ChildKind = Tool | 'provenant-warm';

interface RuffReport {
  tool: 'ruff';
  /** Import (which compiles the 10 MB wasm synchronously) plus `new Workspace`. */
  initMs: number;
  /** Discover, read and check every file. */
  checkMs: number;
  files: number;
  bytes: number;
  diagnostics: number;
  /** Files whose `check` threw; reported, not hidden. */
  failures: number;
  firstFailure: string | null;
  maxRssKiB: number;
}

interface ProvenantReport {
  tool: 'provenant';
  /** False for the cold run (`noCache`), true for the warm one. */
  cache: boolean;
  /** `import('../src/index.js')`. */
  importMs: number;
  /** `audit(...)`, including the tree-sitter wasm load. */
  auditMs: number;
  filesDiscovered: number;
  filesAnalysed: number;
  filesSkipped: number;
  bytesDiscovered: number;
  /** Files the parser ran on; the rest of the analysed files came from the cache. */
  filesParsed: number;
  findings: number;
  findingsByCode: Record<string, number>;
  /** The audit's own warnings (a cache that had to be rebuilt, …). */
  warnings: string[];
  maxRssKiB: number;
}

type ChildReport = RuffReport | ProvenantReport;

// ---------------------------------------------------------------------------------------------
// Children
// ---------------------------------------------------------------------------------------------

async function ruffChild(corpus: string): Promise<RuffReport> {
  const t0 = performance.now();
  const ruff = await import('@astral-sh/ruff-wasm-nodejs');
  const workspace = new ruff.Workspace(RUFF_SETTINGS, ruff.PositionEncoding.Utf16);
  const t1 = performance.now();
  let bytes = 0;
  let diagnostics = 0;
  let failures = 0;
  let firstFailure: string | null = null;
  const files = listPythonFiles(corpus);
  for (const file of files) {
    const source = readFileSync(file.abs, 'utf8');
    bytes += file.bytes;
    try {
      const result: unknown = workspace.check(source);
      diagnostics += Array.isArray(result) ? result.length : 0;
    } catch (error) {
      // Counted and printed by the parent: one bad file must not abort a timing run.
      failures++;
      firstFailure ??= `${file.rel}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const t2 = performance.now();
  workspace.free();
  return {
    tool: 'ruff',
    initMs: t1 - t0,
    checkMs: t2 - t1,
    files: files.length,
    bytes,
    diagnostics,
    failures,
    firstFailure,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
}

async function provenantChild(corpus: string, cache: boolean): Promise<ProvenantReport> {
  const t0 = performance.now();
  const { audit } = await import('../src/index.js');
  const t1 = performance.now();
  // a cold run must never be served from the cache, nor disturb the one the warm runs use
  const result = await audit({ paths: corpusArguments(corpus), cwd: corpus, isolated: true, noCache: !cache });
  const t2 = performance.now();
  const findingsByCode: Record<string, number> = {};
  for (const finding of result.findings) findingsByCode[finding.code] = (findingsByCode[finding.code] ?? 0) + 1;
  return {
    tool: 'provenant',
    cache,
    importMs: t1 - t0,
    auditMs: t2 - t1,
    filesDiscovered: result.stats.filesDiscovered,
    filesAnalysed: result.stats.filesAnalysed,
    filesSkipped: result.stats.filesSkipped,
    bytesDiscovered: result.stats.bytesDiscovered,
    filesParsed: result.stats.filesParsed,
    findings: result.findings.length,
    findingsByCode,
    warnings: result.warnings,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
}

async function runChild(tool: string, corpus: string | undefined): Promise<void> {
  if (corpus === undefined) throw new BenchError('--child needs a corpus directory');
  let report: ChildReport;
  if (tool === 'ruff') report = await ruffChild(corpus);
  else if (tool === 'provenant') report = await provenantChild(corpus, false);
  else if (tool === 'provenant-warm') report = await provenantChild(corpus, true);
  else throw new BenchError(`unknown child tool "${tool}"`);
  process.stdout.write(`\n${REPORT_PREFIX}${JSON.stringify(report)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Parent
// ---------------------------------------------------------------------------------------------

interface Measurement {
  wallMs: number;
  report: ChildReport;
}

function measure(tool: ChildKind, corpus: string): Measurement {
  const start = performance.now();
  const child = spawnSync(process.execPath, [THIS_FILE, '--child', tool, corpus], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const wallMs = performance.now() - start;
  if (child.error) throw new BenchError(`${tool} child could not start: ${child.error.message}`);
  const line = child.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(REPORT_PREFIX));
  if (child.status !== 0 || line === undefined) {
    const why = child.status === null ? `signal ${child.signal}` : `exit ${child.status}`;
    throw new BenchError(`${tool} child failed on ${corpus} (${why}):\n${child.stderr.trim() || child.stdout.trim()}`);
  }
  return { wallMs, report: JSON.parse(line.slice(REPORT_PREFIX.length)) as ChildReport };
}

interface Corpus {
  name: string;
  dir: string;
}

interface ToolSummary {
  runs: number[];
  /** Median wall time, spawn to exit. */
  totalS: number;
  rssMB: number;
}

interface CorpusResult {
  name: string;
  path: string;
  files: number;
  bytes: number;
  ruff: (ToolSummary & { initS: number; checkS: number; diagnostics: number; failures: number }) | null;
  provenant:
    | (ToolSummary & {
        importS: number;
        auditS: number;
        filesDiscovered: number;
        filesAnalysed: number;
        filesSkipped: number;
        findings: number;
        findingsByCode: Record<string, number>;
      })
    | null;
  /** The same audit with the facts cache filled by an earlier run; null when provenant was not measured. */
  provenantWarm:
    | (ToolSummary & {
        auditS: number;
        /** The untimed first run that filled the cache: a cold run that also writes it. */
        fillS: number;
        /** Files the warm run parsed (0 when every analysed file's facts came from the cache). */
        filesParsed: number;
        findings: number;
      })
    | null;
  /** provenant total ÷ ruff total (medians); > 1 means provenant is slower. */
  ratio: number | null;
  /** provenant warm total ÷ provenant cold total (medians); the target is below 0.1. */
  warmRatio: number | null;
  /** provenant total ÷ ruff check-only, i.e. against a ruff whose wasm is already compiled. */
  ratioVsRuffCheckOnly: number | null;
}

const seconds = (ms: number): number => Math.round(ms) / 1000;
const rssMB = (kib: number): number => Math.round((kib * 1024) / MB);

async function benchCorpus(
  corpus: Corpus,
  runs: number,
  tools: readonly Tool[],
  waitIdle: boolean,
  notes: string[],
): Promise<CorpusResult> {
  const files = listPythonFiles(corpus.dir);
  const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
  const got: Record<ChildKind, Measurement[]> = { ruff: [], provenant: [], 'provenant-warm': [] };
  const kinds: ChildKind[] = tools.includes('provenant') ? [...tools, 'provenant-warm'] : [...tools];
  let busy = 0;
  // The warm runs need a filled cache: one untimed run with the cache on writes `.provenant/` in the
  // corpus copy. The cold runs pass `noCache`, so they neither read nor change it.
  let fill: Measurement | null = null;
  if (kinds.includes('provenant-warm')) {
    fill = measure('provenant-warm', corpus.dir);
    process.stderr.write(`${corpus.name}: cache filled by a first run in ${(fill.wallMs / 1000).toFixed(2)} s\n`);
  }
  for (let run = 1; run <= runs; run++) {
    const line: string[] = [];
    for (const kind of kinds) {
      if (waitIdle && (await waitForIdle()) === null) busy++;
      const m = measure(kind, corpus.dir);
      got[kind].push(m);
      line.push(`${kind.replace('-', ' ')} ${(m.wallMs / 1000).toFixed(2)} s`);
    }
    process.stderr.write(`${corpus.name} run ${run}/${runs}: ${line.join(', ')}\n`);
  }

  const ruffReports = got.ruff.map((m) => m.report).filter((r): r is RuffReport => r.tool === 'ruff');
  const provReports = got.provenant.map((m) => m.report).filter((r): r is ProvenantReport => r.tool === 'provenant');
  const warmReports = got['provenant-warm']
    .map((m) => m.report)
    .filter((r): r is ProvenantReport => r.tool === 'provenant');
  const ruff =
    ruffReports.length === 0
      ? null
      : {
          runs: got.ruff.map((m) => seconds(m.wallMs)),
          totalS: seconds(median(got.ruff.map((m) => m.wallMs))),
          initS: seconds(median(ruffReports.map((r) => r.initMs))),
          checkS: seconds(median(ruffReports.map((r) => r.checkMs))),
          rssMB: rssMB(median(ruffReports.map((r) => r.maxRssKiB))),
          diagnostics: ruffReports[0]?.diagnostics ?? 0,
          failures: ruffReports[0]?.failures ?? 0,
        };
  const last = provReports.at(-1);
  const provenant =
    last === undefined
      ? null
      : {
          runs: got.provenant.map((m) => seconds(m.wallMs)),
          totalS: seconds(median(got.provenant.map((m) => m.wallMs))),
          importS: seconds(median(provReports.map((r) => r.importMs))),
          auditS: seconds(median(provReports.map((r) => r.auditMs))),
          rssMB: rssMB(median(provReports.map((r) => r.maxRssKiB))),
          filesDiscovered: last.filesDiscovered,
          filesAnalysed: last.filesAnalysed,
          filesSkipped: last.filesSkipped,
          findings: last.findings,
          findingsByCode: last.findingsByCode,
        };
  const lastWarm = warmReports.at(-1);
  const provenantWarm =
    lastWarm === undefined || fill === null
      ? null
      : {
          runs: got['provenant-warm'].map((m) => seconds(m.wallMs)),
          totalS: seconds(median(got['provenant-warm'].map((m) => m.wallMs))),
          auditS: seconds(median(warmReports.map((r) => r.auditMs))),
          rssMB: rssMB(median(warmReports.map((r) => r.maxRssKiB))),
          fillS: seconds(fill.wallMs),
          filesParsed: Math.max(...warmReports.map((r) => r.filesParsed)),
          findings: lastWarm.findings,
        };

  if (busy > 0) notes.push(`${corpus.name}: ${busy} measurement(s) started on a machine that never became 90 % idle`);
  const firstFailure = ruffReports.find((r) => r.firstFailure !== null)?.firstFailure;
  if (ruff && ruff.failures > 0) notes.push(`${corpus.name}: ruff threw on ${ruff.failures} file(s), e.g. ${firstFailure}`);
  const warnings = new Set([fill?.report, ...warmReports].flatMap((r) => (r?.tool === 'provenant' ? r.warnings : [])));
  for (const warning of warnings) notes.push(`${corpus.name}: provenant warned: ${warning}`);
  if (provenantWarm && provenantWarm.filesParsed > 0) {
    notes.push(`${corpus.name}: a warm provenant run still parsed ${provenantWarm.filesParsed} file(s)`);
  }
  if (provenant && provenantWarm && provenantWarm.findings !== provenant.findings) {
    notes.push(
      `${corpus.name}: the warm run reported ${provenantWarm.findings} findings, the cold run ${provenant.findings}`,
    );
  }
  if (provenant && provenant.filesDiscovered !== files.length) {
    notes.push(
      `${corpus.name}: provenant discovered ${provenant.filesDiscovered} files (analysed ${provenant.filesAnalysed}, ` +
        `skipped ${provenant.filesSkipped}); ruff checked ${files.length} *.py files`,
    );
  }
  return {
    name: corpus.name,
    path: corpus.dir,
    files: files.length,
    bytes,
    ruff,
    provenant,
    provenantWarm,
    ratio: ruff && provenant ? Math.round((provenant.totalS / ruff.totalS) * 100) / 100 : null,
    warmRatio: provenant && provenantWarm ? Math.round((provenantWarm.totalS / provenant.totalS) * 1000) / 1000 : null,
    ratioVsRuffCheckOnly:
      ruff && provenant && ruff.checkS > 0 ? Math.round((provenant.totalS / ruff.checkS) * 100) / 100 : null,
  };
}

function table(results: readonly CorpusResult[]): string {
  const header = [
    'corpus',
    'files',
    'MB',
    'ruff s (total / check)',
    'provenant s',
    'provenant files parsed',
    'provenant warm s',
    'warm/cold',
    'ruff RSS MB',
    'provenant RSS MB',
    'provenant/ruff',
  ];
  const dash = '–';
  const rows = results.map((r) => [
    r.name,
    String(r.files),
    (r.bytes / MB).toFixed(1),
    r.ruff ? `${r.ruff.totalS.toFixed(2)} / ${r.ruff.checkS.toFixed(2)}` : dash,
    r.provenant ? r.provenant.totalS.toFixed(2) : dash,
    r.provenant ? String(r.provenant.filesAnalysed) : dash,
    r.provenantWarm ? r.provenantWarm.totalS.toFixed(2) : dash,
    r.warmRatio === null ? dash : `${(r.warmRatio * 100).toFixed(1)} %`,
    r.ruff ? String(r.ruff.rssMB) : dash,
    r.provenant ? String(r.provenant.rssMB) : dash,
    r.ratio === null ? dash : `${r.ratio.toFixed(2)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

function defaultCorpora(python: string, notes: string[]): Corpus[] {
  const corpora: Corpus[] = [{ name: 'cpython-stdlib', dir: stdlibPath(python) }];
  const lab = path.join(repoRoot(), 'examples', 'stage1-lab');
  if (existsSync(lab)) corpora.push({ name: 'stage1-lab', dir: lab });
  else notes.push(`stage1-lab: skipped, ${lab} does not exist yet`);
  return corpora;
}

const USAGE = `usage: node dist/bench/audit.js [--runs N] [--json] [--corpus DIR]... [--only ruff|provenant]
                                [--python EXE] [--wait-idle]

Cold-process wall time of provenant audit against ruff (wasm) on the same Python files, and of
provenant's warm run (its facts cache filled by an earlier run).
Default corpora: the CPython stdlib of --python (default python3, site-packages excluded)
and examples/stage1-lab. --wait-idle waits (up to 2 min) for a 90 % idle CPU before each
measurement, for shared machines (Linux only).`;

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === '--child') {
    await runChild(argv[1] ?? '', argv[2]);
    return 0;
  }
  const args = parseArgs(argv, ['runs', 'corpus', 'only', 'python'], ['json', 'wait-idle', 'help']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  if (args.positional.length > 0) throw new BenchError(`unexpected argument ${args.positional[0]}\n${USAGE}`);
  const runs = Number(args.values.get('runs')?.at(-1) ?? '3');
  if (!Number.isInteger(runs) || runs < 1) throw new BenchError('--runs needs a positive integer');
  const only = args.values.get('only')?.at(-1);
  if (only !== undefined && !TOOLS.includes(only as Tool)) throw new BenchError('--only takes ruff or provenant');
  const tools = only === undefined ? TOOLS : [only as Tool];
  const python = args.values.get('python')?.at(-1) ?? 'python3';
  if (args.flags.has('wait-idle') && !existsSync('/proc/stat')) throw new BenchError('--wait-idle needs /proc/stat (Linux)');

  const notes: string[] = [];
  const corpusDirs = args.values.get('corpus');
  const corpora: Corpus[] = corpusDirs
    ? corpusDirs.map((dir) => {
        const abs = path.resolve(dir);
        if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new BenchError(`--corpus ${dir}: not a directory`);
        return { name: path.basename(abs), dir: abs };
      })
    : defaultCorpora(python, notes);

  const results: CorpusResult[] = [];
  for (const corpus of corpora) {
    const files = listPythonFiles(corpus.dir);
    if (files.length === 0) {
      notes.push(`${corpus.name}: skipped, no *.py files under ${corpus.dir}`);
      continue;
    }
    // Both tools read one private copy of exactly these files: the same bytes, and a tree with no
    // repository around it, so provenant's project root is the corpus itself (as in a user's clone).
    const copy = mkdtempSync(path.join(os.tmpdir(), `provenant-bench-${corpus.name}-`));
    try {
      for (const f of files) {
        mkdirSync(path.dirname(path.join(copy, f.rel)), { recursive: true });
        copyFileSync(f.abs, path.join(copy, f.rel));
      }
      results.push(await benchCorpus({ ...corpus, dir: copy }, runs, tools, args.flags.has('wait-idle'), notes));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }

  if (args.flags.has('json')) {
    const out = { node: process.version, platform: `${process.platform}-${process.arch}`, runs, results, notes };
    console.log(JSON.stringify(out, null, 2));
    return 0;
  }
  console.log(table(results));
  const inits = results.flatMap((r) => (r.ruff ? [`${r.ruff.initS.toFixed(2)} s`] : []));
  console.log(
    `\nMedian of ${runs} interleaved runs; wall seconds from spawn to exit of a fresh node process ` +
      `(${process.version}).` +
      (inits.length ? ` "check" is ruff without its wasm compile (init median: ${inits.join(', ')}).` : '') +
      ' provenant/ruff > 1 means provenant is slower. "provenant s" runs without its cache (--no-cache);' +
      ' "provenant warm s" runs again with the cache an earlier run filled, and warm/cold divides the two.',
  );
  for (const r of results) {
    if (r.ruff) console.log(`${r.name}: ruff reported ${r.ruff.diagnostics} diagnostics (E4, E7, E9, F).`);
    if (r.provenant) {
      const codes = Object.entries(r.provenant.findingsByCode)
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${code} ${n}`)
        .join(', ');
      console.log(
        `${r.name}: provenant reported ${r.provenant.findings} findings${codes ? ` (${codes})` : ''}; ` +
          `import ${r.provenant.importS.toFixed(2)} s, audit ${r.provenant.auditS.toFixed(2)} s in-process.`,
      );
    }
    if (r.provenantWarm) {
      console.log(
        `${r.name}: provenant warm: audit ${r.provenantWarm.auditS.toFixed(2)} s in-process, ` +
          `${r.provenantWarm.filesParsed} files parsed; the first run with the cache (filling it) took ` +
          `${r.provenantWarm.fillS.toFixed(2)} s.`,
      );
    }
  }
  for (const note of notes) console.log(`note: ${note}`);
  return 0;
}

runBench(main);
