/**
 * Speed of provenance stamps, each figure next to a peer measured in the same run:
 *
 *   hashing     sha256 of one large file (default 2 GiB) by the stamping code (`sha256File`, in process)
 *               and by `provenant run --out BIG -- true` end to end (node start, audit of nothing, stamp)
 *               vs  `sha256sum BIG`                                   target: ≥ 90% of its throughput
 *   verify      `provenant verify` of N unchanged stamped artifacts (default 1,000) with the fast path
 *               (second run) and with `--full`                        target: under 1 s
 *               vs  `sha256sum` of the same N files
 *
 *   npm run bench:provenance                     # build, then: node dist/bench/provenance.js
 *   node dist/bench/provenance.js --size-mib 512 --artifacts 200 --rounds 3 --keep
 *
 * Times are reported, never asserted.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { sha256File } from '../src/provenance/hash.js';
import { benchGit, median, parseArgs, repoRoot, runBench, timedCommand } from './common.js';

const MIB = 1024 * 1024;

function bigFile(file: string, mib: number): void {
  const chunk = randomBytes(8 * MIB);
  const fd = openSync(file, 'w');
  try {
    for (let written = 0; written < mib; written += 8) writeSync(fd, chunk, 0, Math.min(8, mib - written) * MIB);
  } finally {
    closeSync(fd);
  }
}

function line(label: string, ms: number, peer: number, bytes: number | null): string {
  const rate = bytes === null ? '' : `  ${(bytes / MIB / (ms / 1000)).toFixed(0).padStart(5)} MiB/s`;
  return `${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms${rate}   ${(peer / ms).toFixed(2)}× the peer's throughput`;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['size-mib', 'artifacts', 'rounds'], ['keep']);
  const sizeMib = Number(args.values.get('size-mib')?.[0] ?? 2048);
  const artifacts = Number(args.values.get('artifacts')?.[0] ?? 1000);
  const rounds = Number(args.values.get('rounds')?.[0] ?? 3);
  const bin = path.join(repoRoot(), 'bin', 'provenant.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-prov-'));
  try {
    writeFileSync(path.join(dir, 'provenant.toml'), '');
    benchGit(['init', '-q'], dir);
    benchGit(['add', '-A'], dir);
    benchGit(['commit', '-qm', 'init'], dir);

    console.log(`hashing a ${sizeMib} MiB file, ${rounds} rounds, alternating (medians)`);
    const big = path.join(dir, 'big.bin');
    bigFile(big, sizeMib);
    const bytes = sizeMib * MIB;
    const peer: number[] = [];
    const inProcess: number[] = [];
    const endToEnd: number[] = [];
    for (let i = 0; i < rounds; i++) {
      peer.push(timedCommand('sha256sum', [big], dir));
      const start = performance.now();
      sha256File(big);
      inProcess.push(performance.now() - start);
      rmSync(`${big}.prov.json`, { force: true });
      endToEnd.push(timedCommand(process.execPath, [bin, 'run', '--out', 'big.bin', '--', 'true'], dir));
    }
    const p = median(peer);
    console.log(line('sha256sum (peer)', p, p, bytes));
    console.log(line('stamping hash (sha256File, in process)', median(inProcess), p, bytes));
    console.log(line('provenant run --out big.bin -- true', median(endToEnd), p, bytes));
    rmSync(big);
    rmSync(`${big}.prov.json`, { force: true });

    console.log(`\nverifying ${artifacts} stamped artifacts`);
    mkdirSync(path.join(dir, 'out'));
    const names = Array.from({ length: artifacts }, (_, i) => `out/a${i}.jsonl`);
    writeFileSync(path.join(dir, 'write.py'), 'import sys\nfor p in sys.argv[1:]:\n    open(p, "w").write(\'{"i": "%s"}\\n\' % p * 20)\n');
    const list = path.join(dir, 'outs.txt');
    writeFileSync(list, names.join('\n'));
    timedCommand(process.execPath, [bin, 'run', ...names.flatMap((n) => ['--out', n]), '--', 'python3', 'write.py', ...names], dir);
    const first = timedCommand(process.execPath, [bin, 'verify', ...names], dir);
    const fast: number[] = [];
    const full: number[] = [];
    const sums: number[] = [];
    for (let i = 0; i < rounds; i++) {
      sums.push(timedCommand('sha256sum', names, dir));
      fast.push(timedCommand(process.execPath, [bin, 'verify', ...names], dir));
      full.push(timedCommand(process.execPath, [bin, 'verify', '--full', ...names], dir));
    }
    const s = median(sums);
    console.log(line('sha256sum of the same files (peer)', s, s, null));
    console.log(line('provenant verify, first run after stamping', first, s, null));
    console.log(line('provenant verify, fast path', median(fast), s, null));
    console.log(line('provenant verify --full', median(full), s, null));
    console.log(`\nfast-path verify of ${artifacts}: ${median(fast).toFixed(0)} ms (target < 1000 ms); run hashing at ${((p / median(endToEnd)) * 100).toFixed(0)}% and in-process hashing at ${((p / median(inProcess)) * 100).toFixed(0)}% of sha256sum's throughput (target ≥ 90%)`);
    return 0;
  } finally {
    if (args.flags.has('keep')) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
