/**
 * `provenant server`: the audit and the registry in the editor, a Language Server Protocol server on
 * stdin/stdout. It runs until the client sends `exit`.
 */

import { parseArgs } from 'node:util';
import { startServer } from '../../index.js';
import { UserError } from '../../core/errors.js';
import { usage, type Io } from '../io.js';

export const HELP = `provenant server [--stdio] — the audit and the registry in the editor: a Language Server Protocol
server on stdin/stdout for Python, notebooks and TS/JS. Diagnostics as you type (the project's config, the
audit's cache), the rule's why on hover, the audit's fixes and a suppression as quick fixes (every safe fix
as source.fixAll.provenant), go to definition and the registry entry on a script a line runs. Start it from the editor's LSP client (see README, "Editors").

Options:
  --stdio         talk LSP on stdin/stdout (the default and only transport)

Initialization options (from the client): { "debounceMs": 25 } waits this long after the last change.
`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = usage('server', () =>
    parseArgs({ args, strict: true, allowPositionals: true, options: { stdio: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length) throw new UserError(`server: unexpected argument \`${positionals[0]}\``, { hint: 'provenant server --stdio' });
  await startServer({ input: process.stdin, output: process.stdout });
  // the server ends the process itself when the client sends `exit` or closes the stream
  return new Promise<number>(() => undefined);
}
