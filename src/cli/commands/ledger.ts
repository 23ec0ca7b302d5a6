/**
 * `provenant ledger rebuild`: restores the ledger from the sidecar stamps.
 */

import { UserError } from '../../core/errors.js';
import { rebuildLedger } from '../../index.js';
import { commandArgs, type Io } from '../io.js';

export const HELP = `provenant ledger rebuild [--json]

Restores .provenant/ledger.db from the sidecar stamps (*.prov.json under the project, the config's excludes
honoured, and the stamps folder), in one transaction. An unreadable ledger is moved aside to
ledger.db.bad first; a readable one keeps the older stamps it knows whose sidecars were since overwritten.
Stamps that cannot be read are listed and left out.

  --json   one JSON document on stdout
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = commandArgs('ledger', args, { json: { type: 'boolean' } }, io, HELP);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'rebuild') throw new UserError('ledger takes `rebuild`', { hint: 'provenant ledger rebuild' });
  const r = await rebuildLedger({ cwd: io.cwd, warn: (m) => io.stderr.write(`provenant: warning: ${m}\n`) });
  if (values.json) {
    io.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return 0;
  }
  const out = [`indexed ${r.stamps} stamp(s)${r.history ? `, kept ${r.history} older stamp(s) as history` : ''}`];
  if (r.setAside) out.push(`the unreadable ledger was moved to ${r.setAside}`);
  if (r.invalid.length) out.push(`${r.invalid.length} stamp file(s) could not be read and were left out:`);
  for (const bad of r.invalid) out.push(`  ${bad.sidecar}: ${bad.problem}`);
  io.stdout.write(out.join('\n') + '\n');
  return 0;
}
