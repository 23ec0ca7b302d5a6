/**
 * An audit that fixes what it found: `--fix` (safe fixes; `--unsafe-fixes` adds the rest), `--diff` (the
 * same, shown and not written) and `--add-suppressions`. Fixes that overlap wait for the next pass: the
 * project is audited again after each write, as Ruff re-lints, until nothing more applies or MAX_PASSES.
 * `--diff` makes the same passes on the files' text held in memory (audited in place of what is on disk),
 * so it shows what `--fix` would write.
 * In `--staged` mode the working files are fixed only where they hold what is staged (their content key
 * is the staged one), once: the commit still holds the problems until the fixes are staged, so the run
 * fails, as Ruff's pre-commit hook does after fixing.
 */

import path from 'node:path';
import { audit, type AuditOptions, type AuditResult } from './engine.js';
import { findingFixes, planFixes, writeChanges, type FileChange, type FixSource } from './apply-fixes.js';
import { suppressionSource } from './add-suppressions.js';
import type { FixSummary } from './report.js';

/** Ruff stops at 100 iterations; fixes here rarely stack more than two deep. */
export const MAX_PASSES = 10;

export interface FixOptions {
  mode: 'fix' | 'diff' | 'add-suppressions';
  /** Apply unsafe fixes too. */
  unsafe?: boolean;
  /** The reason written with each suppression (`add-suppressions`). */
  reason?: string;
}

export interface FixRun {
  /** The audit after the fixes (the first one for `--diff` and `--staged`). */
  result: AuditResult;
  summary: FixSummary;
  /** What was written, or would be with `--diff`: each file's text before and after. */
  changes: FileChange[];
  passes: number;
  /** Fixes still applicable after the last pass (MAX_PASSES reached), as a warning. */
  unconverged: number;
}

export async function auditAndFix(options: AuditOptions, fix: FixOptions): Promise<FixRun> {
  const source: FixSource =
    fix.mode === 'add-suppressions' ? suppressionSource(fix.reason ?? '') : findingFixes(fix.unsafe ? ['safe', 'unsafe'] : ['safe']);
  const first = await audit(options);
  let result = first;
  const changes = new Map<string, FileChange>();
  // `--diff`: each changed file's text so far, by path from the root, audited instead of the file
  const held = new Map<string, Buffer>();
  const skipped = new Map<string, string>();
  let applied = 0;
  let passes = 0;
  let unconverged = 0;
  for (;;) {
    const plan = planFixes(result, source, held);
    for (const s of plan.skipped) skipped.set(s.path, s.reason);
    if (!plan.changes.length) break;
    if (passes === MAX_PASSES) {
      unconverged = plan.changes.reduce((n, c) => n + c.applied, 0);
      break;
    }
    passes++;
    const done = fix.mode === 'diff' ? { written: plan.changes, skipped: [] } : writeChanges(result.root, plan.changes);
    for (const s of done.skipped) skipped.set(s.path, s.reason);
    for (const c of done.written) {
      const earlier = changes.get(c.path);
      changes.set(c.path, { ...c, before: earlier?.before ?? c.before, applied: c.applied + (earlier?.applied ?? 0) });
      applied += c.applied;
    }
    // a staged audit would read the same staged bytes again; suppressions are placed at once
    if (fix.mode === 'add-suppressions' || options.staged || !done.written.length) {
      if (fix.mode === 'add-suppressions' && !options.staged && done.written.length) result = await audit(options);
      break;
    }
    if (fix.mode === 'diff') {
      for (const c of plan.changes) held.set(c.path, Buffer.from(c.after, 'utf8'));
      const contents = new Map(options.contents);
      for (const [file, bytes] of held) contents.set(path.join(result.root, file), bytes);
      result = await audit({ ...options, contents });
    } else result = await audit(options);
  }
  return {
    // what `--diff` reports is the files as they are, not as it would leave them
    result: fix.mode === 'diff' ? first : result,
    summary: {
      mode: fix.mode,
      applied,
      files: [...changes.keys()].sort(),
      skipped: [...skipped].map(([path, reason]) => ({ path, reason })).sort((a, b) => (a.path < b.path ? -1 : 1)),
    },
    changes: [...changes.values()],
    passes,
    unconverged,
  };
}
