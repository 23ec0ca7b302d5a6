/**
 * The composite action, run here without GitHub: each `run:` step of action.yml in bash with the
 * step's `env:` (inputs substituted), `npx` standing in for the registry by running the built
 * bin/provenant.js, and `uses:` steps recorded instead of run.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN, REPO } from '../helpers/exec.js';

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Step[] };
}

const ACTION = parse(readFileSync(path.join(REPO, '.github/actions/provenant-audit/action.yml'), 'utf8')) as Action;
const WORKFLOW = readFileSync(path.join(REPO, '.github/workflows/ci.yml'), 'utf8');

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tmpDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-action-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Evaluates the few expressions action.yml uses: inputs, step outputs, `==` against a string. */
function expr(text: string, inputs: Record<string, string>, outputs: Record<string, Record<string, string>>): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, e: string) => evaluate(e, inputs, outputs));
}
function evaluate(e: string, inputs: Record<string, string>, outputs: Record<string, Record<string, string>>): string {
  const eq = /^(.*?)\s*==\s*'(.*)'$/.exec(e);
  if (eq) return String(evaluate(eq[1] ?? '', inputs, outputs) === eq[2]);
  const input = /^inputs\.([\w-]+)$/.exec(e);
  if (input) return inputs[input[1] ?? ''] ?? '';
  const out = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(e);
  if (out) return outputs[out[1] ?? '']?.[out[2] ?? ''] ?? '';
  throw new Error(`expression not handled by this test: ${e}`);
}

interface ActionRun {
  code: number;
  log: string;
  uploads: Record<string, string>[];
  npxCalls: string[];
}

function runAction(workspace: string, given: Record<string, string>): ActionRun {
  const inputs = Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, given[k] ?? v.default ?? '']));
  const tools = tmpDir();
  const npxLog = path.join(tools, 'npx.log');
  // npx --yes provenant@<version> …  →  node bin/provenant.js …
  writeFileSync(
    path.join(tools, 'npx'),
    `#!/bin/sh\n[ "$1" = --yes ] || exit 90\nshift\necho "$*" >> ${JSON.stringify(npxLog)}\nshift\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`,
  );
  chmodSync(path.join(tools, 'npx'), 0o755);
  const outputs: Record<string, Record<string, string>> = {};
  const uploads: Record<string, string>[] = [];
  let log = '';
  for (const step of ACTION.runs.steps) {
    if (step.if && expr(`\${{ ${step.if} }}`, inputs, outputs) !== 'true') continue;
    if (step.uses) {
      const withs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, expr(String(v), inputs, outputs)]));
      if (step.uses.startsWith('github/codeql-action/upload-sarif')) uploads.push(withs);
      continue;
    }
    expect(step.shell).toBe('bash');
    expect(step.run, 'inputs reach run scripts through env, never spliced in').not.toMatch(/\$\{\{/);
    const outFile = path.join(tools, `output-${step.id ?? 'step'}`);
    writeFileSync(outFile, '');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${tools}${path.delimiter}${process.env.PATH ?? ''}`,
      NO_COLOR: '1',
      GITHUB_OUTPUT: outFile,
      RUNNER_TEMP: tools,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expr(String(v), inputs, outputs)])),
    };
    // GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run ?? ''], { cwd: workspace, env, encoding: 'utf8' });
    log += r.stdout + r.stderr;
    if (step.id) {
      outputs[step.id] = Object.fromEntries(
        readFileSync(outFile, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    }
    if (r.status !== 0) return { code: r.status ?? -1, log, uploads, npxCalls: readLines(npxLog) };
  }
  return { code: 0, log, uploads, npxCalls: readLines(npxLog) };
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function example(): string {
  const dir = tmpDir();
  cpSync(path.join(REPO, 'examples', 'stage1-lab'), dir, { recursive: true });
  return dir;
}

describe('provenant-audit composite action', () => {
  it('declares the inputs users set', () => {
    expect(ACTION.runs.using).toBe('composite');
    expect(Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, v.default]))).toEqual({
      paths: '.',
      version: 'latest',
      'fail-on': 'error',
      'upload-sarif': 'true',
      'sarif-category': 'provenant',
      args: '',
    });
  });

  it('writes SARIF, uploads it, and fails the job on findings with annotations', () => {
    const r = runAction(example(), { version: '0.1.0' });
    expect(r.code).toBe(1);
    expect(r.npxCalls).toEqual([
      'provenant@0.1.0 audit . --format sarif --exit-zero',
      'provenant@0.1.0 audit . --format github --fail-on error',
    ]);
    expect(r.uploads).toHaveLength(1);
    const upload = r.uploads[0] ?? {};
    expect(upload.category).toBe('provenant');
    const sarif = JSON.parse(readFileSync(upload.sarif_file ?? '', 'utf8')) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.results.length).toBeGreaterThan(0);
    expect(r.log).toMatch(/^::error file=/m);
  });

  it('passes paths and args through word by word, and can skip the upload', () => {
    const r = runAction(example(), { paths: 'scripts  Makefile', args: '--select SCRIPT --ignore SCRIPT002', 'upload-sarif': 'false' });
    expect(r.uploads).toEqual([]);
    expect(r.npxCalls).toEqual([
      'provenant@latest audit scripts Makefile --format sarif --exit-zero --select SCRIPT --ignore SCRIPT002',
      'provenant@latest audit scripts Makefile --format github --fail-on error --select SCRIPT --ignore SCRIPT002',
    ]);
    expect(r.code).toBe(1);
    expect(r.log).toContain('SCRIPT001');
    expect(r.log).not.toContain('SCRIPT002');
  });

  it('a clean repository passes', () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'provenant.toml'), '');
    writeFileSync(path.join(dir, 'ok.py'), 'print("hello")\n');
    const r = runAction(dir, { 'upload-sarif': 'false' });
    expect(r.code, r.log).toBe(0);
  });
});

describe('ci.yml', () => {
  it('dogfoods SARIF and annotations on the example', () => {
    expect(WORKFLOW).toContain('node bin/provenant.js audit examples/stage1-lab --format sarif --exit-zero > provenant.sarif');
    expect(WORKFLOW).toContain('github/codeql-action/upload-sarif@v3');
    expect(WORKFLOW).toContain('category: provenant-example');
    expect(WORKFLOW).toContain('security-events: write');
    expect(WORKFLOW).toMatch(/--format github \|\| test \$\? -eq 1/);
  });
});
