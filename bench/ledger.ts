/**
 * The ledger under concurrent writers, and verify through each backend, measured in one run:
 *
 *   writers   W concurrent writers (default 8), each a process stamping S artifacts (default 250) one run
 *             at a time through the library's stamping path (commit + ledger record):
 *             PostgreSQL: each writer in a clone of its own, all into one shared ledger;
 *             SQLite: all writers in one clone, into its `.provenant/ledger.db`.
 *             Reported: rows, lost (stamped but not in the ledger), duplicated.   target: 0 lost, 0 duplicated
 *   verify    `provenant verify` of N unchanged stamped artifacts (default 1,000), fast path, alternating
 *             SQLite and PostgreSQL runs in the same clone (medians).              target: PostgreSQL ≤ 2× SQLite
 *
 *   npm run build && node dist/bench/ledger.js [--url postgresql://…] [--writers 8] [--stamps 250] [--artifacts 1000] [--rounds 3]
 *
 * The URL defaults to PG_TEST_URL or the CI server's; a database of its own is created and dropped.
 * Times are reported, never asserted.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

import Database from 'better-sqlite3';
import pg from 'pg';

import { loadConfig } from '../src/config/config.js';
import { locate, stampArtifacts } from '../src/provenance/run.js';
import { BenchError, benchGit, median, parseArgs, repoRoot, runBench, timedCommand } from './common.js';

const DEFAULT_URL = 'postgresql://provenant:provenant@127.0.0.1:5432/provenant_test';

/** A writer: S runs, each stamping one new artifact, through the same path `provenant run` commits by. */
async function writer(root: string, tag: string, stamps: number): Promise<void> {
  const { config } = await loadConfig({ cwd: root });
  let pending = 0;
  for (let i = 0; i < stamps; i++) {
    const rel = `out/${tag}-${i}.txt`;
    writeFileSync(path.join(root, rel), `${tag} ${i}\n`);
    const now = new Date().toISOString();
    await stampArtifacts({
      root, config, env: process.env, argv: ['bench-writer', rel], cwd: root, outputs: [locate(root, root, rel, '--out')],
      inputLinks: [], producer: null, attestation: null, python: null, state: null, startedOn: now, finishedOn: new Date().toISOString(),
      warn: (m) => {
        if (/pending/.test(m)) pending += 1;
        else process.stderr.write(`${tag}: ${m}\n`);
      },
    });
  }
  if (pending) process.stderr.write(`${tag}: ${pending} run(s) left their row pending\n`);
}

function child(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new BenchError(`writer ${args.join(' ')} exited ${code}`))));
  });
}

function lab(dir: string): string {
  const origin = path.join(dir, 'origin');
  mkdirSync(path.join(origin, 'out'), { recursive: true });
  writeFileSync(path.join(origin, 'provenant.toml'), '');
  writeFileSync(path.join(origin, 'out', '.gitkeep'), '');
  writeFileSync(path.join(origin, 'write.py'), 'import sys\nfor p in sys.argv[1:]:\n    open(p, "w").write(\'{"i": "%s"}\\n\' % p * 20)\n');
  benchGit(['init', '-q'], origin);
  benchGit(['add', '-A'], origin);
  benchGit(['commit', '-qm', 'init'], origin);
  return origin;
}

function cloneOf(origin: string, at: string): string {
  benchGit(['clone', '-q', origin, at], path.dirname(at));
  return at;
}

function tally(kind: string, expected: readonly string[], artifacts: readonly string[]): string {
  const seen = new Map<string, number>();
  for (const a of artifacts) seen.set(a, (seen.get(a) ?? 0) + 1);
  const lost = expected.filter((a) => !seen.has(a)).length;
  const duplicated = [...seen.values()].reduce((n, c) => n + c - 1, 0);
  return `${kind.padEnd(12)} ${String(artifacts.length).padStart(6)} rows of ${expected.length} stamped   lost ${lost}   duplicated ${duplicated}`;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--child') {
    await writer(argv[1] ?? '', argv[2] ?? '', Number(argv[3]));
    return 0;
  }
  const args = parseArgs(argv, ['url', 'writers', 'stamps', 'artifacts', 'rounds'], ['keep']);
  const base = args.values.get('url')?.[0] ?? process.env.PG_TEST_URL ?? DEFAULT_URL;
  const writers = Number(args.values.get('writers')?.[0] ?? 8);
  const stamps = Number(args.values.get('stamps')?.[0] ?? 250);
  const artifacts = Number(args.values.get('artifacts')?.[0] ?? 1000);
  const rounds = Number(args.values.get('rounds')?.[0] ?? 3);
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new BenchError(`PostgreSQL not reachable (${error instanceof Error ? error.message : String(error)}): start it with .ci/services/postgresql.sh or pass --url`);
  }
  const name = `provenant_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-ledger-'));
  try {
    const origin = lab(dir);
    const tags = Array.from({ length: writers }, (_, i) => `w${i}`);
    const expected = tags.flatMap((t) => Array.from({ length: stamps }, (_, i) => `out/${t}-${i}.txt`));
    console.log(`${writers} concurrent writers × ${stamps} stamps`);

    // PostgreSQL: a clone per writer, one shared ledger
    const clones = tags.map((t) => cloneOf(origin, path.join(dir, `clone-${t}`)));
    let start = performance.now();
    await Promise.all(tags.map((t, i) => child(['--child', clones[i] ?? '', t, String(stamps)], { PROVENANT_LEDGER_URL: url, PROVENANT_LEDGER_SCHEMA: 'bench' })));
    const pgMs = performance.now() - start;
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    const pgRows = (await check.query<{ artifact: string }>('SELECT artifact FROM bench.stamps')).rows.map((r) => r.artifact);
    await check.end();
    console.log(`${tally('PostgreSQL', expected, pgRows)}   ${pgMs.toFixed(0)} ms (${((expected.length / pgMs) * 1000).toFixed(0)} stamps/s)`);

    // SQLite: every writer in one clone
    const one = cloneOf(origin, path.join(dir, 'one'));
    start = performance.now();
    await Promise.all(tags.map((t) => child(['--child', one, t, String(stamps)], { PROVENANT_LEDGER_URL: '' })));
    const sqliteMs = performance.now() - start;
    const db = new Database(path.join(one, '.provenant', 'ledger.db'), { readonly: true });
    const sqliteRows = (db.prepare('SELECT artifact FROM stamps').all() as { artifact: string }[]).map((r) => r.artifact);
    db.close();
    console.log(`${tally('SQLite', expected, sqliteRows)}   ${sqliteMs.toFixed(0)} ms (${((expected.length / sqliteMs) * 1000).toFixed(0)} stamps/s)`);

    // verify of N unchanged artifacts, both ledgers holding their rows (stamped with the shared ledger on)
    console.log(`\nverify of ${artifacts} unchanged artifacts, ${rounds} rounds alternating (medians)`);
    const v = cloneOf(origin, path.join(dir, 'verify'));
    const bin = path.join(repoRoot(), 'bin', 'provenant.js');
    const names = Array.from({ length: artifacts }, (_, i) => `out/a${i}.jsonl`);
    const pgEnv = { ...process.env, PROVENANT_LEDGER_URL: url, PROVENANT_LEDGER_SCHEMA: 'bench_verify' };
    const withEnv = (env: NodeJS.ProcessEnv, fn: () => number): number => {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        return fn();
      } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
    };
    withEnv(pgEnv, () => timedCommand(process.execPath, [bin, 'run', ...names.flatMap((n) => ['--out', n]), '--', 'python3', 'write.py', ...names], v));
    timedCommand(process.execPath, [bin, 'verify', ...names], v);
    const sqlite: number[] = [];
    const shared: number[] = [];
    for (let i = 0; i < rounds; i++) {
      sqlite.push(timedCommand(process.execPath, [bin, 'verify', ...names], v));
      shared.push(withEnv(pgEnv, () => timedCommand(process.execPath, [bin, 'verify', ...names], v)));
    }
    const s = median(sqlite);
    const p = median(shared);
    console.log(`provenant verify, SQLite ledger       ${s.toFixed(0).padStart(7)} ms`);
    console.log(`provenant verify, PostgreSQL ledger   ${p.toFixed(0).padStart(7)} ms   ${(p / s).toFixed(2)}× SQLite (target ≤ 2×)`);
    return 0;
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    if (args.flags.has('keep')) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
