import { parseArgs } from 'node:util';
import { audit, exitCodeFor, toReport, VERSION } from '../../index.js';
import { renderSkipped, renderText } from '../../audit/reporters/text.js';
import { styleFor } from '../../core/style.js';
import { codes, FORMATS, oneOf, usage, type Io } from '../io.js';

export const HELP = `provenant audit [PATHS…] — find chat-template contamination, bypassed loaders and dead script calls

Options:
  --format text|json      output format (default: text)
  --select CODES          only these rules (codes or prefixes, comma-separated)
  --ignore CODES          skip these rules
  --fail-on error|warning|info  least severity that makes the exit code 1 (default: config, else warning)
  --exit-zero             exit 0 even when problems are found
  --config PATH           use this config file
  --isolated              ignore all config files
  --no-frames             one line per finding, without code frames
  --quiet                 print findings only, no skipped-file warnings

Exit codes: 0 clean, 1 problems at or above --fail-on, 2 usage or config error, 3 internal error.
`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = usage('audit', () =>
    parseArgs({ args, allowPositionals: true, strict: true, options: {
    format: { type: 'string' },
    select: { type: 'string', multiple: true },
    ignore: { type: 'string', multiple: true },
    'fail-on': { type: 'string' },
    'exit-zero': { type: 'boolean' },
    config: { type: 'string' },
    isolated: { type: 'boolean' },
    'no-frames': { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const format = oneOf('format', values.format, FORMATS) ?? 'text';
  const failOn = oneOf('fail-on', values['fail-on'], ['error', 'warning', 'info'] as const);
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
  });
  if (format === 'json') {
    io.stdout.write(JSON.stringify(toReport(result, VERSION), null, 2) + '\n');
  } else {
    if (!values.quiet) io.stderr.write(renderSkipped(result, io.cwd));
    io.stdout.write(renderText(result, { cwd: io.cwd, style: styleFor(io.stdout, io.env), showFrames: !values['no-frames'] }));
  }
  return values['exit-zero'] ? 0 : exitCodeFor(result);
}
