/**
 * What the registry says replaces each deprecated script (`replaced_by` in the annotations file), for
 * SCRIPT001's fix. Read only when a deprecated call is found, and without the registry's schema library: a
 * file the registry commands would refuse yields what it can and a warning, never a failed audit.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isErrno, isRecord } from '../core/fs.js';
import { errorMessage } from '../core/errors.js';
import { boundedToJs } from '../core/yaml.js';

/** `replaced_by` by annotated path; empty when the project keeps no annotations file. */
export function readReplacements(root: string, file: string, warn: (message: string) => void): Map<string, string> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(path.join(root, file), 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return out;
    warn(`${file}: cannot read the registry annotations, so no deprecated script call gets a fix: ${errorMessage(error)}`);
    return out;
  }
  if (!text.includes('replaced_by')) return out;
  // yaml loads here, on the rare run that needs it, not with every audit
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  let data: unknown;
  try {
    data = boundedToJs(yaml.parseDocument(text), file);
  } catch (error) {
    warn(`${file}: not readable YAML (${errorMessage(error)}); \`provenant registry check\` says more. No deprecated script call gets a fix`);
    return out;
  }
  const files = isRecord(data) && isRecord(data.files) ? data.files : {};
  for (const [annotated, entry] of Object.entries(files)) {
    const to = isRecord(entry) ? entry.replaced_by : undefined;
    if (typeof to === 'string' && to && !to.startsWith('/') && !to.split('/').includes('..')) out.set(annotated, to);
  }
  return out;
}

/** The annotations file's bytes as a key part ('' without one): a fix a cached result holds names its replacements. */
export function annotationsKey(root: string, file: string): string {
  try {
    return createHash('sha256').update(readFileSync(path.join(root, file))).digest('hex');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return '';
    // unreadable: the replacements are read (and the problem reported) only if a deprecated call needs them
    return `unreadable ${errorMessage(error)}`;
  }
}
