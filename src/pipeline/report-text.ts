/** `pipeline report` as text: estimated against actual GPU hours per stage, and the totals. */
import { printable } from '../core/display.js';
import type { PipelineReport } from './report.js';

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function renderReport(r: PipelineReport): string {
  const width = Math.max(...r.rows.map((x) => x.stage.length), 5);
  const lines = [`pipeline ${r.spec}: GPU hours estimated vs actual`, `  ${'stage'.padEnd(width)}  estimated  actual    job`];
  for (const x of r.rows) {
    const actual = x.actualGpuHours === null ? 'no job stamp' : `${x.actualGpuHours}`;
    lines.push(`  ${x.stage.padEnd(width)}  ${String(x.estimatedGpuHours).padEnd(9)}  ${actual.padEnd(8)}  ${x.jobId ? `${printable(x.jobId)} on ${printable(x.node ?? '?')} (${round(x.wallHours ?? 0)} h wall)` : x.executor === 'slurm' ? '' : 'local'}`);
  }
  const cost = (c: number | null): string => (c === null ? '' : `, ${c} ${r.currency}`);
  lines.push(`estimated: ${r.estimated.gpuHours} GPU h${cost(r.estimated.cost)}`);
  lines.push(`actual:    ${r.actual.gpuHours} GPU h${cost(r.actual.cost)} (${r.actual.stagesMeasured} of ${r.rows.length} stage(s) measured in a job)`);
  return lines.join('\n') + '\n';
}
