/**
 * TS/JS audit speed on a real codebase of ~1,000 files against `tsc --noEmit` on the same files, in one
 * run. The corpus is copied from this project's own node_modules (zod's TypeScript sources, the compiled
 * typescript-eslint packages, yaml, ajv: TS, CJS and ESM) into a temp folder.
 *
 *   npm run build && node dist/bench/ts.js            # ~1,000 files, 3 runs each
 *   node dist/bench/ts.js --files 500 --runs 5 --json
 *
 * Measured, each as a fresh child process timed from spawn to exit (module loading included):
 *   audit cold    `provenant audit --no-cache`: prefilter, then parse the files some rule may fire on
 *   audit warm    `provenant audit` with its cache filled by an earlier run
 *   extract cold  `provenant registry sync` with no index: every file through the TS/JS front end
 *   tsc           `tsc --noEmit` (allowJs, skipLibCheck) over the same files
 * Times are reported, never asserted; medians of `--runs`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchError, median, parseArgs, repoRoot, runBench } from './common.js';

/** Packages of node_modules the corpus is taken from, in order, and the folders inside them. */
const SOURCES: readonly { pkg: string; dirs: string[] }[] = [
  { pkg: 'zod', dirs: ['src'] },
  { pkg: '@typescript-eslint/typescript-estree', dirs: ['dist'] },
  { pkg: '@typescript-eslint/scope-manager', dirs: ['dist'] },
  { pkg: '@typescript-eslint/eslint-plugin', dirs: ['dist'] },
  { pkg: '@typescript-eslint/utils', dirs: ['dist'] },
  { pkg: '@typescript-eslint/type-utils', dirs: ['dist'] },
  { pkg: 'yaml', dirs: ['dist'] },
  { pkg: 'ajv', dirs: ['dist'] },
];
const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
const DECLARATION = /\.d\.[cm]?ts$/;
const CONFIG = 'include = ["**/*.ts", "**/*.tsx", "**/*.mts", "**/*.cts", "**/*.js", "**/*.mjs", "**/*.cjs"]\n[registry]\ninclude = ["**/*.ts", "**/*.mts", "**/*.cts", "**/*.js", "**/*.mjs", "**/*.cjs"]\n';

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(abs, out);
    else if (entry.isFile() && SOURCE_FILE.test(entry.name) && !DECLARATION.test(entry.name)) out.push(abs);
  }
}

/** Copies up to `limit` source files into `into`; returns their count and bytes. */
function buildCorpus(into: string, limit: number): { files: number; bytes: number } {
  const modules = path.join(repoRoot(), 'node_modules');
  let files = 0;
  let bytes = 0;
  for (const { pkg, dirs } of SOURCES) {
    for (const dir of dirs) {
      const found: string[] = [];
      const from = path.join(modules, pkg, dir);
      try {
        walk(from, found);
      } catch (cause) {
        throw new BenchError(`cannot read ${from} (${String(cause)}); is the project installed?`);
      }
      for (const abs of found) {
        if (files >= limit) return { files, bytes };
        const rel = path.join(pkg.replace('/', '__'), path.relative(path.join(modules, pkg), abs));
        mkdirSync(path.dirname(path.join(into, rel)), { recursive: true });
        copyFileSync(abs, path.join(into, rel));
        files++;
        bytes += statSync(abs).size;
      }
    }
  }
  return { files, bytes };
}

function timed(command: string, args: string[], cwd: string): { ms: number; stdout: string; code: number | null } {
  const started = performance.now();
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - started;
  if (r.error) throw new BenchError(`${command} did not run: ${r.error.message}`);
  return { ms, stdout: r.stdout, code: r.status };
}

interface Row {
  name: string;
  ms: number;
  note: string;
}

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv, ['files', 'runs'], ['json', 'keep']);
  const limit = Number(opts.values.get('files')?.[0] ?? 1000);
  const runs = Number(opts.values.get('runs')?.[0] ?? 3);
  const root = repoRoot();
  const bin = path.join(root, 'bin', 'provenant.js');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-ts-'));
  try {
    const corpus = buildCorpus(dir, limit);
    writeFileSync(path.join(dir, 'provenant.toml'), CONFIG);
    const tsconfig = { compilerOptions: { allowJs: true, noEmit: true, skipLibCheck: true, target: 'es2022', module: 'nodenext', types: [] }, include: ['**/*'] };
    // a separate name: the audit reads tsconfig.json for `paths`, tsc is pointed at this one
    writeFileSync(path.join(dir, 'tsconfig.bench.json'), JSON.stringify(tsconfig));
    const node = process.execPath;
    const cold: number[] = [];
    const warm: number[] = [];
    const extract: number[] = [];
    const check: number[] = [];
    let parsed = 0;
    let findings = 0;
    for (let i = 0; i < runs; i++) {
      const c = timed(node, [bin, 'audit', '--no-cache', '--exit-zero', '--format', 'json'], dir);
      cold.push(c.ms);
      const report = JSON.parse(c.stdout) as { stats: { filesParsed: number }; findings: unknown[] };
      parsed = report.stats.filesParsed;
      findings = report.findings.length;
      timed(node, [bin, 'audit', '--exit-zero', '--quiet'], dir);
      warm.push(timed(node, [bin, 'audit', '--exit-zero', '--quiet'], dir).ms);
      rmSync(path.join(dir, '.provenant'), { recursive: true, force: true });
      extract.push(timed(node, [bin, 'registry', 'sync'], dir).ms);
      rmSync(path.join(dir, '.provenant'), { recursive: true, force: true });
      check.push(timed(node, [tsc, '--noEmit', '-p', 'tsconfig.bench.json'], dir).ms);
    }
    const tscMs = median(check);
    const rows: Row[] = [
      { name: 'provenant audit, cold', ms: median(cold), note: `${parsed} parsed after the prefilter, ${findings} findings` },
      { name: 'provenant audit, warm', ms: median(warm), note: 'cache filled by an earlier run' },
      { name: 'provenant registry sync (every file parsed)', ms: median(extract), note: 'cold, no index' },
      { name: 'tsc --noEmit', ms: tscMs, note: 'allowJs, skipLibCheck' },
    ];
    if (opts.flags.has('json')) {
      console.log(JSON.stringify({ files: corpus.files, bytes: corpus.bytes, runs, rows: rows.map((r) => ({ ...r, filesPerSecond: corpus.files / (r.ms / 1000), ratioToTsc: r.ms / tscMs })) }, null, 2));
      return 0;
    }
    console.log(`corpus: ${corpus.files} TS/JS files, ${(corpus.bytes / 1e6).toFixed(1)} MB (from node_modules); median of ${runs} runs\n`);
    for (const r of rows) {
      const rate = (corpus.files / (r.ms / 1000)).toFixed(0).padStart(6);
      const ratio = (r.ms / tscMs).toFixed(2);
      console.log(`${r.name.padEnd(46)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${rate} files/s  ${ratio.padStart(5)}× tsc  (${r.note})`);
    }
    return 0;
  } finally {
    if (opts.flags.has('keep')) console.error(`corpus kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
