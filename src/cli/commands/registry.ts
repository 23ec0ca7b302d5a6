/**
 * `provenant registry`: dispatches to its subcommands, each loaded on first use.
 */

import type { Io } from '../io.js';
import { UserError } from '../../core/errors.js';

type Subcommand = { run(args: string[], io: Io): Promise<number>; HELP: string };

/** Each subcommand loads on first use. */
const SUBCOMMANDS: Record<string, () => Promise<Subcommand>> = {
  sync: () => import('./registry/sync.js'),
  check: () => import('./registry/check.js'),
  search: () => import('./registry/search.js'),
  show: () => import('./registry/show.js'),
  similar: () => import('./registry/similar.js'),
  import: () => import('./registry/import.js'),
  deprecate: () => import('./registry/deprecate.js'),
  canonical: () => import('./registry/canonical.js'),
  bug: () => import('./registry/bug.js'),
};

export const HELP = `provenant registry <subcommand> — the implementation registry, kept true by provenant

Subcommands:
  sync                      scan every registered file; update the index and the generated Markdown
  check                     fail (exit 1) when the Markdown is stale, coverage is low, an annotation
                            points at a missing file, or a file in use imports or runs a deprecated one
  search QUERY              ranked full-text search: "does this already exist?"
  show PATH                 one entry in full
  import LEGACY.md          read a hand-written registry into the annotations file
  deprecate PATH --replaced-by PATH --reason TEXT
  canonical PATH --for CAPABILITY
  bug add PATH --fixed-in REV --summary TEXT
  similar PATH[:FUNCTION]   functions that nearly duplicate this one or a canonical implementation

Run \`provenant registry <subcommand> --help\` for its options.
`;

export async function run(args: string[], io: Io): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const load = SUBCOMMANDS[name];
  if (!load) {
    throw new UserError(`registry: unknown subcommand \`${name}\``, { hint: `subcommands: ${Object.keys(SUBCOMMANDS).join(', ')}` });
  }
  return (await load()).run(rest, io);
}
