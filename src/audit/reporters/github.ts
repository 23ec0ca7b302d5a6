/**
 * The `--format github` reporter: workflow-command annotations and a step summary for GitHub Actions. GitHub
 * drops annotations past a few per step without a word, so only the worst findings are annotated and the
 * others listed as log lines.
 */

import { appendFile } from 'node:fs/promises';
import { UserError } from '../../core/errors.js';
import type { Severity } from '../../schemas/config.js';
import type { Finding } from '../../schemas/finding.js';
import type { AuditResult } from '../engine.js';
import { displayPath } from '../report.js';
import { plural } from '../../core/fs.js';

/**
 * How many findings become annotations. GitHub shows at most 10 error and 10 warning annotations
 * per step (50 per job); anything past that is dropped without telling anyone. So we choose which:
 * the worst 10, and list the rest as plain log lines with a count, so nothing disappears silently.
 */
export const MAX_ANNOTATIONS = 10;

/** Rows of the step summary table; the rest are counted, not listed. */
export const MAX_SUMMARY_ROWS = 200;

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

/** Errors before warnings before infos, then by path, line and column. */
export function worstFirst(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      RANK[a.severity] - RANK[b.severity] ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      a.span.line - b.span.line ||
      a.span.col - b.span.col ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

/** Escapes a command's message, as the runner reads it back (`%`, CR and LF). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a command property's value: the message escapes plus `:` and `,`, which delimit properties. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One `::error file=…,line=…::message` workflow command. */
export function annotation(f: Finding, root: string, cwd: string): string {
  const props: [string, string | number][] = [['file', displayPath(root, f.path, cwd)], ['line', f.span.line]];
  // GitHub rejects columns on an annotation that spans several lines; a notebook's columns are its
  // cell's, not those of the JSON line the annotation lands on
  const columns = f.span.endLine === f.span.line && !f.cell;
  if (columns) props.push(['col', f.span.col]);
  props.push(['endLine', f.span.endLine]);
  if (columns) props.push(['endColumn', f.span.endCol]);
  props.push(['title', `${f.code} ${f.name}`]);
  const list = props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',');
  const message = f.cell ? `${f.message} (cell ${f.cell.index}, line ${f.cell.line})` : f.message;
  return `::${COMMAND[f.severity]} ${list}::${escapeData(message)}`;
}

function counts(findings: readonly Finding[]): string {
  return (['error', 'warning', 'info'] as const)
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => plural(n, s))
    .join(', ');
}

/**
 * Workflow commands for GitHub Actions: the worst {@link MAX_ANNOTATIONS} findings as annotations,
 * the others as plain `path:line:col: CODE [severity] message` lines, then one summary line. File
 * paths are relative to `cwd`, which GitHub resolves from the workspace: run from its root.
 */
export function renderGithub(result: AuditResult, options: { cwd: string }): string {
  const sorted = worstFirst(result.findings);
  const lines = sorted.slice(0, MAX_ANNOTATIONS).map((f) => annotation(f, result.root, options.cwd));
  const rest = sorted.slice(MAX_ANNOTATIONS);
  for (const f of rest) {
    const line = f.cell ? `cell ${f.cell.index}:${f.cell.line}` : String(f.span.line);
    lines.push(`${displayPath(result.root, f.path, options.cwd)}:${line}:${f.span.col}: ${f.code} [${f.severity}] ${f.message}`);
  }
  lines.push(githubSummaryLine(result, rest.length));
  return lines.join('\n') + '\n';
}

function githubSummaryLine(result: AuditResult, notAnnotated: number): string {
  const { findings, skipped } = result;
  const skip = skipped.length ? ` ${plural(skipped.length, 'file')} skipped.` : '';
  if (!findings.length) return `provenant: no problems found.${skip}`;
  const files = new Set(findings.map((f) => f.path)).size;
  const shown = notAnnotated
    ? ` The worst ${MAX_ANNOTATIONS} are annotated; ${notAnnotated} more are listed above.`
    : '';
  return `provenant: found ${plural(findings.length, 'problem')} (${counts(findings)}) in ${plural(files, 'file')}.${shown}${skip}`;
}

/** Escapes text for a Markdown table cell: no HTML, no emphasis, no links, no column breaks. */
function mdText(s: string): string {
  return s.replace(/[\\`*_[\]<>|~&#]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** A code span that survives any backticks inside, with `|` escaped for a table cell. */
function mdCode(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

/** A finding message in a table cell: its `code spans` stay code, the prose is escaped. */
function mdMessage(message: string): string {
  const out: string[] = [];
  const re = /(`+)([\s\S]*?[^`])\1(?!`)/g;
  let at = 0;
  for (let m = re.exec(message); m; m = re.exec(message)) {
    out.push(mdText(message.slice(at, m.index)), mdCode(m[2] ?? ''));
    at = m.index + m[0].length;
  }
  out.push(mdText(message.slice(at)));
  return out.join('');
}

/**
 * Markdown for `$GITHUB_STEP_SUMMARY`: counts by severity, a table of findings (worst first, at most
 * {@link MAX_SUMMARY_ROWS} rows) and the skipped files.
 */
export function renderGithubSummary(result: AuditResult, options: { cwd: string }): string {
  const { findings, skipped, stats } = result;
  const out = ['## provenant audit', ''];
  const checked = `${plural(stats.filesDiscovered, 'file')} checked (${stats.filesAnalysed} analysed, ${stats.filesParsed} parsed)`;
  if (!findings.length) {
    out.push(`No problems found. ${checked}.`);
  } else {
    const files = new Set(findings.map((f) => f.path)).size;
    out.push(`Found **${plural(findings.length, 'problem')}** in ${plural(files, 'file')}. ${checked}.`, '');
    out.push('| severity | count |', '|---|---:|');
    for (const s of ['error', 'warning', 'info'] as const) out.push(`| ${s} | ${findings.filter((f) => f.severity === s).length} |`);
    out.push('', '| code | severity | location | message |', '|---|---|---|---|');
    const sorted = worstFirst(findings);
    for (const f of sorted.slice(0, MAX_SUMMARY_ROWS)) {
      const where = `${displayPath(result.root, f.path, options.cwd)}:${f.span.line}`;
      out.push(`| ${f.code} | ${f.severity} | ${mdCode(where)} | ${mdMessage(f.message)} |`);
    }
    if (sorted.length > MAX_SUMMARY_ROWS) out.push('', `… and ${sorted.length - MAX_SUMMARY_ROWS} more.`);
  }
  if (skipped.length) {
    out.push('', `### Skipped files (${skipped.length})`, '');
    for (const s of skipped) out.push(`- ${mdCode(displayPath(result.root, s.path, options.cwd))}: ${mdText(s.reason)}`);
  }
  return out.join('\n') + '\n';
}

/**
 * Appends the step summary to the file GitHub names in `GITHUB_STEP_SUMMARY` (appending, as other
 * steps' summaries share the file); does nothing outside GitHub Actions. Returns whether it wrote.
 */
export async function writeGithubSummary(
  result: AuditResult,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Promise<boolean> {
  return appendStepSummary(renderGithubSummary(result, { cwd }), env);
}

/** Appends Markdown to the file `GITHUB_STEP_SUMMARY` names; does nothing (false) outside GitHub Actions. */
export async function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  try {
    await appendFile(file, markdown);
  } catch (error) {
    throw new UserError(`cannot append the step summary to ${file} (GITHUB_STEP_SUMMARY)`, {
      cause: error,
      hint: 'GITHUB_STEP_SUMMARY must name a writable file; unset it outside GitHub Actions',
    });
  }
  return true;
}
