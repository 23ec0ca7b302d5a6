/**
 * Speed of `provenant tui` on a generated registry of 10,000 scripts (docstrings, argparse, functions;
 * some deprecated with a replacement, some canonical, through the annotations file), each figure next
 * to a peer measured in the same run:
 *
 *   first screen, in process   openBrowse (freshness check included) + the first ink frame (80×24)
 *   first screen, the binary   `provenant tui` under a pseudo-terminal (`script`), spawn to header drawn
 *                              vs `node -e 0` and `provenant registry search WORD --no-refresh`
 *   keystroke in the filter    key written to ink's stdin until the next frame is written (unthrottled
 *                              ink, as ink-testing-library runs it), and the reducer alone
 *
 *   npm run build && node dist/bench/tui.js [--scripts 10000] [--runs 7] [--keep] [--json]
 *
 * Times are reported, never asserted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { syncRegistry } from '../src/index.js';
import { BenchError, median, parseArgs, runBench } from './common.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/provenant.js');
const TOPICS = ['sft data', 'preference pairs', 'reward scores', 'evaluation', 'hard negatives', 'tokenizer checks', 'dpo training', 'deduplication'];
const QUERY = 'reward scores 42';

function script(i: number): string {
  const topic = TOPICS[i % TOPICS.length] ?? 'data';
  return `"""Step ${i}: build ${topic} for experiment ${i % 97}."""
import argparse


def score_rows_${i}(rows, threshold=0.5):
    """Keep rows whose ${topic} score passes the threshold."""
    return [r for r in rows if r["score"] > threshold]


def main():
    p = argparse.ArgumentParser(description="${topic} step ${i}")
    p.add_argument("--input", default="data/step_${i % 50}.jsonl", help="instructions to score")
    p.add_argument("--out", default="artifacts/step_${i}.jsonl", help="where the kept rows go")
    args = p.parse_args()


if __name__ == "__main__":
    main()
`;
}

const name = (i: number): string => `steps/s${String(i).padStart(5, '0')}.py`;

function generate(root: string, scripts: number): void {
  const git = (args: string[]): void => {
    const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@x.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@x.invalid' };
    const r = spawnSync('git', args, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new BenchError(`git ${args.join(' ')}: ${r.stderr}`);
  };
  mkdirSync(path.join(root, 'steps'), { recursive: true });
  writeFileSync(path.join(root, 'provenant.toml'), '');
  const notes = ['version: 1', 'files:'];
  for (let i = 0; i < scripts; i++) {
    writeFileSync(path.join(root, name(i)), script(i));
    if (i % 50 === 49) notes.push(`  ${name(i)}:`, '    status: deprecated', `    replaced_by: ${name(i - 1)}`, '    reason: superseded');
    else if (i % 200 === 0) notes.push(`  ${name(i)}:`, '    status: canonical', `    canonical_for: [step ${i}]`);
  }
  writeFileSync(path.join(root, 'provenant-registry.yaml'), `${notes.join('\n')}\n`);
  git(['init', '-q', '-b', 'main']);
  git(['add', '-A']);
  git(['commit', '-q', '--no-verify', '-m', 'steps']);
}

async function timed<T>(run: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

/** `provenant tui` under a pseudo-terminal: ms from spawn until the header is on the screen. */
function binaryFirstScreen(root: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.CI;
    delete env.CONTINUOUS_INTEGRATION;
    const start = performance.now();
    const child = spawn('script', ['-qfec', `stty cols 80 rows 24; '${process.execPath}' '${BIN}' tui`, '/dev/null'], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let drawn = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (!drawn && out.includes('documented (')) {
        drawn = performance.now() - start;
        child.stdin.write('q');
      }
    });
    child.on('error', reject);
    child.on('exit', () => (drawn ? resolve(drawn) : reject(new BenchError(`the browser never drew its header:\n${out.slice(-2000)}`))));
  });
}

function wallMs(command: string, args: string[], cwd: string): number {
  const start = performance.now();
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new BenchError(`${command} ${args.join(' ')}: ${r.stderr}`);
  return performance.now() - start;
}

const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const pct = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;

async function main(argv: string[]): Promise<number> {
  const { values, flags } = parseArgs(argv, ['scripts', 'runs'], ['keep', 'json']);
  const scripts = Number(values.get('scripts')?.[0] ?? 10_000);
  const runs = Number(values.get('runs')?.[0] ?? 7);
  if (!Number.isInteger(scripts) || scripts < 50) throw new BenchError('--scripts: a whole number of at least 50');
  const root = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-tui-'));
  try {
    generate(root, scripts);
    const sync = await timed(() => syncRegistry({ cwd: root }));
    console.error(`bench: ${sync.value.entries.length} entries synced in ${fmt(sync.ms)} (${root})`);
    // as `provenant tui` runs React (see src/ui/browser/run.ts)
    process.env.NODE_ENV ??= 'production';
    const [{ render }, { createElement }, { App }, { openBrowse }, { initialState, reduce }] = await Promise.all([
      import('ink-testing-library'),
      import('react'),
      import('../src/ui/browser/App.js'),
      import('../src/ui/browser/data.js'),
      import('../src/ui/browser/state.js'),
    ]);
    const size = { columns: 80, rows: 24 };

    const open: number[] = [];
    const first: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const session = await openBrowse({ cwd: root });
      open.push(performance.now() - start);
      const r = render(createElement(App, { source: session, color: false, size }));
      if (!r.lastFrame()?.includes(`${scripts} files`)) throw new BenchError(`unexpected first frame:\n${r.lastFrame()}`);
      first.push(performance.now() - start);
      r.unmount();
      session.close();
    }

    const session = await openBrowse({ cwd: root });
    const r = render(createElement(App, { source: session, color: false, size }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const keys = ['/', ...QUERY, ...Array.from({ length: QUERY.length }, () => '\u007f')];
    const keystroke: number[] = [];
    for (const key of keys) {
      const before = r.frames.length;
      const start = performance.now();
      r.stdin.write(key);
      while (r.frames.length === before) await new Promise((resolve) => setImmediate(resolve));
      keystroke.push(performance.now() - start);
    }
    r.unmount();
    session.close();
    const reducer: number[] = [];
    let state = initialState(session.rows, size);
    for (const key of keys) {
      const start = performance.now();
      state = reduce(state, { type: 'key', input: key === '\u007f' ? '' : key, key: key === '\u007f' ? { backspace: true } : {} });
      reducer.push(performance.now() - start);
    }

    const binary: number[] = [];
    const nodeStart: number[] = [];
    const search: number[] = [];
    const hasScript = spawnSync('script', ['--version']).status === 0;
    for (let i = 0; i < runs; i++) {
      if (hasScript) binary.push(await binaryFirstScreen(root));
      nodeStart.push(wallMs(process.execPath, ['-e', '0'], root));
      search.push(wallMs(process.execPath, [BIN, 'registry', 'search', 'reward', '--no-refresh'], root));
    }
    const figures = {
      entries: session.rows.length,
      firstScreenInProcessMedianMs: Math.round(median(first) * 10) / 10,
      openBrowseMedianMs: Math.round(median(open) * 10) / 10,
      firstScreenBinaryMedianMs: hasScript ? Math.round(median(binary)) : null,
      nodeStartMedianMs: Math.round(median(nodeStart)),
      registrySearchCliMedianMs: Math.round(median(search)),
      keystrokeMedianMs: Math.round(median(keystroke) * 100) / 100,
      keystrokeP95Ms: Math.round(pct(keystroke, 0.95) * 100) / 100,
      keystrokeMaxMs: Math.round(Math.max(...keystroke) * 100) / 100,
      reducerMedianMs: Math.round(median(reducer) * 100) / 100,
      reducerMaxMs: Math.round(Math.max(...reducer) * 100) / 100,
    };
    if (flags.has('json')) {
      console.log(JSON.stringify(figures, null, 2));
      return 0;
    }
    console.log(`tui bench: ${figures.entries} registered scripts, ${runs} runs, 80×24, filter "${QUERY}" typed and erased (${keys.length} keys)`);
    console.log(`  first screen, in process  ${fmt(median(first)).padStart(9)}  median (openBrowse ${fmt(median(open))})   peer: node -e 0 ${fmt(median(nodeStart))} (×${(median(first) / median(nodeStart)).toFixed(2)})`);
    if (hasScript) {
      console.log(`  first screen, the binary  ${fmt(median(binary)).padStart(9)}  median, spawn to header   peer: provenant registry search --no-refresh ${fmt(median(search))} (×${(median(binary) / median(search)).toFixed(2)}), node -e 0 (×${(median(binary) / median(nodeStart)).toFixed(2)})`);
    } else console.log('  first screen, the binary  skipped: `script` (util-linux) is not on PATH');
    console.log(`  keystroke → frame         ${fmt(median(keystroke)).padStart(9)}  median, p95 ${fmt(pct(keystroke, 0.95))}, max ${fmt(Math.max(...keystroke))}   reducer alone: median ${fmt(median(reducer))}, max ${fmt(Math.max(...reducer))}`);
    return 0;
  } finally {
    if (flags.has('keep')) console.error(`bench: kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

runBench(main);
