/**
 * `provenant verify`: a verdict per artifact, from its stamp, its content, its producer and its inputs.
 */

import { UserError } from '../../core/errors.js';
import { printable } from '../../core/display.js';
import { verifyArtifacts } from '../../index.js';
import { commandArgs, type Io } from '../io.js';

export const HELP = `provenant verify PATH… [--full] [--json]

A verdict for each artifact, cheapest check first:
  unstamped      no stamp: nothing says how it was made
  tampered       the content, or the stamp, is not what was stamped (an unsigned stamp no ledger row
                 vouches for is checked against what the content determines: size, records, fields)
  bad-signature  the stamp's signature does not verify against the allowed keys, or it is unsigned
                 and the config sets require-signature (the CI setting)
  quarantined    its producer is deprecated, a known bug was fixed after it was made, or the run
                 attested a chat template / special tokens on a base model
  suspect        a legacy stamp nobody has accepted (investigate --accept --reason), or an unknown
                 producer where the config sets require-known-producer
  stale          its producer's code, a module it imports, or an input changed since
  failed-qc      a QC policy failed when it was stamped
  upstream-bad   an input fails verification (the chain is printed)
  ok

  --full   rehash every artifact (default: files whose size, mtime and inode are unchanged are trusted)
  --json   one JSON document on stdout

Exit: 0 when every artifact is ok, 1 otherwise.
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = commandArgs('verify', args, { full: { type: 'boolean' }, json: { type: 'boolean' } }, io, HELP);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UserError('verify: name at least one artifact', { hint: 'provenant verify data/sft/train.jsonl' });
  const report = await verifyArtifacts({ cwd: io.cwd, paths: positionals, full: Boolean(values.full), env: io.env, warn: (m) => io.stderr.write(`provenant: warning: ${m}\n`) });
  if (values.json) {
    io.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    for (const r of report.results) {
      io.stdout.write(`${r.verdict.padEnd(13)} ${printable(r.path)}${r.signedBy ? `  (signed by ${printable(r.signedBy)})` : r.signature === 'unsigned' ? '  (unsigned)' : ''}\n`);
      for (const reason of r.reasons) io.stdout.write(`              ${printable(reason)}\n`);
      for (const note of r.notes) io.stdout.write(`              note: ${printable(note)}\n`);
      if (r.chain.length > 1) io.stdout.write(`              chain: ${r.chain.map((c) => `${printable(c.path)} [${c.verdict}]`).join(' ← ')}\n`);
    }
  }
  return report.ok ? 0 : 1;
}
