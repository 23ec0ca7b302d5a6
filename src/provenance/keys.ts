/**
 * Signing keys and DSSE envelopes. `provenant keys init` makes an ed25519 pair with node:crypto: the
 * private half goes outside the repository (`$PROVENANT_KEYS_HOME`, else `$XDG_CONFIG_HOME/provenant/keys`,
 * else `~/.config/provenant/keys`), the public half into the project's keys folder, where verify looks for
 * the keys it accepts. A key id is the first 16 hex digits of the sha256 of the public key (SPKI DER).
 *
 * The signature covers DSSE's pre-authentication encoding, `DSSEv1 <len> <type> <len> <body>`, so the
 * payload type is signed too (the type-confusion mistake DSSE exists to prevent).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { errorMessage, UserError } from '../core/errors.js';
import { DSSE_PAYLOAD_TYPE, type Envelope } from '../schemas/stamp.js';

export function keysHome(env: NodeJS.ProcessEnv): string {
  if (env.PROVENANT_KEYS_HOME) return path.resolve(env.PROVENANT_KEYS_HOME);
  const config = env.XDG_CONFIG_HOME ? path.resolve(env.XDG_CONFIG_HOME) : path.join(os.homedir(), '.config');
  return path.join(config, 'provenant', 'keys');
}

export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

export interface KeyInitResult {
  keyId: string;
  privateKey: string;
  publicKey: string;
}

/** A new key pair; refuses to write inside the project (a private key must never be committed). */
export function initKey(root: string, keysDir: string, env: NodeJS.ProcessEnv): KeyInitResult {
  const home = keysHome(env);
  const rel = path.relative(root, home);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
    throw new UserError(`${home}: the private key folder is inside the project`, { hint: 'set PROVENANT_KEYS_HOME to a folder outside the repository' });
  }
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const id = keyId(publicKey);
  const privateFile = path.join(home, `${id}.key`);
  const publicFile = path.join(root, keysDir, `${id}.pub`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  chmodSync(privateFile, 0o600);
  mkdirSync(path.dirname(publicFile), { recursive: true });
  writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx' });
  return { keyId: id, privateKey: privateFile, publicKey: publicFile };
}

/** The public keys verify accepts, by key id; a file that is not a public key is an error naming it. */
export function allowedKeys(root: string, keysDir: string): Map<string, KeyObject> {
  const dir = path.join(root, keysDir);
  const keys = new Map<string, KeyObject>();
  if (!existsSync(dir)) return keys;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.pub')).sort()) {
    const file = path.join(dir, name);
    let key: KeyObject;
    try {
      key = createPublicKey(readFileSync(file));
    } catch (error) {
      throw new UserError(`${path.join(keysDir, name)}: not a PEM public key (${errorMessage(error)})`, { cause: error });
    }
    keys.set(keyId(key), key);
  }
  return keys;
}

/** The signing key: `$PROVENANT_SIGNING_KEY`, else a private key in the keys home whose public half is allowed here. */
export function signingKey(root: string, keysDir: string, env: NodeJS.ProcessEnv): { id: string; key: KeyObject } | null {
  const explicit = env.PROVENANT_SIGNING_KEY;
  if (explicit) return loadPrivate(path.resolve(explicit), explicit);
  const allowed = allowedKeys(root, keysDir);
  const home = keysHome(env);
  for (const id of allowed.keys()) {
    const file = path.join(home, `${id}.key`);
    if (existsSync(file)) return loadPrivate(file, file);
  }
  return null;
}

function loadPrivate(file: string, display: string): { id: string; key: KeyObject } {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (error) {
    throw new UserError(`${display}: cannot read the signing key (${errorMessage(error)})`, { cause: error });
  }
  return { id: keyId(createPublicKey(key)), key };
}

export function signEnvelope(payload: Buffer, signer: { id: string; key: KeyObject }): Envelope {
  const sig = sign(null, pae(DSSE_PAYLOAD_TYPE, payload), signer.key).toString('base64');
  return { payloadType: DSSE_PAYLOAD_TYPE, payload: payload.toString('base64'), signatures: [{ keyid: signer.id, sig }] };
}

/** The id of the first allowed key whose signature verifies, or why none does; every signature is tried. */
export function verifyEnvelope(envelope: Envelope, keys: ReadonlyMap<string, KeyObject>): { keyId: string } | { problem: string } {
  const payload = Buffer.from(envelope.payload, 'base64');
  const message = pae(envelope.payloadType, payload);
  const unknown: string[] = [];
  const mismatched: string[] = [];
  for (const s of envelope.signatures) {
    const key = keys.get(s.keyid);
    if (!key) unknown.push(s.keyid);
    else if (verify(null, message, key, Buffer.from(s.sig, 'base64'))) return { keyId: s.keyid };
    else mismatched.push(s.keyid);
  }
  if (mismatched.length === 1) return { problem: `the signature by key ${mismatched[0]} does not match the stamp` };
  if (mismatched.length > 1) return { problem: `the signatures by keys ${mismatched.join(', ')} do not match the stamp` };
  return { problem: `signed by ${unknown.join(', ')}, which is not among the allowed keys` };
}
