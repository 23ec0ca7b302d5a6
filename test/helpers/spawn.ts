/** The built CLI as real concurrent processes: several at once, each with its exit code and output. */
import { spawn, type SpawnOptions } from 'node:child_process';

import { BIN } from './exec.js';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function provenantAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, options: Pick<SpawnOptions, 'uid' | 'gid'> = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Starts every command at once and waits for all of them. */
export function together(runs: { args: string[]; env?: NodeJS.ProcessEnv }[], cwd: string): Promise<Finished[]> {
  return Promise.all(runs.map((r) => provenantAsync(r.args, cwd, r.env ?? {})));
}
