/**
 * Where SLURM says a job is: one `squeue -t all` call for every job (it also reports finished jobs while
 * slurmctld keeps them, MinJobAge), then `sacct` for the ones it has forgotten (it needs the accounting
 * daemon, which many small clusters do not run), then the job's own exit record, written by the job
 * script when the stage command ended. What each end means for the stage — done, failed with an exit
 * code or a signal, out of time, out of memory, cancelled, never launched — is worded here once.
 */
import { existsSync, readFileSync } from 'node:fs';

import { UserError } from '../../core/errors.js';
import { slurm, slurmError } from './commands.js';
import type { SubmittedJob } from './state.js';

export interface JobState {
  /** SLURM's state name: PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY, CANCELLED, … */
  state: string;
  reason: string | null;
  /** Elapsed as SLURM writes it (`1:02:03`). */
  elapsed: string | null;
  exitCode: number | null;
  signal: number | null;
  node: string | null;
  /** Where the state came from. */
  source: 'squeue' | 'sacct' | 'exit-record' | 'unknown';
}

const ACTIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'RESV_DEL_HOLD', 'REQUEUE_HOLD', 'REQUEUE_FED']);

export function isActive(s: JobState): boolean {
  return ACTIVE.has(s.state);
}

export function queryJobs(jobs: readonly SubmittedJob[], env: NodeJS.ProcessEnv, why: string): Map<string, JobState> {
  const out = new Map<string, JobState>();
  if (!jobs.length) return out;
  const ids = jobs.map((j) => j.jobId);
  const q = slurm('squeue', ['-h', '-t', 'all', '-j', ids.join(','), '-O', 'JobID:|,State:|,TimeUsed:|,Reason:|,exit_code:|,NodeList:|'], env, why);
  // an unreachable controller is not a forgotten job: say so rather than guess from exit records
  if (q.code !== 0) throw new UserError(`squeue could not answer for ${why}: ${slurmError(q)}`, { hint: 'is the SLURM controller up (`sinfo`)? nothing was submitted or cancelled' });
  for (const line of q.stdout.split('\n')) {
    const [id, state, elapsed, reason, raw, node] = line.split('|').map((f) => f.trim());
    if (!id || !state) continue;
    const status = Number(raw);
    const known = Number.isInteger(status) && raw !== '';
    out.set(id, {
      state,
      reason: reason && reason !== 'None' ? reason : null,
      elapsed: elapsed || null,
      exitCode: known ? status >> 8 : null,
      signal: known && status & 0x7f ? status & 0x7f : null,
      node: node || null,
      source: 'squeue',
    });
  }
  const missing = jobs.filter((j) => !out.has(j.jobId));
  if (missing.length) {
    const acct = slurm('sacct', ['-n', '-P', '-X', '-j', missing.map((j) => j.jobId).join(','), '-o', 'JobID,State,Elapsed,ExitCode,NodeList'], env, why);
    if (acct.code === 0) {
      for (const line of acct.stdout.split('\n')) {
        const [id, state, elapsed, exit, node] = line.split('|');
        if (!id || !state) continue;
        const [code, sig] = (exit ?? '').split(':').map(Number);
        out.set(id, { state: state.split(' ')[0] ?? state, reason: null, elapsed: elapsed ?? null, exitCode: code ?? null, signal: sig ? sig : null, node: node ?? null, source: 'sacct' });
      }
    }
  }
  for (const job of jobs) if (!out.has(job.jobId)) out.set(job.jobId, fromExitRecord(job));
  return out;
}

interface ExitRecord {
  node?: string;
  exitCode?: number;
}

function fromExitRecord(job: SubmittedJob): JobState {
  if (!existsSync(job.exitRecord)) return { state: 'UNKNOWN', reason: 'SLURM no longer knows the job and it left no exit record', elapsed: null, exitCode: null, signal: null, node: null, source: 'unknown' };
  let rec: ExitRecord;
  try {
    rec = JSON.parse(readFileSync(job.exitRecord, 'utf8')) as ExitRecord;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { state: 'UNKNOWN', reason: `the exit record ${job.exitRecord} is damaged`, elapsed: null, exitCode: null, signal: null, node: null, source: 'unknown' };
  }
  const code = typeof rec.exitCode === 'number' ? rec.exitCode : null;
  return { state: code === 0 ? 'COMPLETED' : 'FAILED', reason: null, elapsed: null, exitCode: code, signal: code !== null && code > 128 ? code - 128 : null, node: rec.node ?? null, source: 'exit-record' };
}

export type End = 'done' | 'failed' | 'cancelled' | 'blocked';

/** A finished job's end for the stage, in words that say what to change. */
export function describeEnd(job: SubmittedJob, s: JobState, slurmOptions: { time?: string; mem?: string }): { end: End; message: string } {
  const on = s.node ? ` on ${s.node}` : '';
  const what = job.kind === 'gate' ? `gate job ${job.jobId}` : `job ${job.jobId}`;
  switch (s.state) {
    case 'COMPLETED':
      return { end: 'done', message: `${what} finished${on}${s.elapsed ? ` in ${s.elapsed}` : ''}` };
    case 'TIMEOUT':
      return { end: 'failed', message: `${what} hit its time limit${slurmOptions.time ? ` (time: ${slurmOptions.time})` : ''} and SLURM killed it${on}: raise slurm.time for stage ${job.stage}` };
    case 'OUT_OF_MEMORY':
      return { end: 'failed', message: `${what} ran out of memory${slurmOptions.mem ? ` (mem: ${slurmOptions.mem})` : ''} and SLURM killed it${on}: raise slurm.mem for stage ${job.stage}` };
    case 'CANCELLED':
      if (s.reason === 'DependencyNeverSatisfied') return { end: 'blocked', message: `${what} never started: a job it waited for did not succeed` };
      return { end: 'cancelled', message: `${what} was cancelled${s.elapsed && s.elapsed !== '0:00' ? ` after ${s.elapsed}` : ' before it started'}` };
    case 'FAILED':
      if (s.reason === 'JobLaunchFailure' && job.kind === 'stage') {
        return { end: 'failed', message: `${what} could not start${on}: the node cannot open ${job.log}. Stages on SLURM need the project on a filesystem the compute nodes share; clone it there (e.g. under /scratch or a shared home) and submit from that clone` };
      }
      return { end: 'failed', message: `${what} failed${on}: ${s.signal ? `killed by signal ${s.signal}` : `exit ${s.exitCode ?? '?'}`}` };
    case 'UNKNOWN':
      return { end: 'failed', message: `${what}: ${s.reason ?? 'state unknown'}` };
    default:
      return { end: 'failed', message: `${what} ended ${s.state}${on}${s.reason ? ` (${s.reason})` : ''}` };
  }
}

