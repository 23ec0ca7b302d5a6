/**
 * `provenant registry bug add`: records a known bug of a file, and its fixing revision, in the annotations
 * file.
 */

import { addKnownBug } from '../../../index.js';
import { UserError } from '../../../core/errors.js';
import type { Io } from '../../io.js';
import { COMMON_HELP, parseRegistryArgs, printEdit, registryOptions } from './options.js';

export const HELP = `provenant registry bug add PATH --summary TEXT [--fixed-in REV] [--found YYYY-MM-DD] — record a known
bug of a file in the annotations file. Artifacts the file made before the fixing revision are suspect.
In a git repository, REV must name a commit.

Options:
  --summary TEXT   one line: what goes wrong
  --fixed-in REV   the commit that fixed it (omit while it is not fixed)
  --found DATE     when it was found
${COMMON_HELP}
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parseRegistryArgs('bug', args, io, HELP, { summary: { type: 'string' }, 'fixed-in': { type: 'string' }, found: { type: 'string' } }, true);
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const [action, path, ...extra] = positionals;
  if (action !== 'add' || path === undefined || extra.length > 0 || values.summary === undefined) {
    throw new UserError('registry bug takes `add PATH --summary TEXT`', { hint: 'e.g. `provenant registry bug add scripts/gen.py --summary "prompt stored differs" --fixed-in abc1234`' });
  }
  const r = await addKnownBug({
    ...registryOptions(values, io),
    path,
    summary: values.summary,
    ...(values['fixed-in'] === undefined ? {} : { fixedIn: values['fixed-in'] }),
    ...(values.found === undefined ? {} : { found: values.found }),
  });
  printEdit(io, r);
  return 0;
}
