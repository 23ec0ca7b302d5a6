/**
 * Command-line options of Python entry points: argparse `add_argument(…)` calls, read from their facts
 * (flags, dest, type, default, help, required, action, choices).
 */

import type { CallFact, CliArgFact, Literal } from '../facts.js';

/** The option an argparse `add_argument(…)` call declares, or null when it names no flag. */
export function cliArgOf(call: CallFact): CliArgFact | null {
  const flags: string[] = [];
  for (const a of call.args) if (a.kind === 'str') flags.push(a.value);
  if (!flags.length) return null;
  const kw = call.kwargs;
  const str = (l: Literal | undefined): string | null =>
    l?.kind === 'str' ? l.value : l?.kind === 'name' ? l.text : l?.kind === 'fstring' ? l.text : null;
  return {
    flags,
    dest: str(kw.dest),
    type: str(kw.type),
    default: kw.default ?? null,
    help: str(kw.help),
    required: kw.required?.kind === 'bool' ? kw.required.value : null,
    action: str(kw.action),
    choices: kw.choices ?? null,
    span: call.span,
  };
}
