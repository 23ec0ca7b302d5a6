/**
 * `provenant registry deprecate`: marks a file deprecated in the annotations file, with its replacement and
 * why.
 */

import { parseArgs } from 'node:util';
import { deprecateScript } from '../../../index.js';
import { UserError } from '../../../core/errors.js';
import { usage, type Io } from '../../io.js';
import { COMMON_HELP, COMMON_OPTIONS, printEdit, registryOptions } from './options.js';

export const HELP = `provenant registry deprecate PATH --replaced-by PATH --reason TEXT — mark a file deprecated in the
annotations file, with what to use instead and why. The replacement must exist and not be deprecated.

Options:
  --replaced-by PATH   the file to use instead
  --reason TEXT        why PATH must no longer be used
${COMMON_HELP}
`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = usage('registry deprecate', () =>
    parseArgs({ args, allowPositionals: true, strict: true, options: { ...COMMON_OPTIONS, 'replaced-by': { type: 'string' }, reason: { type: 'string' } } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
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
