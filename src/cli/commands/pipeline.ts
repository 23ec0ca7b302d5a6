/**
 * `provenant pipeline plan|run`: the stage graph, what is up to date and what will run, pre-flight
 * problems and cost; then running it through the stamping wrapper.
 */

import { UserError } from '../../core/errors.js';
import { createInterface } from 'node:readline/promises';

import { printable } from '../../core/display.js';
import { checkStageGates, pipelineReport, pipelineStatus, planPipeline, renderReport, renderRunSummary, renderStatus, runPipeline, startPipelineView, type Plan, type PipelineRunResult } from '../../index.js';
import { commandArgs, type Io } from '../io.js';

export const HELP = `provenant pipeline plan|run|status|report|gates [--spec FILE] [--smoke]

  plan [--json]                     the stages in order: up to date (and why not), pre-flight problems
                                    (missing or deprecated scripts, audit errors, inputs that fail verify),
                                    and the GPU hours and cost of what will run
  run [--until S] [--from S] [--force] [--plain]
                                    run the stages through \`provenant run\` (every output stamped); skip
                                    up-to-date stages; refuse a stage whose inputs do not verify; stop at a
                                    failed gate or a failing stage; rerun to resume. On a terminal the
                                    progress is a live view (stages, elapsed time, output tail); --plain,
                                    CI or a redirected stderr give plain lines.
                                    Stages with executor: slurm are submitted with sbatch, each after its
                                    upstream jobs (afterok), gates as small jobs in the chain; the run then
                                    follows the jobs (Ctrl-C asks whether to cancel them)
  run --detach                      submit and return at once; the jobs run while you are away
  status [--json] [--tail N]        the jobs of the last submission: queued, running (elapsed, log tail),
                                    done, failed (exit code, signal, time limit, memory), cancelled
  report [--json]                   GPU hours estimated by the spec against those the stamps record
  gates --stage S [--result FILE]   evaluate a stage's gates now (what a SLURM gate job runs)

  --spec FILE   the spec (default provenant.pipeline.yaml at the project root)
  --smoke       apply each stage's smoke overrides (smaller params) for a local dry run

Exit: 0 when everything ran or was up to date (plan: no blocking problem; status: no job failed), 1 when
a stage failed or was refused or a gate stopped the run, 2 when the spec or the SLURM setup is wrong.
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = commandArgs('pipeline', args, {
    spec: { type: 'string' },
    smoke: { type: 'boolean' },
    json: { type: 'boolean' },
    until: { type: 'string' },
    from: { type: 'string' },
    force: { type: 'boolean' },
    plain: { type: 'boolean' },
    detach: { type: 'boolean' },
    tail: { type: 'string' },
    stage: { type: 'string' },
    result: { type: 'string' },
  }, io, HELP);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [action, ...extra] = positionals;
  if (!['plan', 'run', 'status', 'report', 'gates'].includes(action ?? '') || extra.length) throw new UserError('pipeline takes `plan`, `run`, `status`, `report` or `gates`', { hint: 'provenant pipeline plan' });
  const owners: [keyof typeof values, string][] = [['detach', 'run'], ['tail', 'status'], ['stage', 'gates'], ['result', 'gates']];
  for (const [flag, owner] of owners) if (values[flag] !== undefined && action !== owner) throw new UserError(`--${flag} belongs to \`pipeline ${owner}\``);
  const warn = (m: string): void => void io.stderr.write(`provenant: warning: ${m}\n`);
  if (action === 'status') {
    const tail = values.tail === undefined ? 5 : Number(values.tail);
    if (!Number.isInteger(tail) || tail < 0) throw new UserError(`--tail ${values.tail}: expected a number of lines`);
    const st = await pipelineStatus({ cwd: io.cwd, env: io.env, tail });
    io.stdout.write(values.json ? JSON.stringify(st, null, 2) + '\n' : renderStatus(st));
    return st.ok ? 0 : 1;
  }
  if (action === 'report') {
    const report = await pipelineReport({ cwd: io.cwd, ...(values.spec ? { spec: values.spec } : {}) });
    io.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : renderReport(report));
    return 0;
  }
  if (action === 'gates') {
    if (!values.stage) throw new UserError('gates needs --stage ID');
    const r = await checkStageGates({ cwd: io.cwd, stage: values.stage, ...(values.spec ? { spec: values.spec } : {}), ...(values.result ? { result: values.result } : {}) });
    for (const o of r.outcomes) io.stdout.write(`gate ${o.passed ? 'passed' : 'FAILED'}: ${printable(o.message)}\n`);
    if (!r.passed && r.decision) io.stdout.write(`blocks the decision: ${printable(r.decision)}\n`);
    return r.passed ? 0 : 1;
  }
  const common = { cwd: io.cwd, env: io.env, warn, smoke: Boolean(values.smoke), ...(values.spec ? { spec: values.spec } : {}) };
  if (action === 'plan') {
    if (values.until || values.from || values.force) throw new UserError('--until, --from and --force belong to `pipeline run`');
    const plan = await planPipeline(common);
    io.stdout.write(values.json ? JSON.stringify(plan, null, 2) + '\n' : renderPlan(plan));
    return plan.problems.some((p) => !p.allowed) ? 1 : 0;
  }
  if (values.json) throw new UserError('--json belongs to `pipeline plan`');
  const view = await startPipelineView({ stream: io.stderr, env: io.env, spec: values.spec ?? 'provenant.pipeline.yaml', smoke: common.smoke, plain: Boolean(values.plain) });
  let result: PipelineRunResult;
  try {
    result = await runPipeline({
      ...common,
      warn: view.warn,
      ...(values.until ? { until: values.until } : {}),
      ...(values.from ? { from: values.from } : {}),
      force: Boolean(values.force),
      detach: Boolean(values.detach),
      // without a terminal to ask on, Ctrl-C leaves submitted jobs queued
      ...(process.stdin.isTTY ? { confirmCancel: (jobs: number) => (view.toPlain(), askCancel(jobs)) } : {}),
      onEvent: view.onEvent,
    });
    await view.finish(result);
  } finally {
    view.close();
  }
  io.stdout.write(renderRunSummary(result));
  return result.ok ? 0 : 1;
}

async function askCancel(jobs: number): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // a second Ctrl-C (or end of input) at the question is a no: the jobs stay queued
  const aborted = new AbortController();
  rl.on('SIGINT', () => aborted.abort());
  rl.on('close', () => aborted.abort());
  try {
    const answer = await rl.question(`\ncancel the ${jobs} submitted job(s) still queued or running? [y/N] `, { signal: aborted.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
    return false;
  } finally {
    rl.close();
  }
}

const MARK: Record<string, string> = { 'up-to-date': '=', 'will-run': '>', blocked: 'x' };

function renderPlan(plan: Plan): string {
  const lines = [`pipeline ${plan.spec}${plan.smoke ? ' (smoke)' : ''}`];
  for (const s of plan.stages) {
    lines.push(`  ${MARK[s.state] ?? '?'} ${s.id.padEnd(20)} ${s.state}${s.gpuHours ? `  ${s.gpuHours} GPU h` : ''}${s.executor === 'slurm' ? '  (SLURM job)' : ''}`);
    for (const r of s.reasons) lines.push(`      ${printable(r)}`);
  }
  if (plan.problems.length) {
    lines.push('pre-flight problems:');
    for (const p of plan.problems) lines.push(`  ${p.allowed ? 'allowed' : 'BLOCKING'} ${p.stage}: ${printable(p.message)}`);
  }
  const e = plan.estimate;
  lines.push(`estimate: ${e.gpuHours} GPU hours${e.cost === null ? '' : `, ${e.cost} ${e.currency}`}${e.budget === null ? '' : ` of a ${e.budget} ${e.currency} budget${e.overBudget ? ' — OVER BUDGET' : ''}`}`);
  return lines.join('\n') + '\n';
}
