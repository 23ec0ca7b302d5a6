/**
 * An artifact as a stamp's subject: its digest (file or directory manifest), size, and for JSONL the
 * record count and field set.
 */
import { statSync } from 'node:fs';

import type { Subject } from '../schemas/stamp.js';
import { UserError } from '../core/errors.js';
import { sha256Directory, sha256File } from './hash.js';
import { notRegular } from '../core/files.js';
import { isJsonl, readJsonl } from './records.js';

export interface ArtifactDigest {
  kind: 'file' | 'directory';
  sha256: string;
  size: number;
  files?: number;
}

export function digestArtifact(abs: string): ArtifactDigest {
  const st = statSync(abs);
  const kind = st.isDirectory() ? null : notRegular(st);
  // reading a FIFO or a device would wait for a writer, or never end
  if (kind) throw new UserError(`${abs}: not a regular file or folder (${kind}); it cannot be hashed or stamped`);
  if (st.isDirectory()) {
    const d = sha256Directory(abs);
    return { kind: 'directory', sha256: d.sha256, size: d.size, files: d.files };
  }
  return { kind: 'file', sha256: sha256File(abs), size: st.size };
}

/** `warn` hears of a JSONL line the record count had to leave out (not JSON, or too long to decode). */
export function subjectOf(rel: string, abs: string, digest: ArtifactDigest, warn?: (message: string) => void): Subject {
  const annotations: NonNullable<Subject['annotations']> = { kind: digest.kind, size: digest.size };
  if (digest.files !== undefined) annotations.files = digest.files;
  if (digest.kind === 'file' && isJsonl(rel)) {
    const summary = readJsonl(abs);
    if (summary.problem) warn?.(`${rel}: ${summary.problem}; the stamp's record count leaves it out`);
    annotations.records = summary.records;
    annotations.fields = summary.fields;
  }
  return { name: rel, digest: { sha256: digest.sha256 }, annotations };
}
