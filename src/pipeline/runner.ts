/**
 * `provenant pipeline run`: the stages in order through the stamping wrapper. Up-to-date stages are
 * skipped (so a run after a crash or Ctrl-C resumes where it stopped: finished stages are stamped, the
 * interrupted one is not); a stage whose inputs do not verify, whose script is deprecated or has
 * error-level findings is refused and what depends on it is skipped, while independent stages go on; a
 * failing stage or a failed gate stops the run, naming the metric, the threshold and what it blocks.
 */
import path from 'node:path';

import { UserError } from '../core/errors.js';
import { redactArgv } from '../core/redact.js';
import { runAndStamp } from '../provenance/run.js';
import { verifyPaths } from '../provenance/verify.js';
import { evaluateGate, type GateOutcome } from './gates.js';
import { acquireLock, type HeldLock } from '../core/lock.js';
import { readStampFile, sidecarPath } from '../provenance/stamp-file.js';
import { openPlan, preflight, stageKey, staleness, type PlanContext, type PlanOptions, type StageKey } from './plan.js';
import { producerOf as stageWriting, type Stage } from './spec.js';

export interface PipelineRunOptions extends PlanOptions {
  until?: string;
  from?: string;
  force?: boolean;
  /** SLURM stages: submit and return without following the jobs. */
  detach?: boolean;
  /** Asked on Ctrl-C while following SLURM jobs: cancel the N still queued or running? Absent: never asked, they stay. */
  confirmCancel?(jobs: number): Promise<boolean>;
  onEvent(event: StageEvent): void;
}

/** `submitted`: queued on SLURM (a detached run); `cancelled`: its job was cancelled. */
export type StageOutcome = 'ran' | 'up-to-date' | 'refused' | 'failed' | 'skipped' | 'not-reached' | 'submitted' | 'cancelled';

export type StageEvent =
  /** Once, before anything runs: the selected stages in the order they will be taken. */
  | { type: 'plan'; stages: string[] }
  | { type: 'start'; stage: string; index: number; total: number; reasons: string[]; argv: string[] }
  | { type: 'finish'; stage: string; outcome: StageOutcome; reasons: string[]; ms: number }
  | { type: 'gate'; stage: string; outcome: GateOutcome }
  | { type: 'output'; stage: string; text: string; stream: 'stdout' | 'stderr' };

export interface PipelineRunResult {
  stages: { id: string; outcome: StageOutcome; reasons: string[] }[];
  stopped: { stage: string; gate: GateOutcome | null; blocks: string[]; reason: string } | null;
  ok: boolean;
}

export async function runPipeline(options: PipelineRunOptions): Promise<PipelineRunResult> {
  const ctx = await openPlan(options);
  let held: HeldLock | null = null;
  try {
    // one pipeline run per project: two would each run every stage, and write the same outputs
    held = await acquireLock(ctx.root, 'pipeline', { what: `the pipeline of ${ctx.root}`, waitMs: 0, hint: 'one pipeline run at a time per project; wait for it to finish (it resumes where it is)' });
    return await execute(ctx, options);
  } finally {
    held?.release();
    ctx.digests.flush();
    ctx.close();
  }
}

/** In a smoke run: the outputs a full run (or `provenant run`) stamped, which a smoke run must not replace. */
export function fullRunOutputs(ctx: PlanContext, stage: Stage): string[] {
  if (!ctx.smoke) return [];
  return stage.outputs.filter((out) => {
    const stamp = readStampFile(sidecarPath(ctx.root, out, ctx.config.provenance.stampsDir));
    if (stamp.kind === 'none') return false;
    const recorded = stamp.kind === 'ok' ? (stamp.statement.predicate.buildDefinition.externalParameters as { pipeline?: StageKey }).pipeline : undefined;
    return recorded?.smoke !== true;
  });
}

export function smokeRefusals(ctx: PlanContext, stage: Stage): string[] {
  return fullRunOutputs(ctx, stage).map((out) => `smoke run: output ${out} holds a full run's stamped output, which a smoke run never replaces (smoke-test in another checkout, or move the output aside)`);
}

function selected(ctx: PlanContext, options: PipelineRunOptions): Stage[] {
  const pick = (id: string | undefined, flag: string): Stage | null => {
    if (id === undefined) return null;
    const stage = ctx.spec.byId.get(id);
    if (!stage) throw new UserError(`${flag} ${id}: no such stage in ${ctx.spec.file}`, { hint: `stages: ${ctx.spec.stages.map((s) => s.id).join(', ')}` });
    return stage;
  };
  const until = pick(options.until, '--until');
  const from = pick(options.from, '--from');
  const closure = (start: Stage, next: (s: Stage) => string[]): Set<string> => {
    const seen = new Set<string>([start.id]);
    const queue = [start];
    for (let s = queue.pop(); s; s = queue.pop()) {
      for (const id of next(s)) if (!seen.has(id)) {
        seen.add(id);
        const stage = ctx.spec.byId.get(id);
        if (stage) queue.push(stage);
      }
    }
    return seen;
  };
  const upTo = until ? closure(until, (s) => s.deps) : null;
  const downFrom = from ? closure(from, (s) => ctx.spec.stages.filter((t) => t.deps.includes(s.id)).map((t) => t.id)) : null;
  return ctx.spec.stages.filter((s) => (!upTo || upTo.has(s.id)) && (!downFrom || downFrom.has(s.id)));
}

function downstreamOf(ctx: PlanContext, id: string): string[] {
  const out: string[] = [];
  const visit = (at: string): void => {
    for (const s of ctx.spec.stages) if (s.deps.includes(at) && !out.includes(s.id)) {
      out.push(s.id);
      visit(s.id);
    }
  };
  visit(id);
  return ctx.spec.stages.map((s) => s.id).filter((s) => out.includes(s));
}

async function execute(ctx: PlanContext, options: PipelineRunOptions, only?: Stage[]): Promise<PipelineRunResult> {
  const stages = only ?? selected(ctx, options);
  const { problems, audited } = await preflight(ctx, options);
  const missing = problems.filter((p) => p.kind === 'missing-script' && stages.some((s) => s.id === p.stage));
  if (missing.length) throw new UserError(missing.map((p) => `${ctx.spec.file}: stage ${p.stage}: ${p.message}`).join('\n'), { hint: 'fix the spec or restore the script; nothing was run' });
  // the SLURM path runs its local stages through here again: the view already has the whole plan
  if (!only) options.onEvent({ type: 'plan', stages: stages.map((s) => s.id) });
  if (!only && stages.some((s) => s.executor === 'slurm')) {
    const { runOnSlurm } = await import('./slurm/submit.js');
    return runOnSlurm({ ctx, options, stages, problems, runLocal: (local) => execute(ctx, options, local) });
  }
  const results: PipelineRunResult['stages'] = [];
  const bad = new Set<string>();
  let stopped: PipelineRunResult['stopped'] = null;
  for (const [index, stage] of stages.entries()) {
    if (stopped) {
      results.push({ id: stage.id, outcome: 'not-reached', reasons: [] });
      continue;
    }
    const finish = (outcome: StageOutcome, reasons: string[], started: number): void => {
      results.push({ id: stage.id, outcome, reasons });
      options.onEvent({ type: 'finish', stage: stage.id, outcome, reasons, ms: Date.now() - started });
      if (outcome === 'refused' || outcome === 'failed' || outcome === 'skipped') bad.add(stage.id);
    };
    const started = Date.now();
    const badDeps = stage.deps.filter((d) => bad.has(d));
    if (badDeps.length) {
      finish('skipped', badDeps.map((d) => `upstream stage ${d} did not complete`), started);
      continue;
    }
    const key = stageKey(ctx, stage);
    const why = options.force ? ['--force'] : staleness(ctx, stage, key);
    if (why.length === 0) {
      finish('up-to-date', [], started);
    } else {
      const refusal = [
        ...smokeRefusals(ctx, stage),
        // pre-flight verified the inputs no stage writes; those written in this run are verified now
        ...problems.filter((p) => p.stage === stage.id && !p.allowed).map((p) => p.message),
        ...(await inputRefusals(ctx, stage, options)),
      ];
      if (refusal.length) {
        finish('refused', refusal, started);
        continue;
      }
      options.onEvent({ type: 'start', stage: stage.id, index, total: stages.length, reasons: why, argv: redactArgv(key.argv).value });
      const r = await runAndStamp({
        argv: key.argv,
        cwd: ctx.root,
        outputs: stage.outputs,
        inputs: stage.inputs,
        allowDeprecated: stage.spec['allow-deprecated'] === true,
        env: options.env,
        parameters: { pipeline: key },
        audited,
        output: (text, stream) => options.onEvent({ type: 'output', stage: stage.id, text, stream }),
        warn: options.warn,
      });
      for (const out of stage.outputs) ctx.digests.forget(out);
      if (r.kind === 'refused') {
        finish('refused', r.reasons, started);
        continue;
      }
      if (r.kind === 'failed') {
        const reason = r.signal ? `killed by ${r.signal}` : `exited ${r.exitCode}`;
        finish('failed', [`${reason}; its outputs were not stamped, so the next run redoes it`], started);
        stopped = { stage: stage.id, gate: null, blocks: downstreamOf(ctx, stage.id), reason: `stage ${stage.id} ${reason}` };
        continue;
      }
      finish('ran', why, started);
    }
    for (const gate of stage.gates) {
      const outcome = evaluateGate(ctx.root, gate);
      options.onEvent({ type: 'gate', stage: stage.id, outcome });
      if (!outcome.passed) {
        const blocks = downstreamOf(ctx, stage.id);
        stopped = { stage: stage.id, gate: outcome, blocks, reason: `gate ${gate.text} failed: ${outcome.message}${gate.decision ? `; blocks the decision: ${gate.decision}` : ''}` };
        break;
      }
    }
  }
  const ok = !stopped && results.every((r) => r.outcome === 'ran' || r.outcome === 'up-to-date');
  return { stages: results, stopped, ok };
}

/** The stage's inputs that another stage writes must verify with a verdict the stage accepts (default: ok only). */
async function inputRefusals(ctx: PlanContext, stage: Stage, options: PipelineRunOptions): Promise<string[]> {
  const produced = stage.inputs.filter((p) => stageWriting(p, ctx.spec.producers));
  if (!produced.length) return [];
  const allowed: string[] = stage.spec['input-verdicts'] ?? ['ok'];
  const report = await verifyPaths({ cwd: ctx.root, paths: produced.map((p) => path.join(ctx.root, p)), env: options.env, warn: options.warn });
  return report.results.filter((r) => !allowed.includes(r.verdict)).map((r) => `input ${r.path} is ${r.verdict}: ${r.reasons[0] ?? ''}`);
}
