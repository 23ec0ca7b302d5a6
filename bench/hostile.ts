/**
 * Soak of hostile input: seeded random trials against the real CLI, counted, never asserted.
 *
 *   names      `run --out NAME` with random names (long, control characters, `..`, through a symlink
 *              leading outside the project): every trial must stamp inside the project or exit 2
 *   secrets    `run` with secrets of every known shape mixed into argv and the environment: none may
 *              reach the stamp
 *   params     pipeline specs with random `${…}` references and alias bombs: plan exits 0 or 2
 *   nesting    Python files nested 100 to 6,000 deep: audit and registry sync exit 0 or 1
 *   big        one JSONL file of `--big-mib` MiB on a single line (default 600): stamped by streaming
 *
 *   npm run build && node dist/bench/hostile.js                # 200 trials, seed 1, the 600 MiB file
 *   node dist/bench/hostile.js --trials 1000 --seed 7 --big-mib 0
 *
 * Reports trials, ok, clean errors (exit 2), crashes (exit 3, a signal or a timeout), secrets leaked and
 * writes outside the project. Exit 0 whatever the counts; 2 on a bad option.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchError, parseArgs, repoRoot, runBench, seeded } from './common.js';

const BIN = path.join(repoRoot(), 'bin', 'provenant.js');

interface Tally {
  trials: number;
  ok: number;
  clean: number;
  crashes: string[];
  leaks: string[];
  outside: string[];
}

function cli(args: string[], cwd: string, env: Record<string, string> = {}): { code: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000, maxBuffer: 64 << 20, input: '' });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function count(t: Tally, label: string, r: ReturnType<typeof cli>, okCodes: readonly number[]): void {
  t.trials++;
  if (r.code !== null && okCodes.includes(r.code)) t.ok++;
  else if (r.code === 2 && !/internal error/.test(r.stderr)) t.clean++;
  else t.crashes.push(`${label}: exit ${r.code ?? r.signal} ${r.stderr.split('\n').slice(0, 2).join(' | ')}`);
}

function project(base: string, name: string): string {
  const dir = path.join(base, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'provenant.toml'), '');
  spawnSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

const ALPHABET = ['a', 'b', 'Z', '0', '-', '_', '.', ' ', 'é', '名', '/', '..', '\u001b', '\r', '\t', '$', "'", '"', '*'];

function randomName(next: () => number): string {
  const length = 1 + Math.floor(next() ** 2 * 300);
  let name = '';
  while (name.length < length) name += ALPHABET[Math.floor(next() * ALPHABET.length)] ?? 'a';
  return next() < 0.2 ? `ext/${name}` : name;
}

function names(t: Tally, base: string, next: () => number, trials: number): void {
  const root = project(base, 'names');
  const outside = path.join(base, 'outside-names');
  mkdirSync(outside);
  symlinkSync(outside, path.join(root, 'ext'));
  for (let i = 0; i < trials; i++) {
    const name = randomName(next);
    const r = cli(['run', '--out', name, '--', 'sh', '-c', 'mkdir -p "$(dirname "$1")" 2>/dev/null; printf x > "$1" 2>/dev/null; exit 0', 'sh', name], root);
    count(t, `names #${i} ${JSON.stringify(name.slice(0, 40))}`, r, [0]);
    const stray = readdirSync(outside).filter((f) => f.endsWith('.prov.json'));
    if (stray.length) t.outside.push(`names #${i}: ${stray.join(', ')}`);
    for (const f of readdirSync(outside)) rmSync(path.join(outside, f), { recursive: true, force: true });
  }
}

const SECRETS = ['hf_AbCdEfGhIjKlMnOpQrStUv', 'sk-proj-AbCdEfGhIjKlMnOpQrSt12', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'github_pat_11ABCDEFG0123456789_abcdefghij', 'xoxb-1234567890-abcdefghij', 'AKIAIOSFODNN7EXAMPLE', 'glpat-abcdefghijklmnopqrst'];
const FORMS = [(s: string) => ['--token', s], (s: string) => [`--api-key=${s}`], (s: string) => [s], (s: string) => [`https://u:${s}@host/x`], (s: string) => ['-c', `run --password ${s}`], (s: string) => [`--model=${s}`]];

function secrets(t: Tally, base: string, next: () => number, trials: number): void {
  const root = project(base, 'secrets');
  writeFileSync(path.join(root, 'provenant.toml'), '[provenance]\nenv = ["*"]\n');
  for (let i = 0; i < trials; i++) {
    const secret = SECRETS[Math.floor(next() * SECRETS.length)] ?? SECRETS[0]!;
    const form = FORMS[Math.floor(next() * FORMS.length)] ?? FORMS[0]!;
    const envName = ['HF_TOKEN', 'MY_SECRET', 'SOME_VAR', 'DATABASE_URL'][Math.floor(next() * 4)] ?? 'SOME_VAR';
    const out = `o${i}.txt`;
    const r = cli(['run', '--out', out, '--', 'sh', '-c', `echo x > ${out}`, 'sh', ...form(secret)], root, { [envName]: envName === 'DATABASE_URL' ? `postgres://u:${secret}@db/x` : secret });
    count(t, `secrets #${i}`, r, [0]);
    const stamp = path.join(root, `${out}.prov.json`);
    const text = existsSync(stamp) ? readFileSync(stamp, 'utf8') : '';
    if (text.includes(secret) || r.stderr.includes(secret)) t.leaks.push(`secrets #${i}: ${form(secret).join(' ')} with ${envName}`);
  }
}

function params(t: Tally, base: string, next: () => number, trials: number): void {
  const root = project(base, 'params');
  const refs = ['${params.n}', '${params.constructor}', '${params.__proto__}', '${params.toString}', '${params.missing}', '${params.}', '${nope}', '${params.n}${params.n}'];
  for (let i = 0; i < trials; i++) {
    const ref = refs[Math.floor(next() * refs.length)] ?? refs[0]!;
    const depth = Math.floor(next() * 8);
    const bomb = Array.from({ length: depth }, (_, d) => `k${d}: &k${d} [${d === 0 ? '"x"' : Array(9).fill(`*k${d - 1}`).join(',')}]`).join('\n');
    writeFileSync(path.join(root, 'provenant.pipeline.yaml'), `${bomb}\nversion: 1\nstages:\n  - id: a\n    cmd: [echo, "${ref}"]\n    outputs: [out.txt]\n    params: { n: 5 }\n`);
    count(t, `params #${i} ${ref} bomb ${depth}`, cli(['pipeline', 'plan'], root), [0, 1]);
  }
}

function nesting(t: Tally, base: string, next: () => number, trials: number): void {
  const root = project(base, 'nesting');
  const shapes = [(n: number) => `${'('.repeat(n)}1${')'.repeat(n)}`, (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`, (n: number) => `${'f('.repeat(n)}${')'.repeat(n)}`, (n: number) => `${'-'.repeat(n)}1`, (n: number) => `a${'.b'.repeat(n)}`, (n: number) => Array(n).fill('"s"').join(' + ')];
  for (let i = 0; i < trials; i++) {
    const n = 100 + Math.floor(next() * 5900);
    const shape = Math.floor(next() * shapes.length);
    writeFileSync(path.join(root, 'deep.py'), `from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\nx = ${shapes[shape]?.(n) ?? ''}\n`);
    const command = next() < 0.5 ? ['audit'] : ['registry', 'sync'];
    count(t, `nesting #${i} shape ${shape} depth ${n} ${command.join(' ')}`, cli(command, root), [0, 1]);
  }
}

function big(base: string, mib: number): string {
  const root = project(base, 'big');
  const file = path.join(root, 'big.jsonl');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(8 << 20, 'x');
  try {
    writeSync(fd, '{"text": "');
    for (let left = mib << 20; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
    writeSync(fd, '"}\n{"a": 1}\n');
  } finally {
    closeSync(fd);
  }
  const started = performance.now();
  const run = cli(['run', '--out', 'big.jsonl', '--', 'true'], root);
  const ran = (performance.now() - started) / 1000;
  const verifyStarted = performance.now();
  const verify = cli(['verify', '--full', 'big.jsonl'], root);
  const verified = (performance.now() - verifyStarted) / 1000;
  const stamp = existsSync(`${file}.prov.json`) ? (JSON.parse(readFileSync(`${file}.prov.json`, 'utf8')) as { subject: { annotations: { records?: number } }[] }) : null;
  rmSync(file, { force: true });
  return [
    `big: ${mib} MiB on one line: run exit ${run.code ?? run.signal} in ${ran.toFixed(1)} s (records ${stamp?.subject[0]?.annotations.records ?? '-'})`,
    `     ${run.stderr.split('\n').find((l) => /warning/.test(l)) ?? '(no warning)'}`,
    `     verify --full exit ${verify.code ?? verify.signal} in ${verified.toFixed(1)} s: ${verify.stdout.trim().split('\n')[0] ?? ''}`,
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['trials', 'seed', 'big-mib'], ['keep']);
  const trials = Number(args.values.get('trials')?.[0] ?? 200);
  const seed = Number(args.values.get('seed')?.[0] ?? 1);
  const mib = Number(args.values.get('big-mib')?.[0] ?? 600);
  if (![trials, seed, mib].every(Number.isInteger) || trials < 4 || mib < 0) throw new BenchError('--trials (≥ 4), --seed and --big-mib take whole numbers');
  if (!existsSync(BIN)) throw new BenchError(`${BIN}: build first (npm run build)`);
  const base = mkdtempSync(path.join(os.tmpdir(), 'provenant-hostile-'));
  const next = seeded(seed);
  const tally: Tally = { trials: 0, ok: 0, clean: 0, crashes: [], leaks: [], outside: [] };
  try {
    const each = Math.floor(trials / 4);
    for (const [kind, run] of [['names', names], ['secrets', secrets], ['params', params], ['nesting', nesting]] as const) {
      const started = performance.now();
      run(tally, base, next, each);
      process.stderr.write(`${kind}: ${each} trials in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    }
    console.log(`seed ${seed}: ${tally.trials} trials, ${tally.ok} ok, ${tally.clean} clean errors (exit 2), ${tally.crashes.length} crashes, ${tally.leaks.length} secrets leaked, ${tally.outside.length} writes outside the project`);
    for (const line of [...tally.crashes, ...tally.leaks, ...tally.outside].slice(0, 20)) console.log(`  ${line}`);
    if (mib > 0) console.log(big(base, mib));
  } finally {
    if (!args.flags.has('keep')) rmSync(base, { recursive: true, force: true });
    else process.stderr.write(`kept ${base}\n`);
  }
  return 0;
}

runBench(main);
