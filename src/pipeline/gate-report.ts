/**
 * The gate's reports for GitHub: workflow annotations (the worst 10, as GitHub shows no more per step), a
 * Markdown step summary (kept well under GitHub's 1 MiB), and SARIF for code scanning (the audit's findings,
 * through the audit's own SARIF reporter).
 */
import { annotation, escapeData, escapeProperty, MAX_ANNOTATIONS, MAX_SUMMARY_ROWS, worstFirst } from '../audit/reporters/github.js';
import { renderSarif } from '../audit/reporters/sarif.js';
import { writeUserFile } from '../core/fs.js';
import { VERSION } from '../version.js';
import type { GateReport } from './gate.js';

export function renderGateGithub(report: GateReport, options: { cwd: string }): string {
  const lines: string[] = [];
  const errors = worstFirst(report.audit.findings.filter((f) => f.severity === 'error'));
  const others = report.checks.filter((c) => c.name !== 'audit').flatMap((c) => c.problems.map((p) => ({ ...p, check: c.name })));
  for (const p of others.slice(0, MAX_ANNOTATIONS)) {
    const where = p.path ? ` file=${escapeProperty(p.path)}${p.line ? `,line=${p.line}` : ''}` : '';
    lines.push(`::error${where},title=${escapeProperty(`provenant gate: ${p.check}`)}::${escapeData(p.message)}`);
  }
  for (const f of errors.slice(0, Math.max(0, MAX_ANNOTATIONS - lines.length))) lines.push(annotation(f, report.root, options.cwd));
  const notes = report.checks.map((c) => `${c.name}: ${c.passed === null ? 'n/a' : c.passed ? 'passed' : 'FAILED'} (${c.summary})`);
  lines.push(`::${report.ok ? 'notice' : 'error'} title=provenant gate::${escapeData(`${report.ok ? 'passed' : 'failed'} — ${notes.join('; ')}`)}`);
  return lines.join('\n') + '\n';
}

function md(s: string): string {
  return s.replace(/[|\\`*_<>]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}

export function renderGateSummary(report: GateReport): string {
  const out = [`## provenant gate: ${report.ok ? '✅ passed' : '❌ failed'}`, '', '| check | result | summary |', '|---|---|---|'];
  for (const c of report.checks) out.push(`| ${c.name} | ${c.passed === null ? 'n/a' : c.passed ? 'passed' : '**failed**'} | ${md(c.summary)} |`);
  const problems = report.checks.flatMap((c) => c.problems.map((p) => ({ ...p, check: c.name })));
  if (problems.length) {
    out.push('', `### Problems (${problems.length})`, '', '| check | where | problem |', '|---|---|---|');
    for (const p of problems.slice(0, MAX_SUMMARY_ROWS)) out.push(`| ${p.check} | ${p.path ? md(`${p.path}${p.line ? `:${p.line}` : ''}`) : ''} | ${md(p.message)} |`);
    if (problems.length > MAX_SUMMARY_ROWS) out.push('', `… and ${problems.length - MAX_SUMMARY_ROWS} more.`);
  }
  if (report.plan) {
    out.push('', '### Pipeline plan', '', '| stage | state | GPU h |', '|---|---|---|');
    for (const s of report.plan.stages) out.push(`| ${md(s.id)} | ${s.state} | ${s.gpuHours} |`);
  }
  return out.join('\n') + '\n';
}

export async function renderGateSarif(report: GateReport, options: { cwd: string }): Promise<string> {
  return renderSarif(report.audit, { version: VERSION, cwd: options.cwd });
}

/** The SARIF file asked for with `--sarif`, replaced atomically. */
export async function writeTextFile(file: string, text: string): Promise<void> {
  await writeUserFile(file, text, file, undefined);
}
