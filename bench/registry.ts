/**
 * Speed of the implementation registry on generated research repositories of 10,000, 20,000 and 50,000
 * scripts (docstrings, argparse, imports of a shared utils package, data paths, shell launchers; three
 * commits), each figure next to a peer measured in the same run:
 *
 *   cold sync   (`provenant registry sync` in a fresh process, empty .provenant/; wall time and peak RSS
 *               from /usr/bin/time -v, Node's default heap)  vs  reading every file's bytes + `git log --name-only`
 *   warm sync   (nothing changed)                     vs  the same peer
 *   search      (`searchRegistry`, median of N)       vs  `git ls-files -z | xargs -0 grep -il WORD`
 *               (with its freshness check, which walks the tree, and with `refresh: false`)
 *
 *   npm run bench:registry                       # build, then: node dist/bench/registry.js
 *   node dist/bench/registry.js --sizes 20k --queries 20 --keep
 *   node dist/bench/registry.js --scripts 2000
 *
 * Search is timed in process (the library, as the CLI calls it). Times are reported, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { searchRegistry } from '../src/index.js';
import { BenchError, median, parseArgs, repoRoot, runBench, timedRun } from './common.js';

const UTILS = ['critic', 'loader', 'formatter', 'metrics', 'io', 'sampling', 'filters', 'prompts', 'seeds', 'stats'];
const TOPICS = ['sft data', 'preference pairs', 'reward scores', 'evaluation', 'hard negatives', 'tokenizer checks', 'dpo training', 'deduplication'];
const WORDS = ['log-prob critic', 'preference pairs', 'tokenizer', 'hard negatives', 'seed', 'reward', 'evaluation', 'filter'];

function git(args: string[], cwd: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@x.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@x.invalid' };
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new BenchError(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function script(i: number): string {
  const topic = TOPICS[i % TOPICS.length] ?? 'data';
  const util = UTILS[i % UTILS.length] ?? 'io';
  const other = UTILS[(i * 7 + 3) % UTILS.length] ?? 'io';
  return `"""Step ${i}: build ${topic} for experiment ${i % 97}.

Reads instructions, scores them with the shared helpers and writes the kept rows.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lab_utils.${util} import run_${util}
from lab_utils import ${other}


def score_rows_${i}(rows, threshold=0.${i % 9 + 1}):
    """Keep rows whose ${topic} score passes the threshold."""
    kept = []
    for row in rows:
        value = run_${util}(row["text"]) + ${other}.helper(row)
        if value > threshold:
            kept.append({"text": row["text"], "score": value})
    return kept


def main():
    p = argparse.ArgumentParser(description="${topic} step ${i}")
    p.add_argument("--input", default="data/step_${i % 50}.jsonl", help="instructions to score")
    p.add_argument("--out", default="artifacts/${topic.replace(/ /g, '_')}_${i}.jsonl", help="where the kept rows go")
    p.add_argument("--threshold", type=float, default=0.5, help="least ${topic} score kept")
    args = p.parse_args()
    with open(args.input) as fh:
        rows = [json.loads(line) for line in fh]
    with open(args.out, "w") as fh:
        for row in score_rows_${i}(rows, args.threshold):
            fh.write(json.dumps(row) + "\\n")


if __name__ == "__main__":
    main()
`;
}

function utilModule(name: string): string {
  return `"""Shared ${name} helpers used by every step."""\n\n\ndef run_${name}(text):\n    """Score one text."""\n    return len(text) / 100.0\n\n\ndef helper(row):\n    return 0.0\n`;
}

function launcher(i: number, per: number): string {
  const lines = ['#!/usr/bin/env bash', `# Batch ${i}: run a slice of the steps.`, 'set -euo pipefail'];
  for (let j = 0; j < per; j++) lines.push(`python steps/s${String(i * per + j).padStart(5, '0')}.py --threshold 0.5`);
  return `${lines.join('\n')}\n`;
}

/** Writes the repository in three commits (a third of the steps each); returns every file written. */
function generate(root: string, scripts: number): string[] {
  const files: string[] = [];
  const write = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
    files.push(rel);
  };
  git(['init', '-q', '-b', 'main'], root);
  write('provenant.toml', '');
  write('lab_utils/__init__.py', '"""Shared helpers."""\n');
  for (const u of UTILS) write(`lab_utils/${u}.py`, utilModule(u));
  const per = 50;
  for (let part = 0; part < 3; part++) {
    for (let i = Math.floor((scripts * part) / 3); i < Math.floor((scripts * (part + 1)) / 3); i++) write(`steps/s${String(i).padStart(5, '0')}.py`, script(i));
    git(['add', '-A'], root);
    git(['commit', '-q', '--no-verify', '-m', `part ${part + 1}`], root);
  }
  for (let i = 0; i < Math.floor(scripts / per); i++) write(`launch/batch_${i}.sh`, launcher(i, per));
  git(['add', '-A'], root);
  git(['commit', '-q', '--no-verify', '-m', 'launchers'], root);
  return files;
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

function peerRead(root: string, files: readonly string[]): number {
  const start = performance.now();
  let bytes = 0;
  for (const f of files) bytes += readFileSync(path.join(root, f)).length;
  git(['log', '--name-only', '--format=%h %as %an', 'HEAD'], root);
  if (bytes === 0) throw new BenchError('read nothing');
  return performance.now() - start;
}

function peerGrep(root: string, word: string): number {
  const start = performance.now();
  spawnSync('sh', ['-c', `git ls-files -z | xargs -0 grep -il -- "$1" > /dev/null`, 'sh', word], { cwd: root });
  return performance.now() - start;
}

const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

/** `provenant registry sync` as a user runs it, in a fresh process with Node's default heap. */
function syncProcess(root: string): { ms: number; rssMB: number; cpuMs: number; ok: boolean; note: string } {
  try {
    const run = timedRun(process.execPath, [BIN, 'registry', 'sync'], root, [0]);
    return { ms: run.ms, rssMB: run.rssMB, cpuMs: run.cpuMs, ok: true, note: '' };
  } catch (error) {
    // a sync that runs out of heap is a figure too: said in the table, not a crashed bench
    if (!(error instanceof BenchError)) throw error;
    return { ms: Number.NaN, rssMB: Number.NaN, cpuMs: Number.NaN, ok: false, note: error.message.split('\n').find((l) => /heap|memory|exit/i.test(l)) ?? 'failed' };
  }
}

const BIN = path.join(repoRoot(), 'bin', 'provenant.js');

interface SizeFigures {
  scripts: number;
  files: number;
  coldSyncMs: number;
  coldRssMB: number;
  warmSyncMs: number;
  warmRssMB: number;
  coldCpuMs: number;
  warmCpuMs: number;
  /** A sync after one script was edited (not the nothing-changed shortcut). */
  editedSyncMs: number;
  editedCpuMs: number;
  peerReadAndGitLogMs: number;
  searchMedianMs: number;
  searchNoRefreshMedianMs: number;
  grepMedianMs: number;
  note: string;
}

async function measure(scripts: number, queries: number, keep: boolean): Promise<SizeFigures> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-registry-'));
  try {
    const files = generate(root, scripts);
    console.error(`bench: generated ${files.length} files in ${root}`);
    const cold = syncProcess(root);
    const warm = syncProcess(root);
    const edited = files.find((f) => f.endsWith('.py')) ?? files[0] ?? '';
    writeFileSync(path.join(root, edited), `${readFileSync(path.join(root, edited), 'utf8')}\n# edited\n`);
    const afterEdit = syncProcess(root);
    const peerSync = peerRead(root, files);
    const searchMs: number[] = [];
    const trustedMs: number[] = [];
    const grepMs: number[] = [];
    for (let q = 0; q < (cold.ok ? queries : 0); q++) {
      const word = WORDS[q % WORDS.length] ?? 'seed';
      const s = await timed(() => searchRegistry({ cwd: root, query: word }));
      if (s.value.refreshed) throw new BenchError('search found the index stale right after a sync');
      searchMs.push(s.ms);
      trustedMs.push((await timed(() => searchRegistry({ cwd: root, query: word, refresh: false }))).ms);
      grepMs.push(peerGrep(root, word.split(/\W/)[0] ?? word));
    }
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      scripts,
      files: files.length,
      coldSyncMs: Math.round(cold.ms),
      coldRssMB: cold.rssMB,
      warmSyncMs: Math.round(warm.ms),
      warmRssMB: warm.rssMB,
      coldCpuMs: Math.round(cold.cpuMs),
      warmCpuMs: Math.round(warm.cpuMs),
      editedSyncMs: Math.round(afterEdit.ms),
      editedCpuMs: Math.round(afterEdit.cpuMs),
      peerReadAndGitLogMs: Math.round(peerSync),
      searchMedianMs: searchMs.length ? round(median(searchMs)) : Number.NaN,
      searchNoRefreshMedianMs: trustedMs.length ? round(median(trustedMs)) : Number.NaN,
      grepMedianMs: grepMs.length ? round(median(grepMs)) : Number.NaN,
      note: cold.note || warm.note,
    };
  } finally {
    if (keep) console.error(`bench: kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

function sizeOf(text: string): number {
  const m = /^(\d+)(k?)$/i.exec(text.trim());
  if (!m) throw new BenchError(`--sizes: expected numbers such as 10k,20k,50k, got "${text}"`);
  const n = Number(m[1]) * (m[2] ? 1000 : 1);
  if (n < 3) throw new BenchError('--sizes: at least 3 scripts');
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values, flags } = parseArgs(argv, ['scripts', 'queries', 'sizes'], ['keep', 'json']);
  const sizes = values.get('scripts')?.length
    ? values.get('scripts')!.map(sizeOf)
    : (values.get('sizes')?.[0] ?? '10k,20k,50k').split(',').map(sizeOf);
  const queries = Number(values.get('queries')?.[0] ?? 20);
  const all: SizeFigures[] = [];
  for (const scripts of sizes) all.push(await measure(scripts, queries, flags.has('keep')));
  if (flags.has('json')) {
    console.log(JSON.stringify(all, null, 2));
    return 0;
  }
  const ratio = (a: number, b: number) => (Number.isNaN(a) ? '–' : `×${(a / b).toFixed(1)}`);
  console.log(`registry bench: \`provenant registry sync\` in a fresh process (peak RSS from /usr/bin/time -v), search in process; ${queries} queries`);
  console.log('| scripts | files | cold sync | cold CPU | cold RSS | warm sync | warm CPU | warm RSS | one file edited | its CPU | peer: read all + git log | cold / peer | search (fresh check) | search (index only) | peer: grep -il |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const f of all) {
    console.log(
      `| ${f.scripts} | ${f.files} | ${Number.isNaN(f.coldSyncMs) ? `failed (${f.note})` : fmt(f.coldSyncMs)} | ${fmt(f.coldCpuMs)} | ${f.coldRssMB} MB | ${fmt(f.warmSyncMs)} | ${fmt(f.warmCpuMs)} | ${f.warmRssMB} MB | ${fmt(f.editedSyncMs)} | ${fmt(f.editedCpuMs)} | ${fmt(f.peerReadAndGitLogMs)} | ${ratio(f.coldSyncMs, f.peerReadAndGitLogMs)} | ${fmt(f.searchMedianMs)} | ${fmt(f.searchNoRefreshMedianMs)} | ${fmt(f.grepMedianMs)} |`,
    );
  }
  return 0;
}

runBench(main);
