/**
 * `provenant pipeline report`: per stage, the GPU hours the spec estimated against the hours its stamps
 * record (a SLURM job's allocated GPUs × wall time, measured on the node), and the cost of both at the
 * spec's hourly rate. A stage without a stamp from a job has no actual figure, and says so.
 */
import path from 'node:path';

import { loadConfig } from '../config/config.js';
import { readStampFile, sidecarPath } from '../provenance/stamp-file.js';
import { gpuHoursOf } from './plan.js';
import { loadSpec } from './spec.js';

export interface ReportRow {
  stage: string;
  executor: 'local' | 'slurm';
  estimatedGpuHours: number;
  /** null: no stamp from a batch job. */
  actualGpuHours: number | null;
  wallHours: number | null;
  jobId: string | null;
  node: string | null;
}

export interface PipelineReport {
  spec: string;
  rows: ReportRow[];
  estimated: { gpuHours: number; cost: number | null };
  actual: { gpuHours: number; cost: number | null; stagesMeasured: number };
  currency: string;
}

export async function pipelineReport(options: { cwd: string; spec?: string }): Promise<PipelineReport> {
  const { root, config } = await loadConfig({ cwd: options.cwd });
  const spec = await loadSpec(root, options.spec ? path.relative(root, path.resolve(options.cwd, options.spec)) : undefined);
  const rows = spec.stages.map((stage): ReportRow => {
    const stamp = readStampFile(sidecarPath(root, stage.outputs[0] ?? '', config.provenance.stampsDir));
    const job = stamp.kind === 'ok' ? stamp.statement.predicate.provenant.job : undefined;
    return { stage: stage.id, executor: stage.executor, estimatedGpuHours: gpuHoursOf(stage, false), actualGpuHours: job?.gpuHours ?? null, wallHours: job?.hours ?? null, jobId: job?.id ?? null, node: job?.node ?? null };
  });
  const rate = spec.spec['hourly-rate'];
  const est = round(rows.reduce((s, r) => s + r.estimatedGpuHours, 0));
  const measured = rows.filter((r) => r.actualGpuHours !== null);
  const act = round(measured.reduce((s, r) => s + (r.actualGpuHours ?? 0), 0));
  return {
    spec: spec.file,
    rows,
    estimated: { gpuHours: est, cost: rate === undefined ? null : round(est * rate) },
    actual: { gpuHours: act, cost: rate === undefined ? null : round(act * rate), stagesMeasured: measured.length },
    currency: spec.spec.currency ?? 'USD',
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
