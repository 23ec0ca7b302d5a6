/**
 * The plain-text side of `provenant pipeline run`: the progress lines written to stderr when it is not
 * a terminal (a pipe, a log file, CI, `--plain`) and the summary of outcomes written to stdout. Logs and
 * scripts read these lines, so their wording is kept stable.
 */
import type { PipelineRunResult, StageEvent } from '../pipeline/runner.js';
import { printable, shellQuote } from '../core/display.js';

/** One event as progress lines (a stage's own output passes through as it came). */
export function renderStageEvent(e: StageEvent): string {
  if (e.type === 'output') return e.text;
  if (e.type === 'plan') return '';
  if (e.type === 'start') return `[${e.index + 1}/${e.total}] ${e.stage}: running (${printable(e.reasons.join('; '))})\n  $ ${shellQuote(e.argv)}\n`;
  if (e.type === 'gate') return `  gate ${e.outcome.passed ? 'passed' : 'FAILED'}: ${printable(e.outcome.message)}\n`;
  // a SLURM job's end comes with its own words (job, node, elapsed)
  const why = e.reasons.length && (e.outcome !== 'ran' || e.ms === 0) ? `: ${printable(e.reasons.join('; '))}` : '';
  return `  ${e.stage}: ${e.outcome}${e.outcome === 'ran' && e.ms > 0 ? ` in ${(e.ms / 1000).toFixed(1)}s` : ''}${why}\n`;
}

/** Every selected stage with its outcome, and where and why the run stopped. */
export function renderRunSummary(r: PipelineRunResult): string {
  const lines = r.stages.map((s) => `${s.outcome.padEnd(12)} ${s.id}`);
  if (r.stopped) lines.push(`stopped at ${r.stopped.stage}: ${printable(r.stopped.reason)}${r.stopped.blocks.length ? `\n  not run: ${r.stopped.blocks.join(', ')}` : ''}`);
  return lines.join('\n') + '\n';
}
