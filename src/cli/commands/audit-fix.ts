/**
 * What `provenant audit --fix`, `--diff` and `--add-suppressions` print besides the report: the diff, or a
 * summary of what was fixed, skipped and remains (on stderr, so a JSON or SARIF report stays whole).
 */

import type { FixRun } from '../../audit/fix-run.js';
import { fixableCounts } from '../../audit/report.js';
import { plural } from '../../core/fs.js';
import type { Io } from '../io.js';

/** Prints what the fixes did; returns the exit code when that is all there is to print (`--diff`), else null. */
export async function reportFixes(run: FixRun, options: { io: Io; format: string; quiet: boolean; staged: boolean }): Promise<number | null> {
  const { io } = options;
  const { summary, result } = run;
  for (const s of summary.skipped) io.stderr.write(`warning: ${s.path}: not fixed: ${s.reason}\n`);
  if (run.unconverged) io.stderr.write(`warning: ${plural(run.unconverged, 'fix', 'fixes')} still applied after ${run.passes} passes; the fixes do not settle, see the diff with --diff\n`);
  if (summary.mode === 'diff') {
    // the diff library loads only here
    const { createTwoFilesPatch } = await import('diff');
    // without the `Index:`-style rule line the library starts with: a patch `git apply` and `patch -p1` take
    for (const c of run.changes) io.stdout.write(createTwoFilesPatch(`a/${c.path}`, `b/${c.path}`, c.before, c.after, '', '', { context: 3 }).replace(/^=+\n/, ''));
    const left = fixableCounts(result.findings);
    io.stderr.write(
      run.changes.length
        ? `Would fix ${plural(summary.applied, 'problem')} in ${plural(run.changes.length, 'file')}.\n`
        : `No fixes to apply${left.unsafe ? ` (${plural(left.unsafe, 'unsafe fix', 'unsafe fixes')} available with --unsafe-fixes)` : ''}.\n`,
    );
    return run.changes.length || summary.skipped.length ? 1 : 0;
  }
  if (options.quiet && !summary.skipped.length) return null;
  const files = plural(summary.files.length, 'file');
  if (summary.mode === 'add-suppressions') {
    io.stderr.write(`Added ${plural(summary.applied, 'suppression')} in ${files}; ${plural(result.findings.length, 'problem')} left.\n`);
    return null;
  }
  const left = fixableCounts(result.findings);
  const hidden = left.unsafe && !result.findings.some((f) => f.fix?.applicability === 'safe') ? ` (${left.unsafe} fixable with --unsafe-fixes)` : '';
  io.stderr.write(`Fixed ${plural(summary.applied, 'problem')} in ${files}; ${plural(result.findings.length, 'problem')} remain${result.findings.length === 1 ? 's' : ''}${hidden}.\n`);
  if (options.staged && summary.applied) io.stderr.write('The fixes are in the working tree, not in the commit: review them, `git add` them, and commit again.\n');
  return null;
}
