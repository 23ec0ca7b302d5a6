/** `pipeline status` as text: one line per job, the log tail of running and failed ones under it. */
import type { PipelineStatus } from './status.js';

export function renderStatus(st: PipelineStatus): string {
  if (!st.submission) return 'nothing submitted to SLURM from this project (`provenant pipeline run` submits the executor: slurm stages)\n';
  const lines = [`submission ${st.submission} of ${st.spec} at ${st.submittedAt}`];
  if (st.specProblem) lines.push(`  (the spec cannot be read now: ${st.specProblem.split('\n')[0] ?? ''})`);
  const width = Math.max(...st.rows.map((r) => r.stage.length), 5);
  for (const r of st.rows) {
    const id = `${r.kind === 'gate' ? 'gate' : 'job'} ${r.jobId}`;
    lines.push(`  ${r.stage.padEnd(width)}  ${id.padEnd(10)} ${r.state.padEnd(9)}  ${r.message}`);
    for (const t of r.tail) lines.push(`      | ${t}`);
  }
  return lines.join('\n') + '\n';
}
