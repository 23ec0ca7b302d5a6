/**
 * What a stamp says about its artifact that the artifact's bytes determine — its kind, size, record count
 * and field set (JSONL), file count (a folder) — recomputed and compared. An unsigned stamp that no ledger
 * row vouches for (a fresh clone, CI) can be edited by anyone: this is what can still be checked of it.
 */
import { statSync } from 'node:fs';
import path from 'node:path';

import type { Subject } from '../schemas/stamp.js';
import { listTree } from './hash.js';
import { isJsonl, readJsonl } from './records.js';

/** Each claim of the subject's annotations the content contradicts, in words; empty when all hold. */
export function contentMismatches(abs: string, rel: string, subject: Subject): string[] {
  const a = subject.annotations;
  if (!a) return [];
  const out: string[] = [];
  const st = statSync(abs);
  const kind = st.isDirectory() ? 'directory' : 'file';
  if (a.kind !== kind) return [`it says a ${a.kind}, this is a ${kind}`];
  if (kind === 'directory') {
    const files = listTree(abs);
    const size = files.reduce((sum, f) => sum + statSync(path.join(abs, f)).size, 0);
    if (a.files !== undefined && a.files !== files.length) out.push(`it says ${a.files} files, the folder has ${files.length}`);
    if (a.size !== size) out.push(`it says ${a.size} bytes, the folder's files hold ${size}`);
    return out;
  }
  if (a.size !== st.size) out.push(`it says ${a.size} bytes, the file has ${st.size}`);
  if (isJsonl(rel) && (a.records !== undefined || a.fields !== undefined)) {
    const now = readJsonl(abs);
    if (a.records !== undefined && a.records !== now.records) out.push(`it says ${a.records} records, the file has ${now.records}`);
    const fields = [...(a.fields ?? [])].sort();
    if (a.fields !== undefined && fields.join('\0') !== now.fields.join('\0')) out.push(`it says fields [${fields.join(', ')}], the records have [${now.fields.join(', ')}]`);
  }
  return out;
}
