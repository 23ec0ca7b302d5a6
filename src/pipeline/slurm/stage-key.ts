/**
 * A SLURM job computes its stage's key on the node, when it starts: the inputs upstream jobs wrote do not
 * exist when the job is submitted, and the key records their digests. The job file names the spec, the
 * stage and whether it is a smoke run; the command comes from the spec, and must still be the one the job was submitted with
 * (a spec edited while the job waited in the queue is refused, not stamped with a key it did not run).
 * A stage submitted because its upstream job was due to run is skipped when that job rewrote its output
 * unchanged: the outputs already carry the key.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

import { errorMessage, UserError } from '../../core/errors.js';
import { sha256Text } from '../../provenance/hash.js';
import { openPlan, stageKey, staleness, type StageKey } from '../plan.js';

/** The job file names no argv (a command may carry a secret): the node takes it from the spec, checked against its digest. */
export const StageJobSchema = z.object({ spec: z.string(), stage: z.string(), smoke: z.boolean(), force: z.boolean().default(false), argvSha256: z.string() });
export type StageJob = z.infer<typeof StageJobSchema>;

/** The key, and whether the outputs already carry it (an upstream job rewrote its output unchanged). */
export async function stageKeyNow(file: string, options: { cwd: string; env: NodeJS.ProcessEnv; warn(m: string): void }): Promise<{ key: StageKey; upToDate: boolean }> {
  let job: StageJob;
  try {
    job = StageJobSchema.parse(JSON.parse(readFileSync(path.resolve(options.cwd, file), 'utf8')));
  } catch (error) {
    throw new UserError(`--stage ${file}: not a pipeline job file (${errorMessage(error)})`, { cause: error });
  }
  const ctx = await openPlan({ cwd: options.cwd, spec: job.spec, smoke: job.smoke, env: options.env, warn: options.warn });
  try {
    const stage = ctx.spec.byId.get(job.stage);
    if (!stage) throw new UserError(`stage ${job.stage} is no longer in ${ctx.spec.file}; nothing was run`);
    const key = stageKey(ctx, stage);
    if (argvDigest(key.argv) !== job.argvSha256) {
      throw new UserError(`stage ${job.stage}: its command in ${ctx.spec.file} changed while the job waited; nothing was run`, { hint: '`provenant pipeline run` submits the stage as the spec says now' });
    }
    return { key, upToDate: !job.force && staleness(ctx, stage, key).length === 0 };
  } finally {
    ctx.digests.flush();
    ctx.close();
  }
}

export function argvDigest(argv: readonly string[]): string {
  return sha256Text(JSON.stringify(argv));
}
