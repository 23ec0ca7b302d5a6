/**
 * `provenant ledger rebuild|sync`: restores the ledger from the sidecar stamps; sends pending rows to the
 * shared ledger.
 */

import { UserError } from '../../core/errors.js';
import { rebuildLedger, syncLedger } from '../../index.js';
import { commandArgs, type Io } from '../io.js';

export const HELP = `provenant ledger rebuild|sync [--json]

rebuild  Restores .provenant/ledger.db from the sidecar stamps (*.prov.json under the project, the config's
         excludes honoured, and the stamps folder), in one transaction. An unreadable ledger is moved aside
         to ledger.db.bad first; a readable one keeps the older stamps it knows whose sidecars were since
         overwritten. Stamps that cannot be read are listed and left out. With a shared PostgreSQL ledger
         configured, it also takes every one of these stamps it lacks (it never drops another clone's rows).
sync     Sends the rows a shared ledger could not take when they were made (the server was unreachable):
         exit 0 when none is left pending, 2 when the server still cannot take them.

The shared ledger: [tool.provenant.provenance] ledger = "postgresql://user@host/db", or
PROVENANT_LEDGER_URL (which wins); its schema: ledger-schema, or PROVENANT_LEDGER_SCHEMA.

  --json   one JSON document on stdout
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = commandArgs('ledger', args, { json: { type: 'boolean' } }, io, HELP);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const verb = positionals.length === 1 ? positionals[0] : undefined;
  if (verb === 'sync') return sync(io, Boolean(values.json));
  if (verb !== 'rebuild') throw new UserError('ledger takes `rebuild` or `sync`', { hint: 'provenant ledger rebuild' });
  const r = await rebuildLedger({ cwd: io.cwd, warn: (m) => io.stderr.write(`provenant: warning: ${m}\n`) });
  if (values.json) {
    io.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return 0;
  }
  const out = [`indexed ${r.stamps} stamp(s)${r.history ? `, kept ${r.history} older stamp(s) as history` : ''}`];
  if (r.shared) out.push(`the shared ledger ${r.shared.ledger} took ${r.shared.added} stamp(s) it lacked`);
  if (r.setAside) out.push(`the unreadable ledger was moved to ${r.setAside}`);
  if (r.invalid.length) out.push(`${r.invalid.length} stamp file(s) could not be read and were left out:`);
  for (const bad of r.invalid) out.push(`  ${bad.sidecar}: ${bad.problem}`);
  io.stdout.write(out.join('\n') + '\n');
  return 0;
}

async function sync(io: Io, json: boolean): Promise<number> {
  const r = await syncLedger({ cwd: io.cwd, env: io.env });
  if (json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else if (r.backend === 'sqlite') io.stdout.write(`the ledger is ${r.ledger} (SQLite): nothing to send\n`);
  else io.stdout.write(`sent ${r.sent} row(s) to ${r.ledger}; ${r.pending} pending\n`);
  if (!r.pending && !r.reason) return 0;
  io.stderr.write(`provenant: error: ${r.reason ?? 'the shared ledger did not take the pending rows'}\n`);
  return 2;
}
