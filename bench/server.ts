/**
 * Editor latency: how long after a change notification `provenant server` publishes the diagnostics of an
 * edited 500-line Python file in a repository of 5,000 Python files, next to a fresh `provenant audit FILE`
 * process on the same file, measured in the same run.
 *
 *   npm run bench:server
 *   node dist/bench/server.js --runs 50 --files 20000 --json
 *   node dist/bench/server.js --keep            # leave the generated repository for a look
 *
 * The repository is the pre-commit bench's (bench/lab-repo.ts, a fixed seed); one training script in it is
 * grown to 500 lines. After one full `provenant audit` (the warm cache an editor's project has), the server
 * is started over stdio with a real LSP client (vscode-jsonrpc), the script is opened and edited twice
 * (warm-up). Each measured run then sends one full-text change with a new learning rate (new bytes, the
 * same findings) and times from sending `textDocument/didChange` to the `publishDiagnostics` for that
 * version: the server's debounce (its default) and the audit. Runs alternate with a fresh
 * `node bin/provenant.js audit FILE` on the same script saved with another edit, timed from spawn to exit.
 * Figures are printed, never asserted; the exit code is 0 unless something failed to run.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BenchError, median, parseArgs, repoRoot, runBench, seeded, timedCommand, waitForIdle } from './common.js';
import { generateRepo, helperFunction, STAGED, transformersScript } from './lab-repo.js';
import { LspClient } from './lsp-client.js';

const USAGE = `usage: node dist/bench/server.js [--runs N] [--files N] [--lines N] [--keep] [--wait-idle] [--json]

  --runs N      measured edits (default 20), and as many provenant audit FILE processes
  --files N     Python files in the generated repository (default 5000)
  --lines N     lines of the edited file (default 500)
  --keep        keep the generated repository and print its path
  --wait-idle   before each measured run, wait for a 90 % idle CPU (Linux, for shared machines)
  --json        print the figures as JSON`;

/**
 * The edited script at `lines` lines: a training script on a base model (a chat template applied to it, a
 * manual load: findings on every edit) with helper functions after it; `variant` changes one number.
 */
function editedScript(variant: number, lines: number): string {
  let text = transformersScript(seeded(3), 3, variant).replace(/^MODEL = .*$/m, 'MODEL = "Qwen/Qwen2.5-7B"');
  const r = seeded(11);
  while (text.split('\n').length < lines) text += `\n\n${helperFunction(r)}`;
  return `${text.split('\n').slice(0, lines - 1).join('\n')}\n`;
}

const ms = (value: number): number => Math.round(value * 10) / 10;
const stats = (values: readonly number[]) => ({ medianMs: ms(median(values)), minMs: ms(Math.min(...values)), maxMs: ms(Math.max(...values)) });

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['runs', 'files', 'lines'], ['keep', 'wait-idle', 'json', 'help']);
  const [extra] = args.positional;
  if (extra !== undefined) throw new BenchError(`unexpected argument ${extra}\n${USAGE}`);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const integer = (name: string, fallback: number, least: number): number => {
    const value = Number(args.values.get(name)?.at(-1) ?? fallback);
    if (!Number.isInteger(value) || value < least) throw new BenchError(`--${name} needs an integer of at least ${least}`);
    return value;
  };
  const runs = integer('runs', 20, 1);
  const fileCount = integer('files', 5000, 200);
  const lines = integer('lines', 500, 50);
  const waitIdle = args.flags.has('wait-idle');
  const bin = path.join(repoRoot(), 'bin', 'provenant.js');

  const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-server-')));
  let client: LspClient | null = null;
  try {
    process.stderr.write(`generating ${fileCount.toLocaleString('en-US')} Python files in ${base}/repo …\n`);
    const repo = generateRepo(base, fileCount, false);
    const file = path.join(repo.root, STAGED);
    const uri = pathToFileURL(file).href;
    writeFileSync(file, editedScript(0, lines));
    const env = { PROVENANT_COMPILE_CACHE: path.join(base, 'v8cache') };

    process.stderr.write('warm-up: provenant audit (the whole repository), then the server opens and edits the script …\n');
    const fullMs = timedCommand(process.execPath, [bin, 'audit'], repo.root, [0, 1]);
    client = LspClient.start(bin, repo.root, env);
    const started = performance.now();
    await client.initialize(pathToFileURL(repo.root).href);
    await client.open(uri, 'python', editedScript(0, lines));
    const first = await client.waitForDiagnostics(uri, () => true, 120_000);
    const firstMs = first.at - started;
    for (let i = 1; i <= 2; i++) {
      const version = await client.change(uri, editedScript(1000 + i, lines));
      await client.waitForDiagnostics(uri, (p) => p.version === version, 120_000);
    }

    const serverMs: number[] = [];
    const cliMs: number[] = [];
    let diagnostics = first.diagnostics;
    for (let i = 1; i <= runs; i++) {
      if (waitIdle) await waitForIdle();
      const sent = performance.now();
      const version = await client.change(uri, editedScript(2 * i - 1, lines));
      const published = await client.waitForDiagnostics(uri, (p) => p.version === version, 120_000);
      serverMs.push(published.at - sent);
      diagnostics = published.diagnostics;
      writeFileSync(file, editedScript(2 * i, lines));
      if (waitIdle) await waitForIdle();
      cliMs.push(timedCommand(process.execPath, [bin, 'audit', STAGED], repo.root, [0, 1]));
      process.stderr.write(`  run ${i}/${runs}: server ${serverMs.at(-1)?.toFixed(0)} ms; provenant audit FILE ${cliMs.at(-1)?.toFixed(0)} ms\n`);
    }
    const exit = await client.shutdown();
    client = null;

    const codes = [...new Set(diagnostics.map((d) => String(d.code)))].sort();
    const result = {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      repo: { files: repo.files, MB: ms(repo.bytes / 1e6) },
      edited: { path: STAGED, lines, diagnostics: diagnostics.length, codes },
      runs,
      server: stats(serverMs),
      cliAuditFile: stats(cliMs),
      ratio: ms(median(cliMs) / median(serverMs)),
      warmup: { fullAuditMs: ms(fullMs), serverFirstDiagnosticsMs: ms(firstMs) },
      serverExitCode: exit,
      kept: args.flags.has('keep') ? repo.root : null,
    };
    if (args.flags.has('json')) {
      console.log(JSON.stringify(result, null, 2));
      return 0;
    }
    console.log(
      [
        `provenant server: diagnostics of an edited ${lines}-line file (${STAGED}) in a repository of ${repo.files.toLocaleString('en-US')} Python files (${result.repo.MB} MB), warm cache`,
        `  change notification → publishDiagnostics, ${runs} runs: median ${result.server.medianMs.toFixed(0)} ms, min ${result.server.minMs.toFixed(0)} ms, max ${result.server.maxMs.toFixed(0)} ms`,
        `  provenant audit FILE (fresh process, spawn → exit), alternating: median ${result.cliAuditFile.medianMs.toFixed(0)} ms, min ${result.cliAuditFile.minMs.toFixed(0)} ms, max ${result.cliAuditFile.maxMs.toFixed(0)} ms`,
        `  ratio (audit FILE ÷ server): ${result.ratio.toFixed(1)}×`,
        `  each edit: ${diagnostics.length} diagnostics (${codes.join(', ')})`,
        `  warm-up: full audit ${(fullMs / 1000).toFixed(2)} s; server start → first diagnostics ${firstMs.toFixed(0)} ms; server exit code ${exit}`,
        `Wall time on ${process.version}, ${result.platform}, ${result.cpus} CPUs; the server's figure includes its debounce (default).`,
        ...(result.kept ? [`kept: ${result.kept}`] : []),
      ].join('\n'),
    );
    return 0;
  } finally {
    client?.kill();
    if (!args.flags.has('keep')) rmSync(base, { recursive: true, force: true });
  }
}

runBench(main);
