/**
 * `provenant registry check`: the registry's CI check, printed as text, JSON or GitHub annotations. Exits 1
 * when the generated Markdown is stale, coverage is low, an annotation points at a missing file, or a file in
 * use imports or runs a deprecated one.
 */

import path from 'node:path';
import { checkRegistry, type CheckProblem, type CheckResult } from '../../../index.js';
import { oneOf, type Io } from '../../io.js';
import { COMMON_HELP, parseRegistryArgs, coverageText, plural, printJson, printWarnings, registryOptions } from './options.js';

export const HELP = `provenant registry check [--format text|json|github] — for CI: exit 1 when the generated Markdown is
stale, missing or edited by hand, coverage is under registry.min-coverage, an annotation points at a
file that does not exist, or a file that is not deprecated imports or runs a deprecated one. Always
prints the coverage. Never writes the Markdown.

Options:
  --format text|json|github   output format (default: text)
${COMMON_HELP}

Exit codes: 0 clean, 1 problems found, 2 usage or config error, 3 internal error.
`;

const FORMATS = ['text', 'json', 'github'] as const;

/** Escapes a workflow command's message and property values, as the runner reads them back. */
function escape(s: string, property: boolean): string {
  const data = s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return property ? data.replace(/:/g, '%3A').replace(/,/g, '%2C') : data;
}

function github(r: CheckResult, cwd: string): string {
  const lines = r.problems.map((p: CheckProblem) => {
    const props: string[] = [];
    if (p.path !== null) props.push(`file=${escape(path.relative(cwd, path.join(r.root, p.path)) || p.path, true)}`);
    if (p.line !== null) props.push(`line=${p.line}`);
    props.push(`title=${escape(`registry ${p.kind}`, true)}`);
    return `::error ${props.join(',')}::${escape(p.message, false)}`;
  });
  lines.push(`provenant registry: ${coverageText(r.coverage)}; ${r.ok ? 'no problems' : plural(r.problems.length, 'problem')}`);
  return `${lines.join('\n')}\n`;
}

function text(r: CheckResult): string {
  const lines = r.problems.map((p) => `  ${p.message}`);
  const head = r.ok ? 'registry check: no problems' : `registry check: ${plural(r.problems.length, 'problem')}`;
  return `${[head, ...lines, `coverage: ${coverageText(r.coverage)} (required: ${r.minCoverage}%)`].join('\n')}\n`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parseRegistryArgs('check', args, io, HELP, { format: { type: 'string' } }, false);
  if (parsed === null) return 0;
  const { values } = parsed;
  const format = oneOf('format', values.format, FORMATS) ?? 'text';
  const r = await checkRegistry(registryOptions(values, io));
  printWarnings(io, r.warnings);
  if (format === 'json') {
    const { root: _root, warnings: _warnings, ...report } = r;
    printJson(io, report);
  } else {
    io.stdout.write(format === 'github' ? github(r, io.cwd) : text(r));
  }
  return r.ok ? 0 : 1;
}
