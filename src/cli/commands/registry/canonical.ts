/**
 * `provenant registry canonical`: marks a file as the one implementation to use for a capability.
 */

import { markCanonical } from '../../../index.js';
import { UserError } from '../../../core/errors.js';
import type { Io } from '../../io.js';
import { COMMON_HELP, parseRegistryArgs, printEdit, registryOptions } from './options.js';

export const HELP = `provenant registry canonical PATH --for CAPABILITY [--force] — make PATH the one implementation to use
for a capability ("log-prob critic"). Refuses when another file is canonical for it, unless --force,
which takes the capability from that file (it becomes active when it is canonical for nothing else).

Options:
  --for CAPABILITY   what PATH is the canonical implementation of
  --force            take the capability from the file that holds it
${COMMON_HELP}
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parseRegistryArgs('canonical', args, io, HELP, { for: { type: 'string' }, force: { type: 'boolean' } }, true);
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const [path, ...extra] = positionals;
  if (path === undefined || extra.length > 0 || values.for === undefined) {
    throw new UserError('registry canonical needs one PATH and --for', { hint: 'e.g. `provenant registry canonical scripts/utils/critic.py --for "log-prob critic"`' });
  }
  const r = await markCanonical({ ...registryOptions(values, io), path, capability: values.for, force: Boolean(values.force) });
  printEdit(io, r);
  return 0;
}
