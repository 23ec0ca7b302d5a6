/**
 * `provenant audit`: parses the flags, runs the audit and prints it as text, JSON, SARIF or GitHub commands.
 */

import { parseArgs } from 'node:util';
import { audit } from '../../audit/engine.js';
import { displayPath, exitCodeFor, renderJsonReport } from '../../audit/report.js';
import { VERSION } from '../../version.js';
import { renderSkipped, renderText } from '../../audit/reporters/text.js';
import { UserError } from '../../core/errors.js';
import { styleFor } from '../../core/style.js';
import { codes, oneOf, usage, type Io } from '../io.js';

export const HELP = `provenant audit [PATHS…] — find chat-template contamination, bypassed loaders and dead script calls

Options:
  --format text|json|sarif|github   output format (default: text)
  --select CODES          only these rules (codes or prefixes, comma-separated)
  --ignore CODES          skip these rules
  --fail-on error|warning|info  least severity that makes the exit code 1 (default: config, else warning)
  --exit-zero             exit 0 even when problems are found
  --staged                audit what is staged in git (the index, not the working tree)
  --changed-since REV     audit files changed since a git revision
  --write-baseline        record every current finding in the baseline file; later runs report only new ones
  --update-baseline       drop baseline entries that no longer occur (never adds)
  --baseline FILE         baseline file (default: .provenant-baseline.json at the project root)
  --no-baseline           report every finding, baseline or not
  --no-cache              parse everything afresh; leave .provenant/ alone
  --config PATH           use this config file
  --isolated              ignore all config files
  --no-frames             one line per finding, without code frames
  --quiet                 print findings only, no warnings about skipped files
  --fix                   apply safe fixes, then report what remains
  --unsafe-fixes          with --fix or --diff: unsafe fixes too (they may change what the code does)
  --diff                  print the fixes as a unified diff instead of writing them (exit 1 if any)
  --add-suppressions REASON  write \`# provenant: ignore[CODE] REASON\` on every finding (instead of a baseline)

Suppress one finding with a comment on its line or the line before:
  # provenant: ignore[TMPL001] the judge is an instruct model

Exit codes: 0 clean, 1 problems at or above --fail-on, 2 usage or config error, 3 internal error.
`;

const FORMATS = ['text', 'json', 'sarif', 'github'] as const;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = usage('audit', () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' },
        select: { type: 'string', multiple: true },
        ignore: { type: 'string', multiple: true },
        'fail-on': { type: 'string' },
        'exit-zero': { type: 'boolean' },
        staged: { type: 'boolean' },
        'changed-since': { type: 'string' },
        'write-baseline': { type: 'boolean' },
        'update-baseline': { type: 'boolean' },
        baseline: { type: 'string' },
        'no-baseline': { type: 'boolean' },
        'no-cache': { type: 'boolean' },
        config: { type: 'string' },
        isolated: { type: 'boolean' },
        'no-frames': { type: 'boolean' },
        quiet: { type: 'boolean' },
        fix: { type: 'boolean' },
        'unsafe-fixes': { type: 'boolean' },
        diff: { type: 'boolean' },
        'add-suppressions': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const format = oneOf('format', values.format, FORMATS) ?? 'text';
  const failOn = oneOf('fail-on', values['fail-on'], ['error', 'warning', 'info'] as const);
  const baselineModes = [values['write-baseline'] && 'write', values['update-baseline'] && 'update', values['no-baseline'] && 'ignore'].filter(Boolean);
  if (baselineModes.length > 1) throw new UserError('--write-baseline, --update-baseline and --no-baseline exclude each other');
  const select = codes(values.select);
  const ignore = codes(values.ignore);
  const fixMode = fixModeOf(values, baselineModes.some((m) => m !== 'ignore'));
  if (fixMode?.mode === 'diff' && format !== 'text') throw new UserError('--diff prints a unified diff; --format is for reports', { hint: 'use --fix --format json to fix and get the report' });
  const options = {
    paths: positionals,
    cwd: io.cwd,
    ...(values.config ? { configPath: values.config } : {}),
    ...(values.isolated ? { isolated: true } : {}),
    ...(select ? { select } : {}),
    ...(ignore ? { ignore } : {}),
    ...(failOn ? { failOn } : {}),
    ...(values.staged ? { staged: true } : {}),
    ...(values['changed-since'] ? { changedSince: values['changed-since'] } : {}),
    ...(values['no-cache'] ? { noCache: true } : {}),
    ...(baselineModes[0] ? { baseline: baselineModes[0] as 'write' | 'update' | 'ignore' } : {}),
    ...(values.baseline ? { baselineFile: values.baseline } : {}),
  };
  // fixing loads its modules (and the diff library) only when asked for
  const fixed = fixMode ? await (await import('../../audit/fix-run.js')).auditAndFix(options, { ...fixMode, unsafe: Boolean(values['unsafe-fixes']) }) : null;
  const result = fixed?.result ?? (await audit(options));
  for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
  if (!values.quiet && format !== 'json' && format !== 'sarif') io.stderr.write(renderSkipped(result, io.cwd));
  if (result.baseline?.mode === 'write') {
    io.stderr.write(`wrote ${result.baseline.written} findings to ${result.baseline.file}\n`);
  } else if (result.baseline?.mode === 'update') {
    io.stderr.write(`baseline ${result.baseline.file}: kept ${result.baseline.written}, dropped ${result.baseline.fixed} fixed\n`);
  } else if (result.baseline && result.baseline.baselined && !values.quiet) {
    io.stderr.write(`${result.baseline.baselined} known findings hidden by the baseline ${result.baseline.file}\n`);
  }
  if (fixed) {
    const { reportFixes } = await import('./audit-fix.js');
    const exit = await reportFixes(fixed, { io, format, quiet: Boolean(values.quiet), staged: Boolean(values.staged) });
    if (exit !== null) return values['exit-zero'] ? 0 : exit;
  }
  switch (format) {
    case 'json':
      for (const part of renderJsonReport(result, VERSION, fixed?.summary ?? null)) io.stdout.write(part);
      break;
    case 'sarif': {
      const { renderSarif } = await import('../../audit/reporters/sarif.js');
      io.stdout.write(await renderSarif(result, { version: VERSION, cwd: io.cwd }));
      break;
    }
    case 'github': {
      const { renderGithub, writeGithubSummary } = await import('../../audit/reporters/github.js');
      io.stdout.write(renderGithub(result, { cwd: io.cwd }));
      await writeGithubSummary(result, io.env, io.cwd);
      break;
    }
    default:
      io.stdout.write(renderText(result, { cwd: io.cwd, style: styleFor(io.stdout, io.env), showFrames: !values['no-frames'] }));
  }
  // the report stands for what was audited; a file named on the command line that is not what its name says is a usage error
  if (result.refused.length) {
    const [first, ...more] = result.refused.map((r) => `${displayPath(result.root, r.path, io.cwd)}: ${r.reason}`);
    throw new UserError(`cannot audit ${first}${more.length ? `; ${more.join('; ')}` : ''}`, { hint: 'name files of the format their name says (a .ipynb is an nbformat 4 notebook), or leave them out' });
  }
  if (values['exit-zero']) return 0;
  // a fix that could not be written (read-only, changed on disk) is a failure whatever the severities left
  return fixed?.summary.skipped.length || (values.staged && fixed?.summary.applied) ? 1 : exitCodeFor(result);
}

/** The one fix mode the flags ask for, or null; usage errors for combinations that mean nothing. */
function fixModeOf(
  values: { fix?: boolean; diff?: boolean; 'unsafe-fixes'?: boolean; 'add-suppressions'?: string },
  baseline: boolean,
): { mode: 'fix' | 'diff' | 'add-suppressions'; reason?: string } | null {
  const asked = [values.fix && '--fix', values.diff && '--diff', values['add-suppressions'] !== undefined && '--add-suppressions'].filter(Boolean);
  if (asked.length > 1) throw new UserError(`${asked.join(' and ')} exclude each other`, { hint: '--diff shows what --fix would write' });
  if (values['unsafe-fixes'] && !values.fix && !values.diff) throw new UserError('--unsafe-fixes works with --fix or --diff', { hint: 'provenant audit --fix --unsafe-fixes' });
  if (asked.length && baseline) throw new UserError(`${asked[0]} cannot be combined with the baseline flags`, { hint: 'fix first, then record what remains with --write-baseline' });
  if (values['add-suppressions'] !== undefined) return { mode: 'add-suppressions', reason: values['add-suppressions'] };
  return values.fix ? { mode: 'fix' } : values.diff ? { mode: 'diff' } : null;
}
