/**
 * `provenant investigate PATH`: where an unstamped legacy file came from, as evidence and a verdict.
 */

import { formatInvestigation, investigateLegacyFile } from '../../index.js';
import { UserError } from '../../core/errors.js';
import { commandArgs, onePath, type Io } from '../io.js';

export const HELP = `provenant investigate PATH [--record | --accept --reason TEXT] [--json]

For a file made before stamps existed: matches its records' field set against the records each Python
script writes, dates it (its first commit, else its modification time) against the sanctioned loader's
first commit, reads which scripts existed then (renamed and deleted ones included), and the candidates'
status and known bugs. Prints an evidence table and a verdict:
  quarantine       made before the clean loader and holds model output, or its likely producer is retired
  suspect          something is unknown or wrong (no producer found, known bugs, no loader to date against)
  plausible-clean  made after the clean loader by a script that goes through it

  --record         write a legacy stamp holding the investigation: \`provenant verify\` then says
                   quarantined or suspect, never ok
  --accept         record it as accepted by a person (verify then says ok, with a note); needs --reason;
                   a quarantined file cannot be accepted
  --reason TEXT    what the person checked
  --json           one JSON document on stdout
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = commandArgs('investigate', args, { record: { type: 'boolean' }, accept: { type: 'boolean' }, reason: { type: 'string' }, json: { type: 'boolean' } }, io, HELP);
  if (!parsed) return 0;
  const { values } = parsed;
  const target = onePath(parsed.positionals, 'investigate takes one file', 'provenant investigate data/stage1/train_instructions.jsonl');
  if (values.accept && !values.reason?.trim()) throw new UserError('--accept needs --reason: say what was checked', { hint: `provenant investigate --accept --reason "spot-checked 50 records against the clean loader" ${target}` });
  if (values.reason !== undefined && !values.accept) throw new UserError('--reason goes with --accept', { hint: `provenant investigate --accept --reason "…" ${target}` });
  const report = await investigateLegacyFile({
    cwd: io.cwd,
    path: target,
    record: Boolean(values.record),
    ...(values.accept ? { accept: values.reason } : {}),
    env: io.env,
    warn: (m) => io.stderr.write(`provenant: warning: ${m}\n`),
  });
  io.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : await formatInvestigation(report));
  return 0;
}
