/**
 * The `--format json` report of an audit, the exit code it implies, and paths as the user sees them.
 */

import path from 'node:path';
import { severityAtLeast, type Severity } from '../schemas/config-values.js';
import type { AuditReport, Finding } from '../schemas/finding.js';
import type { AuditResult } from './engine.js';
import { findingsJsonParts } from './run-memo.js';

/** What `--fix`, `--diff` or `--add-suppressions` did, as the JSON report carries it. */
export type FixSummary = NonNullable<AuditReport['fixes']>;

/** Findings by severity and by fix applicability: the report's summary and the exit code. */
export interface FindingCounts {
  severities: Record<Severity, number>;
  fixable: { safe: number; unsafe: number };
}

export function countFindings(findings: readonly Finding[]): FindingCounts {
  const severities = { error: 0, warning: 0, info: 0 };
  for (const f of findings) severities[f.severity]++;
  return { severities, fixable: fixableCounts(findings) };
}

export function toReport(result: AuditResult, version: string, fixes: FixSummary | null = null): AuditReport {
  return reportWith(result, version, fixes, result.findings);
}

function reportWith(result: AuditResult, version: string, fixes: FixSummary | null, findings: Finding[]): AuditReport {
  const { severities, fixable } = result.remembered?.counts ?? countFindings(result.findings);
  return {
    version: 1,
    tool: { name: 'provenant', version },
    root: result.root,
    config: result.configSource,
    findings,
    skipped: result.skipped,
    stats: result.stats,
    summary: { ...severities },
    baseline: result.baseline ? { file: result.baseline.file, baselined: result.baseline.baselined, fixed: result.baseline.fixed } : null,
    warnings: result.warnings,
    fixable,
    fixes,
  };
}

/**
 * `--format json`: the report, pretty-printed, as parts to write in order (the same bytes as
 * `JSON.stringify(toReport(…), null, 2)`). The findings are written a part at a time, so a report of 50,000
 * findings is never one string; a run answered from the run memo prints them as remembered, without parsing them.
 */
export function* renderJsonReport(result: AuditResult, version: string, fixes: FixSummary | null = null): Generator<string | Buffer> {
  const remembered = result.remembered;
  const text = JSON.stringify(reportWith(result, version, fixes, []), null, 2);
  // `findings` follows `root` and `config`, whose quotes are escaped: the first such line is the key
  const empty = '\n  "findings": []';
  const at = text.indexOf(empty);
  yield `${text.slice(0, at)}\n  "findings": `;
  yield* remembered ? remembered.findingsJson : findingsJsonParts(result.findings);
  yield `${text.slice(at + empty.length)}\n`;
}

/** How many findings carry a fix, by applicability. */
export function fixableCounts(findings: readonly Finding[]): { safe: number; unsafe: number } {
  const counts = { safe: 0, unsafe: 0 };
  for (const f of findings) if (f.fix) counts[f.fix.applicability]++;
  return counts;
}

/** 1 when any finding is at least `failOn`, else 0. */
export function exitCodeFor(result: AuditResult, failOn: Severity = result.config.failOn): 0 | 1 {
  const { severities } = result.remembered?.counts ?? countFindings(result.findings);
  return (Object.keys(severities) as Severity[]).some((s) => severities[s] > 0 && severityAtLeast(s, failOn)) ? 1 : 0;
}

/** A finding's path as the user should see it: relative to where they ran the command. */
export function displayPath(root: string, rel: string, cwd: string): string {
  const shown = path.relative(cwd, path.join(root, rel));
  return shown.split(path.sep).join('/') || rel;
}
