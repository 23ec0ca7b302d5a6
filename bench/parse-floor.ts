/**
 * The floor under a cold audit's parse: the tree-sitter parse alone, with the node table the extraction reads
 * (src/analysis/python/flat-tree.ts; no extraction, no rules, nothing sent back), of every Python file a cold
 * run without configuration parses, split over N worker threads the way the
 * audit's parse workers split them, with the same parser, grammar and V8 flags. What it prints is what no
 * extraction, however light, can go under with this parser on this machine.
 *
 *   node dist/bench/parse-floor.js DIR [--threads N]      # N: default as the audit's pool (one per core, at most 8)
 *
 * Prints one JSON line: files parsed, bytes, threads, and the parse seconds of each thread.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { flatPythonParser } from '../src/analysis/python/flat-tree.js';
import { parsedCold } from '../src/audit/scan.js';
import { BenchError, listPythonFiles, parseArgs, runBench } from './common.js';

interface Share {
  files: string[];
}

async function parseShare(share: Share): Promise<{ seconds: number; bytes: number }> {
  const parser = flatPythonParser();
  let bytes = 0;
  const start = performance.now();
  for (const file of share.files) {
    const text = readFileSync(file, 'utf8');
    bytes += text.length;
    parser.parse(text);
  }
  return { seconds: (performance.now() - start) / 1000, bytes };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['threads'], []);
  const dir = args.positional[0];
  if (!dir) throw new BenchError('usage: parse-floor.js DIR [--threads N]');
  const threads = Number(args.values.get('threads')?.at(-1) ?? Math.min(os.availableParallelism(), 8));
  if (!Number.isInteger(threads) || threads < 1) throw new BenchError('--threads needs a positive integer');
  const files = listPythonFiles(dir)
    .filter((f) => parsedCold('python', readFileSync(f.abs).toString('latin1'), f.rel))
    .map((f) => f.abs);
  // one file in N to each thread, as the pool hands files out in turn
  const shares: Share[] = Array.from({ length: threads }, (_, i) => ({ files: files.filter((_, j) => j % threads === i) }));
  const start = performance.now();
  const results = await Promise.all(
    shares.map(
      (share) =>
        new Promise<{ seconds: number; bytes: number }>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: share });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  console.log(
    JSON.stringify({
      files: files.length,
      bytes: results.reduce((s, r) => s + r.bytes, 0),
      threads,
      wallS: (performance.now() - start) / 1000,
      threadS: results.map((r) => Number(r.seconds.toFixed(2))),
    }),
  );
  return 0;
}

if (isMainThread) runBench(main);
else void parseShare(workerData as Share).then((r) => parentPort?.postMessage(r));
