/**
 * Stamp files on disk: where an artifact's sidecar lives (`<artifact>.prov.json`, or mirrored under the
 * configured stamps folder), how a stamp is serialised (two-space JSON, signed as a DSSE envelope when a
 * key is at hand), and how one is read back — every way a file can fail to be a stamp becomes a problem in
 * words, never an exception, because verify reports it as a verdict.
 */
import { closeSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

import { errorMessage, UserError } from '../core/errors.js';
import { notRegular } from '../core/files.js';
import { isErrno, isRecord, parseJson } from '../core/fs.js';
import { EnvelopeSchema, STAMP_VERSION, StatementSchema, type Envelope, type Statement } from '../schemas/stamp.js';
import { sha256Text, STAMP_SUFFIX } from './hash.js';
import { signEnvelope } from './keys.js';
import type { KeyObject } from 'node:crypto';

/** Absolute path of the sidecar of `artifact` (root-relative, `/`-separated). */
export function sidecarPath(root: string, artifact: string, stampsDir: string | null): string {
  return stampsDir ? path.join(root, stampsDir, artifact + STAMP_SUFFIX) : path.join(root, artifact + STAMP_SUFFIX);
}

/** Most file systems (ext4, xfs, btrfs, APFS, NTFS) allow 255 bytes per name and 4096 per path. */
const NAME_MAX = 255;
const PATH_MAX = 4095;

/**
 * Refuses an artifact whose sidecar, or the sidecar's temporary twin (`<sidecar>.<run id>.tmp`, run ids are
 * `runIdLength` long), would not fit the file system's limits: checked before a command runs, not after.
 */
export function checkStampName(root: string, artifact: string, stampsDir: string | null, runIdLength: number, label = '--out'): void {
  const tmp = `${sidecarPath(root, artifact, stampsDir)}.${'x'.repeat(runIdLength)}.tmp`;
  const names = tmp.split(path.sep);
  const last = names.length - 1;
  const tooLong = names.findIndex((name) => Buffer.byteLength(name) > NAME_MAX);
  if (tooLong !== -1) {
    const spare = NAME_MAX - (Buffer.byteLength(names[tooLong] ?? '') - Buffer.byteLength(path.basename(artifact)));
    const why = tooLong === last ? `with ${STAMP_SUFFIX} and a temporary suffix its stamp's name needs ${Buffer.byteLength(names[last] ?? '')} bytes` : 'a folder name is';
    throw new UserError(`${label} ${artifact}: name too long (${why}; the file system allows ${NAME_MAX} per name)`, {
      hint: tooLong === last ? `use a name of at most ${Math.max(spare, 1)} bytes` : 'use shorter folder names',
    });
  }
  if (Buffer.byteLength(tmp) > PATH_MAX) throw new UserError(`${label} ${artifact}: path too long for its stamp (over ${PATH_MAX} bytes)`, { hint: 'use a shorter path' });
}

export function serialiseStamp(statement: Statement, signer: { id: string; key: KeyObject } | null): string {
  const body = JSON.stringify(statement, null, 2) + '\n';
  if (!signer) return body;
  return JSON.stringify(signEnvelope(Buffer.from(body, 'utf8'), signer), null, 2) + '\n';
}

/** Writes `text` to `file` and flushes it to disk (the caller renames it into place). */
export function writeDurable(file: string, text: string): void {
  const fd = openSync(file, 'wx', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export type ReadStamp =
  | { kind: 'none'; file: string }
  | { kind: 'invalid'; file: string; problem: string }
  | { kind: 'ok'; file: string; statement: Statement; envelope: Envelope | null; sha256: string };

export function readStampFile(file: string): ReadStamp {
  let bytes: Buffer;
  try {
    // a FIFO or a device would block the read, or never end
    const kind = notRegular(statSync(file));
    if (kind) return { kind: 'invalid', file, problem: `the stamp is not a regular file (${kind})` };
    bytes = readFileSync(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return { kind: 'none', file };
    return { kind: 'invalid', file, problem: `cannot read the stamp (${errorMessage(error)})` };
  }
  const sha256 = sha256Text(bytes);
  const doc = parseJson(bytes.toString('utf8'));
  if ('problem' in doc) return { kind: 'invalid', file, problem: `the stamp is not JSON (${doc.problem})` };
  let envelope: Envelope | null = null;
  let body: unknown = doc.value;
  if (isRecord(body) && 'payloadType' in body) {
    const parsed = EnvelopeSchema.safeParse(body);
    if (!parsed.success) return { kind: 'invalid', file, problem: `malformed signed envelope: ${issueText(parsed.error.issues)}` };
    envelope = parsed.data;
    const inner = parseJson(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    if ('problem' in inner) return { kind: 'invalid', file, problem: `the signed payload is not JSON (${inner.problem})` };
    body = inner.value;
  }
  const version = isRecord(body) && isRecord(body.predicate) && isRecord(body.predicate.provenant) ? body.predicate.provenant.version : undefined;
  if (typeof version === 'number' && version > STAMP_VERSION) {
    return { kind: 'invalid', file, problem: `stamp version ${version} is from a newer provenant (this one reads ${STAMP_VERSION})` };
  }
  const parsed = StatementSchema.safeParse(body);
  if (!parsed.success) return { kind: 'invalid', file, problem: `malformed stamp: ${issueText(parsed.error.issues)}` };
  return { kind: 'ok', file, statement: parsed.data, envelope, sha256 };
}

function issueText(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const first = issues[0];
  if (!first) return 'unknown problem';
  const at = first.path.map(String).join('.') || '(top level)';
  return `${at}: ${first.message}${issues.length > 1 ? ` (+${issues.length - 1} more)` : ''}`;
}

/** A repository path recorded in a stamp, or null when it would leave the repository. */
export function insideRoot(root: string, rel: string): string | null {
  if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..') || rel === '') return null;
  const abs = path.resolve(root, rel);
  const back = path.relative(root, abs);
  return back.startsWith('..') || path.isAbsolute(back) ? null : abs;
}

