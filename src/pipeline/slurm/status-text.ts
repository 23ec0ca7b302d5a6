/** `pipeline status` as text: one line per job, the log tail of running and failed ones under it. */
import { printable } from '../../core/display.js';
import type { PipelineStatus } from './status.js';

export function renderStatus(st: PipelineStatus): string {
  if (!st.submission) return 'nothing submitted to SLURM from this project (`provenant pipeline run` submits the executor: slurm stages)\n';
  const lines = [`submission ${st.submission} of ${st.spec} at ${st.submittedAt}`];
  if (st.specProblem) lines.push(`  (the spec cannot be read now: ${printable(st.specProblem.split('\n')[0] ?? '')})`);
  const width = Math.max(...st.rows.map((r) => r.stage.length), 5);
  for (const r of st.rows) {
    const id = `${r.kind === 'gate' ? 'gate' : 'job'} ${r.jobId}`;
    // messages quote logs and result files, which hold whatever the job printed
    lines.push(`  ${r.stage.padEnd(width)}  ${id.padEnd(10)} ${r.state.padEnd(9)}  ${printable(r.message)}`);
    for (const t of r.tail) lines.push(`      | ${printable(t)}`);
  }
  return lines.join('\n') + '\n';
}
