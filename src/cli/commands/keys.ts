/**
 * `provenant keys`: signing keys for stamps.
 */

import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { initSigningKey } from '../../index.js';
import { commandArgs, type Io } from '../io.js';

export const HELP = `provenant keys init

Makes an ed25519 key pair. The private key goes outside the repository ($PROVENANT_KEYS_HOME, else
$XDG_CONFIG_HOME/provenant/keys, else ~/.config/provenant/keys); the public key goes into the project's
keys folder (\`keys-dir\`, default .provenant-keys/), which \`verify\` reads for the keys it accepts.
Commit the public key. From then on \`provenant run\` signs stamps as DSSE envelopes.
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = commandArgs('keys', args, {}, io, HELP);
  if (!parsed) return 0;
  const { positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'init') throw new UserError('keys takes `init`', { hint: 'provenant keys init' });
  const r = await initSigningKey({ cwd: io.cwd, env: io.env });
  io.stdout.write(`key ${r.keyId}\n  private: ${r.privateKey}\n  public:  ${path.relative(io.cwd, r.publicKey) || r.publicKey} (commit this file)\n`);
  return 0;
}
