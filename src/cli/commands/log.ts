/**
 * `provenant log PATH`: every stamp of an artifact, newest first, and the stamp's git history.
 */

import { parseArgs } from 'node:util';
import { UserError } from '../../core/errors.js';
import { formatStampLog, stampLog } from '../../index.js';
import { usage, type Io } from '../io.js';

export const HELP = `provenant log PATH [--json]

Every stamp the ledger holds for PATH, newest first: when it was made, the commit, the producer script and
its registry status then, the artifact's digest, signed or not (* marks the stamp on disk now); then the
commits that touched the stamp file, when it is committed. Without a ledger, the stamp on disk alone.

  --json   one JSON document on stdout
`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = usage('log', () =>
    parseArgs({ args, allowPositionals: true, strict: true, options: {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const [target, ...extra] = positionals;
  if (!target || extra.length) throw new UserError('log takes one artifact path', { hint: 'provenant log data/sft/train.jsonl' });
  const report = await stampLog({ cwd: io.cwd, path: target });
  io.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : await formatStampLog(report));
  return 0;
}
