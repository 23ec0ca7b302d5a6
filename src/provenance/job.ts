/**
 * The batch job a command runs in, from the variables SLURM sets on the compute node: job id, node,
 * partition, allocated GPUs and CPUs. A stamp made inside a job records it, with the stage's GPU hours
 * (wall time × allocated GPUs), so accounting does not need SLURM's accounting daemon.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { isErrno } from '../core/fs.js';
import { errorMessage, UserError } from '../core/errors.js';
import type { Job } from '../schemas/stamp.js';
import type { Located } from './run.js';

export function jobOf(env: NodeJS.ProcessEnv, startedOn: string, finishedOn: string): Job | null {
  const id = env.SLURM_JOB_ID;
  if (!id) return null;
  const gpus = (env.SLURM_JOB_GPUS ?? env.SLURM_STEP_GPUS ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  const counted = Number(env.SLURM_GPUS_ON_NODE ?? '');
  const gpuCount = gpus.length || (Number.isInteger(counted) ? counted : 0);
  const cpus = Number(env.SLURM_CPUS_ON_NODE ?? '');
  const hours = Math.max(0, Date.parse(finishedOn) - Date.parse(startedOn)) / 3_600_000;
  return {
    scheduler: 'slurm',
    id,
    node: env.SLURMD_NODENAME ?? null,
    partition: env.SLURM_JOB_PARTITION ?? null,
    gpus,
    cpus: Number.isInteger(cpus) && cpus > 0 ? cpus : null,
    hours: round(hours),
    gpuHours: round(hours * gpuCount),
  };
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** `provenant run --parameters FILE`: a JSON object to record in the stamps' externalParameters. */
export function readParameters(file: string, cwd: string): Record<string, unknown> {
  const abs = path.resolve(cwd, file);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (error) {
    throw new UserError(`--parameters ${file}: ${isErrno(error, 'ENOENT') ? 'no such file' : errorMessage(error)}`, { hint: 'give a JSON file holding one object', cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(`--parameters ${file}: expected a JSON object`);
  const reserved = ['argv', 'cwd'].filter((k) => k in value);
  if (reserved.length) throw new UserError(`--parameters ${file}: ${reserved.join(', ')} are recorded by run itself`);
  return value as Record<string, unknown>;
}

/** The inputs whose verdict is not among `allowed`, as refusals (what a pipeline stage checks before it runs). */
export async function inputRefusals(cwd: string, inputs: readonly Located[], allowed: readonly string[], env: NodeJS.ProcessEnv, warn: (m: string) => void): Promise<string[]> {
  if (!inputs.length) return [];
  const { verifyPaths } = await import('./verify.js');
  const report = await verifyPaths({ cwd, paths: inputs.map((i) => i.abs), env, warn });
  return report.results.filter((r) => !allowed.includes(r.verdict)).map((r) => `input ${r.path} is ${r.verdict}: ${r.reasons[0] ?? ''}`);
}
