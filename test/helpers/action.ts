/**
 * Runs a composite action without GitHub: each `run:` step of its action.yml in bash with the step's `env:`
 * (inputs substituted), `npx` standing in for the registry by running the built bin/provenant.js, and `uses:`
 * steps recorded instead of run.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { BIN, REPO } from './exec.js';

export interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
}
export interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Step[] };
}

/** A temp folder removed by `cleanup`. */
export function actionTmpDir(cleanups: (() => void)[]): string {
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

export interface ActionRun {
  code: number;
  log: string;
  uploads: Record<string, string>[];
  npxCalls: string[];
}

export function runAction(action: Action, workspace: string, given: Record<string, string>, cleanups: (() => void)[], extraEnv: NodeJS.ProcessEnv = {}): ActionRun {
  const inputs = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, given[k] ?? v.default ?? '']));
  const tools = actionTmpDir(cleanups);
  const npxLog = path.join(tools, 'npx.log');
  // npx --yes --package=provenant-cli@<version> -- provenant …  →  node bin/provenant.js …, logged as
  // `provenant-cli@<version> …`; any other shape of call (a bare name, no pin) fails the step
  writeFileSync(
    path.join(tools, 'npx'),
    `#!/bin/sh\n[ "$1" = --yes ] || exit 90\ncase "$2" in --package=provenant-cli@[0-9]*) ;; *) exit 91 ;; esac\n[ "$3" = -- ] && [ "$4" = provenant ] || exit 92\npkg="\${2#--package=}"\nshift 4\necho "$pkg $*" >> ${JSON.stringify(npxLog)}\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`,
  );
  chmodSync(path.join(tools, 'npx'), 0o755);
  const outputs: Record<string, Record<string, string>> = {};
  const uploads: Record<string, string>[] = [];
  let log = '';
  for (const step of action.runs.steps) {
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
      // the action's own checkout: this repository (both actions sit three folders below its root)
      GITHUB_ACTION_PATH: path.join(REPO, '.github', 'actions', 'provenant-audit'),
      ...extraEnv,
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

