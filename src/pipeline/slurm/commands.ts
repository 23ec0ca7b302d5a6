/**
 * The SLURM commands provenant calls (sbatch, squeue, scontrol, scancel), run without a shell on the
 * PATH of the caller's environment. A missing command is the user's setup, not a crash: the message says
 * which stage wanted SLURM and where provenant has to run for it to work.
 */
import { spawnSync } from 'node:child_process';

import { UserError } from '../../core/errors.js';

export interface SlurmOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export type SlurmProgram = 'sbatch' | 'squeue' | 'sacct' | 'scontrol' | 'scancel';

/** `why` names what needs SLURM, e.g. "stage train (executor: slurm)". */
export function slurm(program: SlurmProgram, args: string[], env: NodeJS.ProcessEnv, why: string): SlurmOutput {
  const r = spawnSync(program, args, { encoding: 'utf8', env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`${program}: not found on PATH, and ${why} runs on SLURM`, {
        hint: 'run provenant where jobs are submitted (a login node of the cluster, or after `module load slurm`), or set executor: local',
        cause: r.error,
      });
    }
    throw new UserError(`${program} could not run for ${why}: ${r.error.message}`, { cause: r.error });
  }
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** The first meaningful line of SLURM's complaint (`sbatch: error: …` without the prefix). */
export function slurmError(out: SlurmOutput): string {
  const lines = `${out.stderr}\n${out.stdout}`.split('\n').map((l) => l.replace(/^(sbatch|squeue|sacct|scontrol|scancel): error: /, '').trim()).filter(Boolean);
  return lines.find((l) => /allocation failure|invalid|error|not/i.test(l)) ?? lines[0] ?? `exit ${out.code}`;
}
