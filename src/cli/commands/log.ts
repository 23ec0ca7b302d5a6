/**
 * `provenant log PATH`: every stamp of an artifact, newest first, and the stamp's git history.
 */

import { formatStampLog, stampLog } from '../../index.js';
import { commandArgs, onePath, type Io } from '../io.js';

export const HELP = `provenant log PATH [--json]

Every stamp the ledger holds for PATH, newest first: when it was made, the commit, the producer script and
its registry status then, the artifact's digest, signed or not (* marks the stamp on disk now); then the
commits that touched the stamp file, when it is committed. Without a ledger, the stamp on disk alone.

  --json   one JSON document on stdout
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = commandArgs('log', args, { json: { type: 'boolean' } }, io, HELP);
  if (!parsed) return 0;
  const { values } = parsed;
  const target = onePath(parsed.positionals, 'log takes one artifact path', 'provenant log data/sft/train.jsonl');
  const report = await stampLog({ cwd: io.cwd, path: target });
  io.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : await formatStampLog(report));
  return 0;
}
