/**
 * `provenant audit`: parses the flags, runs the audit and prints it as text, JSON, SARIF or GitHub commands.
 */

import { parseArgs } from 'node:util';
import { audit } from '../../audit/engine.js';
import { displayPath, exitCodeFor, toReport } from '../../audit/report.js';
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
  const result = await audit({
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
  });
  for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
  if (!values.quiet && format !== 'json' && format !== 'sarif') io.stderr.write(renderSkipped(result, io.cwd));
  if (result.baseline?.mode === 'write') {
    io.stderr.write(`wrote ${result.baseline.written} findings to ${result.baseline.file}\n`);
  } else if (result.baseline?.mode === 'update') {
    io.stderr.write(`baseline ${result.baseline.file}: kept ${result.baseline.written}, dropped ${result.baseline.fixed} fixed\n`);
  } else if (result.baseline && result.baseline.baselined && !values.quiet) {
    io.stderr.write(`${result.baseline.baselined} known findings hidden by the baseline ${result.baseline.file}\n`);
  }
  switch (format) {
    case 'json':
      io.stdout.write(JSON.stringify(toReport(result, VERSION), null, 2) + '\n');
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
  return values['exit-zero'] ? 0 : exitCodeFor(result);
}
