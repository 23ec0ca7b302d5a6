/**
 * How long does a cold audit of a 20 MB notebook whose size is image outputs take next to its code cells
 * saved as a `.py`? Both files are generated; each is audited `--runs` times with `--no-cache`, and the
 * medians of the wall time and of the audit's own time (`stats.seconds`) are compared.
 *
 *   npm run build && node dist/bench/notebook.js [--runs 5] [--mb 20]
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BenchError, MB, median, parseArgs, repoRoot, runBench } from './common.js';

const CELL = (i: number): string[] => [
  `tok_${i} = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B-Instruct")\n`,
  `messages_${i} = [{"role": "user", "content": "question ${i}"}]\n`,
  `text_${i} = tok_${i}.apply_chat_template(messages_${i}, tokenize=False, add_generation_prompt=True)\n`,
  `ids_${i} = tok_${i}(text_${i}, add_special_tokens=False)\n`,
  `fig, ax = plt.subplots()\n`,
  `ax.plot(range(${i}), [len(x) for x in ids_${i}["input_ids"]][:${i}])\n`,
  `plt.show()`,
];

function generate(dir: string, mb: number): { notebook: string; script: string; codeCells: number } {
  const codeCells = 40;
  const imageBytes = Math.ceil((mb * MB) / codeCells);
  const cells = [
    { cell_type: 'code', execution_count: 1, id: 'c0', metadata: {}, outputs: [], source: ['import matplotlib.pyplot as plt\n', 'from transformers import AutoTokenizer'] },
    ...Array.from({ length: codeCells }, (_, i) => ({
      cell_type: 'code',
      execution_count: i + 2,
      id: `c${i + 1}`,
      metadata: {},
      outputs: [{ data: { 'image/png': 'iVBORw0KGgo'.padEnd(imageBytes, 'A'), 'text/plain': ['<Figure>'] }, metadata: {}, output_type: 'display_data' }],
      source: CELL(i),
    })),
  ];
  const notebook = path.join(dir, 'plots.ipynb');
  writeFileSync(notebook, JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }, null, 1) + '\n');
  const script = path.join(dir, 'plots.py');
  writeFileSync(script, cells.map((c) => c.source.join('') + '\n').join(''));
  return { notebook, script, codeCells };
}

/** Wall and audit-reported seconds of one cold audit of one file. */
function auditOnce(file: string, cwd: string): { wall: number; own: number } {
  const bin = path.join(repoRoot(), 'bin', 'provenant.js');
  const start = performance.now();
  const r = spawnSync(process.execPath, [bin, 'audit', path.basename(file), '--no-cache', '--format', 'json'], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - start) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new BenchError(`provenant audit ${path.basename(file)}: exit ${r.status}: ${r.stderr.slice(0, 400)}`);
  const report = JSON.parse(r.stdout) as { stats: { seconds: number; filesAnalysed: number }; skipped: unknown[] };
  if (report.stats.filesAnalysed !== 1) throw new BenchError(`${path.basename(file)} was not analysed: ${JSON.stringify(report.skipped)}`);
  return { wall, own: report.stats.seconds };
}

runBench(async (argv) => {
  const args = parseArgs(argv, ['runs', 'mb'], []);
  const runs = Number(args.values.get('runs')?.[0] ?? 5);
  const mb = Number(args.values.get('mb')?.[0] ?? 20);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-notebook-'));
  try {
    writeFileSync(path.join(dir, 'provenant.toml'), '');
    const { notebook, script, codeCells } = generate(dir, mb);
    const sides = { notebook: [] as { wall: number; own: number }[], script: [] as { wall: number; own: number }[] };
    for (let i = 0; i < runs; i++) {
      sides.notebook.push(auditOnce(notebook, dir));
      sides.script.push(auditOnce(script, dir));
      process.stderr.write(`run ${i + 1}/${runs}\n`);
    }
    const m = (xs: { wall: number; own: number }[], k: 'wall' | 'own'): number => median(xs.map((x) => x[k]));
    const row = (name: string, file: string, xs: { wall: number; own: number }[]): string =>
      `${name.padEnd(10)} ${(statSync(file).size / MB).toFixed(1).padStart(7)} MB  wall ${m(xs, 'wall').toFixed(3)} s  audit ${m(xs, 'own').toFixed(3)} s`;
    console.log(`${1 + codeCells} code cells, image outputs; median of ${runs} cold runs`);
    console.log(row('notebook', notebook, sides.notebook));
    console.log(row('.py', script, sides.script));
    console.log(`ratio notebook / .py: wall ${(m(sides.notebook, 'wall') / m(sides.script, 'wall')).toFixed(2)}×, audit ${(m(sides.notebook, 'own') / m(sides.script, 'own')).toFixed(2)}×`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
