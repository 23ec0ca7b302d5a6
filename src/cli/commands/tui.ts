/**
 * `provenant tui`: browse the registry in the terminal (scripts, status, purpose, detail, findings).
 */

import { parseArgs } from 'node:util';
import { artifactsProducedBy, runTui } from '../../index.js';
import { UserError } from '../../core/errors.js';
import { usage, type Io } from '../io.js';
import { COMMON_HELP, COMMON_OPTIONS, registryOptions } from './registry/options.js';

export const HELP = `provenant tui [--no-refresh] — browse the implementation registry in the terminal: every script with
its status and purpose, a live filter, and per script its command line, inputs and outputs, dependents,
git history, known bugs, audit findings and replacement.

Keys: j/k or arrows move, g/G ends, / filters (Esc clears), s cycles the status filter, Enter opens,
r jumps to the replacement, Esc goes back, ? shows every key, q or Ctrl-C quits.
When stdout is not a terminal, the list is printed as a plain table instead.

Options:
  --no-refresh    show the index as the last sync left it, without checking the tree
${COMMON_HELP}
`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = usage('tui', () =>
    parseArgs({ args, strict: true, allowPositionals: true, options: { ...COMMON_OPTIONS, 'no-refresh': { type: 'boolean' } } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length) throw new UserError(`tui: unexpected argument \`${positionals[0]}\``, { hint: 'provenant tui [--no-refresh] [--config PATH]' });
  return runTui({
    ...registryOptions(values, io),
    ...(values['no-refresh'] ? { refresh: false } : {}),
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    artifacts: artifactsProducedBy,
  });
}
