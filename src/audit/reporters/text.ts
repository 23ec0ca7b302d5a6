/**
 * The default text reporter: one line per finding with a Ruff-style code frame, then a summary line.
 */

import { printable } from '../../core/display.js';
import type { Style } from '../../core/style.js';
import type { Finding } from '../../schemas/finding.js';
import type { AuditResult } from '../engine.js';
import { displayPath, fixableCounts } from '../report.js';
import { plural } from '../../core/fs.js';

/** Tabs stay (they are how the source is indented); every other control character is escaped. */
const printableSource = (text: string): string => text.split('\t').map(printable).join('\t');

function severityColor(style: Style, severity: Finding['severity']): (s: string) => string {
  return severity === 'error' ? style.red : severity === 'warning' ? style.yellow : style.blue;
}

/** A code frame like Ruff's: numbered lines, then carets under the span with the code. */
function frame(f: Finding, style: Style): string[] {
  if (!f.frame.length) return [];
  // a notebook finding's frame is numbered by the lines of its cell
  const at = f.cell?.line ?? f.span.line;
  const width = String(f.frame[f.frame.length - 1]?.line ?? at).length;
  const gutter = (n: string) => style.blue(`${n.padStart(width)} |`);
  const out = [gutter('')];
  for (const l of f.frame) {
    // a source line's control characters are shown as escapes (a terminal would obey them), carets kept under the span
    const text = printableSource(l.text);
    out.push(`${gutter(String(l.line))} ${text}`);
    if (l.line === at) {
      const start = printableSource(l.text.slice(0, f.span.col - 1)).length;
      const end = f.span.endLine === f.span.line ? Math.max(printableSource(l.text.slice(0, f.span.endCol - 1)).length, start + 1) : text.length;
      const carets = '^'.repeat(Math.max(1, end - start));
      out.push(`${gutter('')} ${' '.repeat(start)}${severityColor(style, f.severity)(`${carets} ${f.code}`)}`);
    }
  }
  out.push(gutter(''));
  return out;
}

export function renderText(result: AuditResult, options: { cwd: string; style: Style; showFrames?: boolean }): string {
  const { style, cwd } = options;
  const lines: string[] = [];
  for (const f of result.findings) {
    // as Ruff prints a notebook location: the cell, then the line within it
    const line = f.cell ? `cell ${f.cell.index}:${f.cell.line}` : String(f.span.line);
    const where = `${displayPath(result.root, f.path, cwd)}:${line}:${f.span.col}:`;
    const color = severityColor(style, f.severity);
    lines.push(`${style.bold(printable(where))} ${color(style.bold(f.code))} ${color(`[${f.severity}]`)} ${printable(f.message)}`);
    if (options.showFrames !== false) {
      lines.push(...frame(f, style));
      lines.push('');
    }
  }
  lines.push(summaryLine(result, style));
  const hint = fixHint(result.findings);
  if (hint) lines.push(hint);
  return lines.join('\n') + '\n';
}

export function summaryLine(result: AuditResult, style: Style): string {
  const { stats, findings } = result;
  const files = new Set(findings.map((f) => f.path)).size;
  // analysed: the files a rule looked at; parsed: those of them read afresh rather than from the cache
  const analysed = `${plural(stats.filesDiscovered, 'file')} checked (${stats.filesAnalysed} analysed, ${stats.filesParsed} parsed) in ${stats.seconds.toFixed(2)}s`;
  if (!findings.length) {
    // "All clear" is a promise about every file: with some skipped unread, say only what was checked
    if (result.skipped.length) {
      return style.bold(`No problems found in what was analysed; ${plural(result.skipped.length, 'file')} skipped (reasons above). ${analysed}.`);
    }
    return style.bold(`All clear: no problems found. ${analysed}.`);
  }
  const counts = (['error', 'warning', 'info'] as const)
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => plural(n, s))
    .join(', ');
  return style.bold(`Found ${plural(findings.length, 'problem')} (${counts}) in ${plural(files, 'file')}. ${analysed}.`);
}

/** Ruff's `[*] N fixable with the --fix option`: which of the findings a fix would remove, and how. */
export function fixHint(findings: readonly Finding[]): string | null {
  const { safe, unsafe } = fixableCounts(findings);
  if (safe) return `[*] ${safe} fixable with \`provenant audit --fix\`${unsafe ? ` (${unsafe} more with \`--fix --unsafe-fixes\`)` : ''}.`;
  return unsafe ? `[*] ${unsafe} fixable with \`provenant audit --fix --unsafe-fixes\` (see them first with \`--diff --unsafe-fixes\`).` : null;
}

export function renderSkipped(result: AuditResult, cwd: string): string {
  return result.skipped.map((s) => `warning: ${printable(displayPath(result.root, s.path, cwd))}: skipped: ${printable(s.reason)}\n`).join('');
}
