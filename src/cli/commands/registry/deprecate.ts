/**
 * `provenant registry deprecate`: marks a file deprecated in the annotations file, with its replacement and
 * why.
 */

import { deprecateScript } from '../../../index.js';
import { UserError } from '../../../core/errors.js';
import type { Io } from '../../io.js';
import { COMMON_HELP, parseRegistryArgs, printEdit, registryOptions } from './options.js';

export const HELP = `provenant registry deprecate PATH --replaced-by PATH --reason TEXT — mark a file deprecated in the
annotations file, with what to use instead and why. The replacement must exist and not be deprecated.

Options:
  --replaced-by PATH   the file to use instead
  --reason TEXT        why PATH must no longer be used
${COMMON_HELP}
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parseRegistryArgs('deprecate', args, io, HELP, { 'replaced-by': { type: 'string' }, reason: { type: 'string' } }, true);
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const [path, ...extra] = positionals;
  const replacedBy = values['replaced-by'];
  if (path === undefined || extra.length > 0 || replacedBy === undefined || values.reason === undefined) {
    throw new UserError('registry deprecate needs one PATH, --replaced-by and --reason', {
      hint: 'e.g. `provenant registry deprecate scripts/old.py --replaced-by scripts/new.py --reason "leaves the chat template on"`',
    });
  }
  const r = await deprecateScript({ ...registryOptions(values, io), path, replacedBy, reason: values.reason });
  printEdit(io, r);
  return 0;
}
