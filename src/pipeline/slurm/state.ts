/**
 * What `pipeline run` submitted to SLURM, kept under `.provenant/slurm/`: one folder per submission with
 * the job scripts, each stage's recorded parameters, the job logs, the gate results and the jobs' own exit
 * records; `submission.json` names the jobs of the latest one (written atomically: a temporary file
 * renamed over it, so a reader never sees half a file). A rerun keeps the still-queued jobs of the
 * previous submission in the new record, so `pipeline status` follows everything in flight.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

import { errorMessage, UserError } from '../../core/errors.js';
import { writeAtomic } from '../../core/fs.js';

export const SubmittedJobSchema = z.object({
  stage: z.string(),
  kind: z.enum(['stage', 'gate']),
  jobId: z.string(),
  /** Absolute, as SLURM writes it. */
  log: z.string(),
  /** The job's exit record (written by the job script when the stage command ends). */
  exitRecord: z.string(),
  /** For a gate job: the gate result file. */
  result: z.string().nullable(),
  submittedAt: z.string(),
  /** Job ids this one waits for (afterok). */
  after: z.array(z.string()),
  gpus: z.number(),
});
export type SubmittedJob = z.infer<typeof SubmittedJobSchema>;

export const SubmissionSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  spec: z.string(),
  root: z.string(),
  submittedAt: z.string(),
  jobs: z.array(SubmittedJobSchema),
});
export type Submission = z.infer<typeof SubmissionSchema>;

export function slurmDir(root: string): string {
  return path.join(root, '.provenant', 'slurm');
}

function recordFile(root: string): string {
  return path.join(slurmDir(root), 'submission.json');
}

export function readSubmission(root: string): Submission | null {
  const file = recordFile(root);
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${path.relative(root, file)}: not readable JSON (${errorMessage(error)})`, { hint: 'the SLURM jobs themselves are unaffected: see `squeue --me`; delete the file to start over', cause: error });
  }
  const parsed = SubmissionSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(`${path.relative(root, file)}: not a submission record (${parsed.error.issues[0]?.message ?? 'invalid'})`, { hint: 'delete it to start over; `squeue --me` lists the jobs' });
  return parsed.data;
}

export function writeSubmission(root: string, submission: Submission): void {
  const file = recordFile(root);
  mkdirSync(path.dirname(file), { recursive: true });
  writeAtomic(file, JSON.stringify(submission, null, 2) + '\n');
}
