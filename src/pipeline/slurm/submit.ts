/**
 * `pipeline run` for a spec with `executor: slurm` stages. Stages that run locally and wait for no job
 * run first, as before. Every SLURM stage that is not stamped with its current key is then submitted with
 * sbatch in order, each waiting for its upstream jobs (`--dependency=afterok:…`); a stage with gates gets a
 * small gate job after it, and its dependents wait for that instead, so a failed gate keeps them from ever
 * starting (`--kill-on-invalid-dep=yes` cancels them). Everything is queued before anything is waited for,
 * so the laptop can close. A rerun keeps jobs still queued or running from the previous submission and
 * submits only what is neither stamped nor in flight. Unless detached, the run then follows the jobs; a
 * Ctrl-C asks whether to cancel them (without a terminal to ask on, they stay queued).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { UserError } from '../../core/errors.js';
import { newRunId } from '../../provenance/commit.js';
import type { PreflightProblem } from '../../schemas/pipeline.js';
import { evaluateGate, type GateOutcome } from '../gates.js';
import { argvOf, paramsOf, stageKey, staleness, type PlanContext } from '../plan.js';
import { smokeRefusals, type PipelineRunOptions, type PipelineRunResult, type StageOutcome } from '../runner.js';
import type { Stage } from '../spec.js';
import { slurm, slurmError } from './commands.js';
import { gateScript, stageScript } from './job-script.js';
import { describeEnd, isActive, queryJobs, type JobState } from './jobs.js';
import { gateJobOptions, gpuCount, sbatchOptions } from './options.js';
import { readGateResult } from './gate-result.js';
import { testOnly } from './preflight.js';
import { argvDigest } from './stage-key.js';
import { tailOf } from './status.js';
import { readSubmission, slurmDir, writeSubmission, type Submission, type SubmittedJob } from './state.js';

export interface SlurmRun {
  ctx: PlanContext;
  options: PipelineRunOptions;
  stages: Stage[];
  problems: PreflightProblem[];
  /** The local runner, for local stages (it skips what is up to date). */
  runLocal(stages: Stage[]): Promise<PipelineRunResult>;
}

type Row = PipelineRunResult['stages'][number];

const POLL_MS = 2000;

export function usesSlurm(stages: readonly Stage[]): boolean {
  return stages.some((s) => s.executor === 'slurm');
}

export async function runOnSlurm(run: SlurmRun): Promise<PipelineRunResult> {
  const rounds: PipelineRunResult[] = [];
  // each round runs what it can; local stages waiting for jobs get their turn once the jobs are done
  for (let n = 0; n <= run.stages.length; n++) {
    const round = await oneRound(run);
    rounds.push(round.result);
    if (!round.deferred || !round.result.ok || run.options.detach) break;
  }
  return merge(rounds);
}

/** Every stage ran or is up to date; a detached run also counts what it queued, and a stage left for a later round. */
function roundOk(stages: readonly Row[], stopped: PipelineRunResult['stopped'], detached: boolean): boolean {
  const fine: StageOutcome[] = detached ? ['ran', 'up-to-date', 'submitted', 'not-reached'] : ['ran', 'up-to-date', 'not-reached'];
  return !stopped && stages.every((r) => fine.includes(r.outcome));
}

function merge(rounds: PipelineRunResult[]): PipelineRunResult {
  const last = rounds[rounds.length - 1] as PipelineRunResult;
  const earlier = new Map<string, Row>();
  for (const r of rounds.slice(0, -1)) for (const s of r.stages) if (s.outcome === 'ran') earlier.set(s.id, s);
  const stages = last.stages.map((s) => (s.outcome === 'up-to-date' && earlier.has(s.id) ? (earlier.get(s.id) as Row) : s));
  const detached = stages.some((s) => s.outcome === 'submitted');
  return { ...last, stages, ok: last.ok && (detached || stages.every((s) => s.outcome === 'ran' || s.outcome === 'up-to-date')) };
}

async function oneRound(run: SlurmRun): Promise<{ result: PipelineRunResult; deferred: boolean }> {
  const { ctx, options } = run;
  const env = options.env;
  const why = new Map<string, string[]>();
  for (const stage of run.stages) why.set(stage.id, options.force ? ['--force'] : staleness(ctx, stage, stageKey(ctx, stage)));
  const previous = readSubmission(ctx.root);
  const allInFlight = liveJobs(previous, env);
  // stages not selected now keep their jobs in the record, so `pipeline status` still follows them
  const inFlight = new Map([...allInFlight].filter(([id]) => run.stages.some((s) => s.id === id)));

  // stages waiting for a SLURM stage that has to run (or is running)
  const pendingSlurm = new Set<string>();
  for (const stage of run.stages) {
    const own = stage.executor === 'slurm' && ((why.get(stage.id) ?? []).length > 0 || inFlight.has(stage.id));
    if (own || stage.deps.some((d) => pendingSlurm.has(d))) pendingSlurm.add(stage.id);
  }
  const localNow = run.stages.filter((s) => s.executor === 'local' && !s.deps.some((d) => pendingSlurm.has(d)));
  const rows = new Map<string, Row>();
  const blocked = new Set<string>();
  let stopped: PipelineRunResult['stopped'] = null;
  if (localNow.length) {
    const local = await run.runLocal(localNow);
    for (const r of local.stages) {
      rows.set(r.id, r);
      if (r.outcome !== 'ran' && r.outcome !== 'up-to-date') blocked.add(r.id);
    }
    if (local.stopped) {
      stopped = local.stopped;
      blocked.add(local.stopped.stage);
    }
  }

  const slurmStages = run.stages.filter((s) => !rows.has(s.id) && s.executor === 'slurm' && pendingSlurm.has(s.id) && !inFlight.has(s.id));
  if (slurmStages.length) checkSubmittable(run, slurmStages);

  const submissionId = newRunId();
  const dir = path.join(slurmDir(ctx.root), submissionId);
  const marker = path.join(dir, 'submission');
  const submission: Submission = {
    version: 1,
    id: submissionId,
    spec: ctx.spec.file,
    root: ctx.root,
    submittedAt: new Date().toISOString(),
    jobs: [...allInFlight.values()].flat(),
  };
  /** The job a dependent waits for: the stage's gate job when it has one, else the stage's job. */
  const waitFor = new Map<string, string>();
  for (const [id, jobs] of inFlight) waitFor.set(id, (jobs.find((j) => j.kind === 'gate') ?? (jobs[0] as SubmittedJob)).jobId);
  let deferred = false;
  const submitted: SubmittedJob[] = [];

  /** A row decided at submission time, shown as it is decided. */
  const decide = (row: Row): void => {
    rows.set(row.id, row);
    options.onEvent({ type: 'finish', stage: row.id, outcome: row.outcome, reasons: row.reasons, ms: 0 });
  };
  for (const stage of run.stages) {
    if (rows.has(stage.id)) continue;
    // a stage after a job that runs now runs too (its inputs are about to change); otherwise it is
    // judged now, after the local stages ran
    const upstream = stage.deps.filter((d) => waitFor.has(d));
    const reasons = upstream.length ? upstream.map((d) => `upstream stage ${d} runs first`) : options.force ? ['--force'] : staleness(ctx, stage, stageKey(ctx, stage));
    const badDeps = stage.deps.filter((d) => blocked.has(d));
    if (badDeps.length) {
      decide({ id: stage.id, outcome: 'skipped', reasons: badDeps.map((d) => `upstream stage ${d} did not complete`) });
      blocked.add(stage.id);
      continue;
    }
    const deferredDeps = stage.deps.filter((d) => rows.get(d)?.outcome === 'not-reached');
    if (stage.executor === 'local' || deferredDeps.length) {
      const waits = stage.deps.filter((d) => pendingSlurm.has(d));
      decide({ id: stage.id, outcome: 'not-reached', reasons: [`waits for ${waits.join(', ')}; it runs ${stage.executor === 'local' ? 'locally' : 'on SLURM'} once they are done (\`pipeline run\` again, or without --detach)`] });
      deferred = true;
      continue;
    }
    const flying = inFlight.get(stage.id);
    if (flying) {
      decide({ id: stage.id, outcome: 'submitted', reasons: [`job ${flying.map((j) => j.jobId).join(', ')} already in the queue from the last submission`] });
      continue;
    }
    if (!reasons.length) {
      decide({ id: stage.id, outcome: 'up-to-date', reasons: [] });
      const failed = checkGatesNow(ctx, stage, options);
      if (failed) {
        blocked.add(stage.id);
        stopped ??= { stage: stage.id, gate: failed.outcome, blocks: downstream(run.stages, stage.id), reason: failed.reason };
      }
      continue;
    }
    const refusal = [...smokeRefusals(ctx, stage), ...run.problems.filter((p) => p.stage === stage.id && !p.allowed).map((p) => p.message)];
    if (refusal.length) {
      decide({ id: stage.id, outcome: 'refused', reasons: refusal });
      blocked.add(stage.id);
      continue;
    }
    const after = stage.deps.map((d) => waitFor.get(d)).filter((j): j is string => j !== undefined);
    let jobs: SubmittedJob[];
    if (!submitted.length) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(marker, `${submissionId}\n`);
    }
    try {
      jobs = submitStage(run, stage, { dir, marker, after });
    } catch (error) {
      if (!(error instanceof SbatchRefused)) throw error;
      decide({ id: stage.id, outcome: 'failed', reasons: [error.message] });
      blocked.add(stage.id);
      continue;
    }
    submitted.push(...jobs);
    submission.jobs.push(...jobs);
    writeSubmission(ctx.root, submission);
    waitFor.set(stage.id, (jobs[jobs.length - 1] as SubmittedJob).jobId);
    const ids = jobs.map((j) => `${j.kind === 'gate' ? 'gate ' : ''}job ${j.jobId}`).join(', ');
    rows.set(stage.id, { id: stage.id, outcome: 'submitted', reasons: [`${ids}${after.length ? ` after ${after.join(', ')}` : ''}`, ...reasons] });
    options.onEvent({ type: 'finish', stage: stage.id, outcome: 'submitted', reasons: [ids], ms: 0 });
  }
  // a run that queued nothing leaves the last submission's record as it is, for `pipeline status`
  if (submitted.length) writeSubmission(ctx.root, submission);

  const ordered = (): Row[] => run.stages.map((s) => rows.get(s.id) as Row);
  const waiting = submission.jobs.filter((j) => run.stages.some((s) => s.id === j.stage));
  if (options.detach || !waiting.length) {
    return { result: { stages: ordered(), stopped, ok: roundOk(ordered(), stopped, true) }, deferred };
  }
  const ends = await follow(run, waiting);
  if (ends === 'detached') {
    return { result: { stages: ordered(), stopped, ok: false }, deferred: false };
  }
  for (const stage of run.stages) {
    const jobs = waiting.filter((j) => j.stage === stage.id);
    if (!jobs.length) continue;
    const stageJob = jobs.find((j) => j.kind === 'stage');
    const gateJob = jobs.find((j) => j.kind === 'gate');
    const outcome = stageJob ? ends.get(stageJob.jobId) : undefined;
    if (stageJob && outcome) {
      const end = describeEnd(stageJob, outcome, stage.slurm);
      const mapped: StageOutcome = end.end === 'done' ? 'ran' : end.end === 'cancelled' ? 'cancelled' : end.end === 'blocked' ? 'not-reached' : 'failed';
      const tail = end.end === 'failed' ? tailOf(stageJob.log, 3).map((l) => `log: ${l}`) : [];
      const reasons = end.end === 'done' ? [end.message] : [`${end.message}; its outputs were not stamped, so the next run redoes it`, ...tail];
      rows.set(stage.id, { id: stage.id, outcome: mapped, reasons });
      if (end.end === 'failed' || end.end === 'cancelled') stopped ??= { stage: stage.id, gate: null, blocks: downstream(run.stages, stage.id), reason: `stage ${stage.id}: ${end.message}` };
    }
    const gateEnd = gateJob ? ends.get(gateJob.jobId) : undefined;
    if (gateJob && gateEnd && gateEnd.state !== 'COMPLETED' && rows.get(stage.id)?.outcome === 'ran') {
      const result = readGateResult(gateJob.result);
      const failed = result?.outcomes.find((o) => !o.passed) ?? null;
      const decision = stage.gates.find((g) => g.text === failed?.gate)?.decision;
      const reason = failed ? `gate ${failed.gate} failed: ${failed.message}${decision ? `; blocks the decision: ${decision}` : ''}` : describeEnd(gateJob, gateEnd, {}).message;
      stopped ??= { stage: stage.id, gate: failed, blocks: downstream(run.stages, stage.id), reason };
    }
  }
  const stages = ordered();
  return { result: { stages, stopped, ok: roundOk(stages, stopped, false) }, deferred };
}

/** Jobs of the last submission that SLURM still has queued or running, by stage. */
function liveJobs(previous: Submission | null, env: NodeJS.ProcessEnv): Map<string, SubmittedJob[]> {
  const out = new Map<string, SubmittedJob[]>();
  if (!previous) return out;
  const states = queryJobs(previous.jobs, env, 'the last submission');
  for (const job of previous.jobs) {
    const s = states.get(job.jobId);
    if (s && isActive(s)) out.set(job.stage, [...(out.get(job.stage) ?? []), job]);
  }
  return out;
}

class SbatchRefused extends Error {}

/** sbatch missing or a stage SLURM would reject: said before anything is submitted. */
function checkSubmittable(run: SlurmRun, stages: readonly Stage[]): void {
  const rejected = testOnly(run.ctx.root, stages, run.options.env);
  if (rejected.length) {
    throw new UserError(rejected.map((r) => `${run.ctx.spec.file}: stage ${r.stage}: SLURM would reject the job: ${r.message}`).join('\n'), {
      hint: 'fix the stage\'s slurm options (`sinfo -s` lists partitions; `sacctmgr show assoc user=$USER` accounts and QOS); nothing was submitted',
    });
  }
}

function submitStage(run: SlurmRun, stage: Stage, at: { dir: string; marker: string; after: string[] }): SubmittedJob[] {
  const { ctx, options } = run;
  const key = stageKey(ctx, stage);
  const parameters = path.join(at.dir, `${stage.id}.job.json`);
  writeFileSync(parameters, JSON.stringify({ spec: ctx.spec.file, stage: stage.id, smoke: ctx.smoke, force: options.force === true, argvSha256: argvDigest(key.argv) }, null, 2) + '\n');
  const produced = stage.inputs.some((i) => ctx.spec.producers.has(i) || [...ctx.spec.producers.keys()].some((o) => i.startsWith(`${o}/`)));
  const script = path.join(at.dir, `${stage.id}.sh`);
  const exitRecord = path.join(at.dir, `${stage.id}.exit.json`);
  writeFileSync(script, stageScript({
    root: ctx.root,
    stage: stage.id,
    marker: at.marker,
    exitRecord,
    outputs: stage.outputs,
    inputs: stage.inputs,
    parameters,
    allowDeprecated: stage.spec['allow-deprecated'] === true,
    inputVerdicts: produced ? (stage.spec['input-verdicts'] ?? ['ok']) : null,
  }), { mode: 0o755 });
  const log = path.join(at.dir, `${stage.id}.log`);
  const job = sbatch(run, stage, script, log, sbatchOptions(stage.slurm), at.after);
  const now = new Date().toISOString();
  const jobs: SubmittedJob[] = [{ stage: stage.id, kind: 'stage', jobId: job, log, exitRecord, result: null, submittedAt: now, after: at.after, gpus: gpuCount(stage.slurm) }];
  if (stage.gates.length) {
    const gScript = path.join(at.dir, `${stage.id}.gates.sh`);
    const gExit = path.join(at.dir, `${stage.id}.gates.exit.json`);
    const result = path.join(at.dir, `${stage.id}.gates.json`);
    writeFileSync(gScript, gateScript({ root: ctx.root, stage: stage.id, marker: at.marker, exitRecord: gExit, spec: ctx.spec.file, result }), { mode: 0o755 });
    const gLog = path.join(at.dir, `${stage.id}.gates.log`);
    const gate = sbatch(run, stage, gScript, gLog, gateJobOptions(stage.slurm), [job]);
    jobs.push({ stage: stage.id, kind: 'gate', jobId: gate, log: gLog, exitRecord: gExit, result, submittedAt: now, after: [job], gpus: 0 });
  }
  return jobs;
}

function sbatch(run: SlurmRun, stage: Stage, script: string, log: string, opts: string[], after: string[]): string {
  const name = `${path.basename(run.ctx.root)}:${stage.id}`;
  const args = ['--parsable', `--job-name=${name}`, `--output=${log}`, `--chdir=${run.ctx.root}`, '--kill-on-invalid-dep=yes', ...(after.length ? [`--dependency=afterok:${after.join(':')}`] : []), ...opts, script];
  const out = slurm('sbatch', args, run.options.env, `stage ${stage.id} (executor: slurm)`);
  const id = out.stdout.trim().split(';')[0] ?? '';
  if (out.code !== 0 || !/^\d+$/.test(id)) throw new SbatchRefused(`sbatch refused the job: ${slurmError(out)}`);
  return id;
}

function checkGatesNow(ctx: PlanContext, stage: Stage, options: PipelineRunOptions): { outcome: GateOutcome; reason: string } | null {
  for (const gate of stage.gates) {
    const outcome = evaluateGate(ctx.root, gate);
    options.onEvent({ type: 'gate', stage: stage.id, outcome });
    if (!outcome.passed) return { outcome, reason: `gate ${gate.text} failed: ${outcome.message}${gate.decision ? `; blocks the decision: ${gate.decision}` : ''}` };
  }
  return null;
}

function downstream(stages: readonly Stage[], id: string): string[] {
  const out = new Set<string>();
  for (const s of stages) if (s.deps.some((d) => d === id || out.has(d))) out.add(s.id);
  return [...out];
}

/**
 * Follows the jobs until every one has ended, reporting starts and ends; on Ctrl-C asks whether to cancel
 * them (or, with nobody to ask, leaves them queued) and stops following.
 */
async function follow(run: SlurmRun, jobs: readonly SubmittedJob[]): Promise<Map<string, JobState> | 'detached'> {
  const { options } = run;
  const started = new Set<string>();
  const ended = new Map<string, JobState>();
  let interrupted = false;
  const onSigint = (): void => void (interrupted = true);
  process.on('SIGINT', onSigint);
  try {
    for (;;) {
      const states = queryJobs(jobs.filter((j) => !ended.has(j.jobId)), options.env, 'the submitted pipeline');
      for (const job of jobs) {
        const s = states.get(job.jobId);
        if (!s || ended.has(job.jobId)) continue;
        if (job.kind === 'stage' && s.state === 'RUNNING' && !started.has(job.jobId)) {
          started.add(job.jobId);
          const index = run.stages.findIndex((st) => st.id === job.stage);
          const stage = run.ctx.spec.byId.get(job.stage);
          const argv = stage ? argvOf(stage, paramsOf(stage, run.ctx.smoke)) : [];
          options.onEvent({ type: 'start', stage: job.stage, index, total: run.stages.length, reasons: [`job ${job.jobId}${s.node ? ` on ${s.node}` : ''}`], argv });
        }
        if (!isActive(s)) {
          ended.set(job.jobId, s);
          reportEnd(run, job, s);
        }
      }
      if (ended.size === jobs.length) return ended;
      if (interrupted) {
        interrupted = false;
        const live = jobs.filter((j) => !ended.has(j.jobId)).map((j) => j.jobId);
        const cancel = options.confirmCancel ? await options.confirmCancel(live.length) : false;
        if (!cancel) {
          options.warn(`${live.length} job(s) stay queued (${live.join(', ')}); \`provenant pipeline status\` follows them, \`scancel ${live.join(' ')}\` cancels them`);
          return 'detached';
        }
        slurm('scancel', live, options.env, 'the submitted pipeline');
        options.warn(`cancelled ${live.length} job(s): ${live.join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function reportEnd(run: SlurmRun, job: SubmittedJob, s: JobState): void {
  const stage = run.ctx.spec.byId.get(job.stage);
  if (!stage) return;
  if (job.kind === 'gate') {
    const result = readGateResult(job.result);
    for (const outcome of result?.outcomes ?? []) run.options.onEvent({ type: 'gate', stage: job.stage, outcome });
    return;
  }
  const end = describeEnd(job, s, stage.slurm);
  const outcome: StageOutcome = end.end === 'done' ? 'ran' : end.end === 'cancelled' ? 'cancelled' : end.end === 'blocked' ? 'not-reached' : 'failed';
  const tail = end.end === 'failed' ? tailOf(job.log, 3).map((l) => `log: ${l}`) : [];
  run.options.onEvent({ type: 'finish', stage: job.stage, outcome, reasons: [end.message, ...tail], ms: 0 });
}

