/**
 * The cluster's own answer before anyone waits in a queue: every SLURM stage's options go through
 * `sbatch --test-only`, which checks the partition, the account, the QOS and whether any node could
 * ever satisfy the GPU, CPU and memory request, and submits nothing. Stages asking for the same options
 * are asked about once.
 */
import type { Stage } from '../spec.js';
import { slurm, slurmError } from './commands.js';
import { sbatchOptions } from './options.js';

export interface Rejection {
  stage: string;
  message: string;
}

export function testOnly(root: string, stages: readonly Stage[], env: NodeJS.ProcessEnv): Rejection[] {
  const answers = new Map<string, string | null>();
  const out: Rejection[] = [];
  for (const stage of stages) {
    if (stage.executor !== 'slurm') continue;
    const opts = sbatchOptions(stage.slurm);
    const key = JSON.stringify(opts);
    if (!answers.has(key)) {
      const r = slurm('sbatch', ['--test-only', `--chdir=${root}`, '--output=/dev/null', ...opts, '--wrap', 'true'], env, `stage ${stage.id} (executor: slurm)`);
      answers.set(key, r.code === 0 ? null : slurmError(r));
    }
    const answer = answers.get(key);
    if (answer) out.push({ stage: stage.id, message: `${answer} (sbatch ${opts.join(' ') || '(no options)'})` });
  }
  return out;
}
