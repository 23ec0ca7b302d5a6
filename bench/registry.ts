/**
 * Speed of the implementation registry on a generated research repository of 10,000 scripts (docstrings,
 * argparse, imports of a shared utils package, data paths, shell launchers; three commits), each figure
 * next to a peer measured in the same run:
 *
 *   cold sync   (`syncRegistry`, empty .provenant/)  vs  reading every file's bytes + `git log --name-only`
 *   warm sync   (nothing changed)                     vs  the same peer
 *   search      (`searchRegistry`, median of N)       vs  `git ls-files -z | xargs -0 grep -il WORD`
 *               (with its freshness check, which walks the tree, and with `refresh: false`)
 *
 *   npm run bench:registry                       # build, then: node dist/bench/registry.js
 *   node dist/bench/registry.js --scripts 2000 --queries 20 --keep
 *
 * In-process timings (the library, as the CLI calls it). Times are reported, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { searchRegistry, syncRegistry } from '../src/index.js';
import { BenchError, median, parseArgs, runBench } from './common.js';

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

async function main(argv: string[]): Promise<number> {
  const { values, flags } = parseArgs(argv, ['scripts', 'queries'], ['keep', 'json']);
  const scripts = Number(values.get('scripts')?.[0] ?? 10_000);
  const queries = Number(values.get('queries')?.[0] ?? 50);
  if (!Number.isInteger(scripts) || scripts < 3) throw new BenchError('--scripts: a whole number of at least 3');
  const root = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-registry-'));
  try {
    const files = generate(root, scripts);
    console.error(`bench: generated ${files.length} files in ${root}`);
    const cold = await timed(() => syncRegistry({ cwd: root }));
    const warm = await timed(() => syncRegistry({ cwd: root }));
    const peerSync = peerRead(root, files);
    const searchMs: number[] = [];
    const trustedMs: number[] = [];
    const grepMs: number[] = [];
    let firstHit = '';
    for (let q = 0; q < queries; q++) {
      const word = WORDS[q % WORDS.length] ?? 'seed';
      const s = await timed(() => searchRegistry({ cwd: root, query: word }));
      if (s.value.refreshed) throw new BenchError('search found the index stale right after a sync');
      firstHit ||= s.value.hits[0]?.path ?? '';
      searchMs.push(s.ms);
      trustedMs.push((await timed(() => searchRegistry({ cwd: root, query: word, refresh: false }))).ms);
      grepMs.push(peerGrep(root, word.split(/\W/)[0] ?? word));
    }
    const figures = {
      files: cold.value.counts.files,
      parsedCold: cold.value.parsed,
      parsedWarm: warm.value.parsed,
      coldSyncMs: Math.round(cold.ms),
      warmSyncMs: Math.round(warm.ms),
      peerReadAndGitLogMs: Math.round(peerSync),
      searchMedianMs: Math.round(median(searchMs) * 10) / 10,
      searchNoRefreshMedianMs: Math.round(median(trustedMs) * 10) / 10,
      grepMedianMs: Math.round(median(grepMs) * 10) / 10,
    };
    if (flags.has('json')) {
      console.log(JSON.stringify(figures, null, 2));
      return 0;
    }
    console.log(`registry bench: ${figures.files} registered files (${scripts} scripts), ${queries} queries`);
    console.log(`  cold sync   ${fmt(cold.ms).padStart(10)}   (${figures.parsedCold} parsed)   peer: read all bytes + git log ${fmt(peerSync)} (×${(cold.ms / peerSync).toFixed(1)})`);
    console.log(`  warm sync   ${fmt(warm.ms).padStart(10)}   (${figures.parsedWarm} parsed)   peer: ${fmt(peerSync)} (×${(warm.ms / peerSync).toFixed(2)})`);
    console.log(`  search      ${fmt(median(searchMs)).padStart(10)}   median, freshness check included   peer: git ls-files | xargs grep -il ${fmt(median(grepMs))} (×${(median(searchMs) / median(grepMs)).toFixed(2)})`);
    console.log(`  search      ${fmt(median(trustedMs)).padStart(10)}   median, --no-refresh (index only)   peer: ${fmt(median(grepMs))} (×${(median(trustedMs) / median(grepMs)).toFixed(2)})`);
    console.log(`  first hit for "${WORDS[0]}": ${firstHit}`);
    return 0;
  } finally {
    if (flags.has('keep')) console.error(`bench: kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

runBench(main);
