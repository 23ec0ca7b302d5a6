/**
 * The `--format json` report of an audit, the exit code it implies, and paths as the user sees them.
 */

import path from 'node:path';
import { severityAtLeast, type Severity } from '../schemas/config-values.js';
import type { AuditReport, Finding } from '../schemas/finding.js';
import type { AuditResult } from './engine.js';

/** What `--fix`, `--diff` or `--add-suppressions` did, as the JSON report carries it. */
export type FixSummary = NonNullable<AuditReport['fixes']>;

export function toReport(result: AuditResult, version: string, fixes: FixSummary | null = null): AuditReport {
  const summary = { error: 0, warning: 0, info: 0 };
  for (const f of result.findings) summary[f.severity]++;
  return {
    version: 1,
    tool: { name: 'provenant', version },
    root: result.root,
    config: result.configSource,
    findings: result.findings,
    skipped: result.skipped,
    stats: result.stats,
    summary,
    baseline: result.baseline ? { file: result.baseline.file, baselined: result.baseline.baselined, fixed: result.baseline.fixed } : null,
    warnings: result.warnings,
    fixable: fixableCounts(result.findings),
    fixes,
  };
}

/** How many findings carry a fix, by applicability. */
export function fixableCounts(findings: readonly Finding[]): { safe: number; unsafe: number } {
  const counts = { safe: 0, unsafe: 0 };
  for (const f of findings) if (f.fix) counts[f.fix.applicability]++;
  return counts;
}

/** 1 when any finding is at least `failOn`, else 0. */
export function exitCodeFor(result: AuditResult, failOn: Severity = result.config.failOn): 0 | 1 {
  return result.findings.some((f) => severityAtLeast(f.severity, failOn)) ? 1 : 0;
}

/** A finding's path as the user should see it: relative to where they ran the command. */
export function displayPath(root: string, rel: string, cwd: string): string {
  const shown = path.relative(cwd, path.join(root, rel));
  return shown.split(path.sep).join('/') || rel;
}
