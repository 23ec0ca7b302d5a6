/**
 * `provenant tui`: browse the registry in the terminal (scripts, status, purpose, detail, findings).
 */

import path from 'node:path';
import { parseArgs } from 'node:util';
import { addKnownBug, artifactsProducedBy, deprecateScript, markCanonical, runTui, type EditCommand, type RegistryOptions } from '../../index.js';
import { UserError } from '../../core/errors.js';
import { usage, type Io } from '../io.js';
import { COMMON_HELP, COMMON_OPTIONS, editSummary, registryOptions } from './registry/options.js';

export const HELP = `provenant tui [--no-refresh] — browse the implementation registry in the terminal: every script with
its status and purpose, a live filter, and per script its command line, inputs and outputs, dependents,
git history, known bugs, audit findings and replacement.

Keys: j/k or arrows move, g/G ends, / filters (Esc clears), s cycles the status filter, Enter opens,
r jumps to the replacement, Esc goes back, ? shows every key, q or Ctrl-C quits. On the selected or
shown script: d deprecates it (asks for the replacement and the reason), c marks it canonical, b records
a known bug (edits as \`provenant registry deprecate|canonical|bug\` make them, comments kept), o opens it
in $VISUAL or $EDITOR at its first finding (the first on the screen in its detail), a lists the artifacts it produced with their verdicts.
When stdout is not a terminal, the list is printed as a plain table instead.

Options:
  --no-refresh    show the index as the last sync left it, without checking the tree
${COMMON_HELP}
`;

/** How long an edit from the browser waits for another edit of the annotations file before saying so. */
const EDIT_LOCK_WAIT_MS = 3000;

/** The browser's edits, through the same calls as \`provenant registry deprecate|canonical|bug\`. */
function registryEdits(target: RegistryOptions): EditCommand {
  return async (request, root) => {
    const base = { ...target, cwd: root, path: request.path, lockWaitMs: EDIT_LOCK_WAIT_MS };
    const r =
      request.kind === 'deprecate'
        ? await deprecateScript({ ...base, replacedBy: request.replacedBy, reason: request.reason })
        : request.kind === 'canonical'
          ? await markCanonical({ ...base, capability: request.capability, force: request.force })
          : await addKnownBug({ ...base, summary: request.summary, ...(request.fixedIn === undefined ? {} : { fixedIn: request.fixedIn }) });
    return { summary: editSummary(r), warnings: r.warnings, changed: r.changed };
  };
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = usage('tui', () =>
    parseArgs({ args, strict: true, allowPositionals: true, options: { ...COMMON_OPTIONS, 'no-refresh': { type: 'boolean' } } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length) throw new UserError(`tui: unexpected argument \`${positionals[0]}\``, { hint: 'provenant tui [--no-refresh] [--config PATH]' });
  const target = registryOptions({ ...values, ...(values.config === undefined ? {} : { config: path.resolve(io.cwd, values.config) }) }, io);
  return runTui({
    ...target,
    ...(values['no-refresh'] ? { refresh: false } : {}),
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    artifacts: artifactsProducedBy,
    edit: registryEdits(target),
  });
}
