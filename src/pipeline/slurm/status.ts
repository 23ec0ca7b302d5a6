/**
 * `provenant pipeline status`: the jobs of the latest submission as SLURM and the stamps see them —
 * queued (and why SLURM holds it), running (elapsed time, the tail of its log), done, failed (exit code,
 * signal, time limit, out of memory, a node that cannot see the project), cancelled, or never started
 * because what it waited for did not succeed — and for a gate job the gate's own message. One squeue call
 * answers for every job, so a long pipeline answers as fast as a short one.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

import { loadConfig } from '../../config/config.js';
import { UserError } from '../../core/errors.js';
import type { LoadedSpec } from '../spec.js';
import { readStampFile, sidecarPath } from '../../provenance/stamp-file.js';
import type { Config } from '../../schemas/config.js';
import { readGateResult } from './gate-result.js';
import { describeEnd, isActive, queryJobs } from './jobs.js';
import { readSubmission, type SubmittedJob } from './state.js';

export type JobView = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'blocked';

export interface StatusRow {
  stage: string;
  kind: SubmittedJob['kind'];
  jobId: string;
  state: JobView;
  /** SLURM's own state name. */
  slurmState: string;
  message: string;
  elapsed: string | null;
  node: string | null;
  /** Last lines of the job's log (running and failed jobs). */
  tail: string[];
  /** For a stage job that ended well: whether every output has a stamp of the stage (from this job, or earlier when it found them up to date). */
  stamped: boolean | null;
}

export interface PipelineStatus {
  submission: string | null;
  spec: string | null;
  submittedAt: string | null;
  /** The spec could not be read (the jobs are shown without its limits and gate decisions). */
  specProblem: string | null;
  rows: StatusRow[];
  ok: boolean;
}

export interface StatusOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Lines of log shown for running and failed jobs. */
  tail?: number;
}

export async function pipelineStatus(options: StatusOptions): Promise<PipelineStatus> {
  const { root, config } = await loadConfig({ cwd: options.cwd });
  const submission = readSubmission(root);
  if (!submission) return { submission: null, spec: null, submittedAt: null, specProblem: null, rows: [], ok: true };
  const states = queryJobs(submission.jobs, options.env, 'the submitted pipeline');
  // the spec words the ends (limits, gate decisions): not read while every job is still in flight
  const ended = submission.jobs.some((j) => { const s = states.get(j.jobId); return !s || !isActive(s); });
  let spec: LoadedSpec | null = null;
  let specProblem: string | null = null;
  try {
    spec = ended ? await (await import('../spec.js')).loadSpec(root, submission.spec) : null;
  } catch (error) {
    // the jobs are still worth showing when the spec was broken since the submission
    if (!(error instanceof UserError)) throw error;
    specProblem = error.message;
  }
  const rows = submission.jobs.map((job): StatusRow => {
    const s = states.get(job.jobId) ?? { state: 'UNKNOWN', reason: null, elapsed: null, exitCode: null, signal: null, node: null, source: 'unknown' as const };
    const base = { stage: job.stage, kind: job.kind, jobId: job.jobId, slurmState: s.state, elapsed: s.elapsed, node: s.node, stamped: null };
    const lines = options.tail ?? 5;
    if (isActive(s)) {
      if (s.state === 'PENDING') return { ...base, state: 'queued', message: `queued${s.reason ? ` (${s.reason})` : ''}`, tail: [] };
      return { ...base, state: 'running', message: `running${s.elapsed ? ` for ${s.elapsed}` : ''}${s.node ? ` on ${s.node}` : ''}`, tail: tailOf(job.log, lines) };
    }
    const stage = spec?.byId.get(job.stage);
    const end = describeEnd(job, s, stage?.slurm ?? {});
    if (job.kind === 'gate' && end.end === 'failed') {
      const result = readGateResult(job.result);
      const failed = result?.outcomes.find((o) => !o.passed);
      if (failed) {
        const decision = stage?.gates.find((g) => g.text === failed.gate)?.decision;
        return { ...base, state: 'failed', message: `gate ${failed.gate} failed: ${failed.message}${decision ? `; blocks the decision: ${decision}` : ''}`, tail: [] };
      }
    }
    const by = job.kind === 'stage' && end.end === 'done' && stage ? stage.outputs.map((o) => stampedBy(root, config, o, job.jobId, stage.id)) : [];
    const stamped = by.length ? by.every((b) => b !== 'no') : null;
    const note = stamped === false ? '; but not every output has a stamp of this stage' : by.includes('earlier') ? '; the outputs already carried this stage key, so it ran nothing' : '';
    const view: JobView = end.end;
    return { ...base, state: view, message: end.message + note, tail: view === 'failed' ? tailOf(job.log, lines) : [], stamped };
  });
  return { submission: submission.id, spec: submission.spec, submittedAt: submission.submittedAt, specProblem, rows, ok: rows.every((r) => r.state === 'done' || r.state === 'queued' || r.state === 'running') && rows.every((r) => r.stamped !== false) };
}

/** Whether the output's stamp comes from this job, from an earlier run of the stage, or neither. */
function stampedBy(root: string, config: Config, out: string, jobId: string, stage: string): 'job' | 'earlier' | 'no' {
  const stamp = readStampFile(sidecarPath(root, out, config.provenance.stampsDir));
  if (stamp.kind !== 'ok') return 'no';
  if (stamp.statement.predicate.provenant.job?.id === jobId) return 'job';
  const recorded = (stamp.statement.predicate.buildDefinition.externalParameters as { pipeline?: { stage?: string } }).pipeline;
  return recorded?.stage === stage ? 'earlier' : 'no';
}

/** The last `n` lines of a log, reading at most its last 64 KiB. */
export function tailOf(file: string, n: number): string[] {
  if (n <= 0 || !existsSync(file)) return [];
  const size = statSync(file).size;
  const length = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return buf.toString('utf8').split('\n').map((l) => l.replace(/\r$/, '').split('\r').pop() ?? '').filter((l) => l.trim()).slice(-n);
}
