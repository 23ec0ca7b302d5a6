/**
 * `provenant gate`: audit, registry check and pipeline pre-flight in one pass/fail for CI.
 */

import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { renderGateGithub, renderGateSarif, renderGateSummary, runGate, writeStepSummary, writeTextFile, type GateReport } from '../../index.js';
import { commandArgs, type Io } from '../io.js';

export const HELP = `provenant gate [--format text|github] [--sarif FILE] [--spec FILE] [--smoke]

For CI before a GPU session. Passes (exit 0) only when:
  audit     no error-level finding
  registry  \`registry check\` passes (when the project keeps a registry)
  pipeline  \`pipeline plan\` has no blocking pre-flight problem: stage scripts exist, are not
            deprecated and have no error-level findings; every input the stages need verifies;
            the estimate is within the budget

  --format github   workflow annotations (worst 10) and a Markdown step summary in $GITHUB_STEP_SUMMARY
  --sarif FILE      also write the audit's findings as SARIF 2.1.0, for code scanning

Exit: 0 all checks pass, 1 a check fails, 2 a usage or config error.
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = commandArgs('gate', args, { format: { type: 'string' }, sarif: { type: 'string' }, spec: { type: 'string' }, smoke: { type: 'boolean' } }, io, HELP);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length) throw new UserError(`gate takes no paths (got ${positionals.join(' ')})`, { hint: 'run it at the project root' });
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'github') throw new UserError(`--format ${format}: expected text or github`);
  const report = await runGate({ cwd: io.cwd, env: io.env, smoke: Boolean(values.smoke), warn: (m) => io.stderr.write(`provenant: warning: ${m}\n`), ...(values.spec ? { spec: values.spec } : {}) });
  if (values.sarif) await writeTextFile(path.resolve(io.cwd, values.sarif), await renderGateSarif(report, { cwd: io.cwd }));
  if (format === 'github') {
    io.stdout.write(await renderGateGithub(report, { cwd: io.cwd }));
    await writeStepSummary(await renderGateSummary(report), io.env);
  } else {
    io.stdout.write(renderText(report));
  }
  return report.ok ? 0 : 1;
}

function renderText(report: GateReport): string {
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${c.passed === null ? '-' : c.passed ? '✓' : '✗'} ${c.name.padEnd(9)} ${c.summary}`);
    for (const p of c.problems.slice(0, 20)) lines.push(`    ${p.path ? `${p.path}${p.line ? `:${p.line}` : ''}: ` : ''}${p.message}`);
    if (c.problems.length > 20) lines.push(`    … and ${c.problems.length - 20} more`);
  }
  lines.push(report.ok ? 'gate: passed' : 'gate: FAILED — fix the problems above before starting the GPU session');
  return lines.join('\n') + '\n';
}
