/**
 * The registry's word on which implementations are canonical, as near-duplicate search (src/similarity/)
 * takes it: a copy of one of these is always reported, and the canonical function itself never is.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The canonical files of an annotations file (status canonical, or a canonical_for list). */
export async function canonicalFiles(root: string, annotations: string): Promise<Map<string, string[]>> {
  // the annotations module brings the YAML parser and the schema library: only when there is a file
  if (!existsSync(path.join(root, annotations))) return new Map();
  const { loadAnnotations } = await import('./annotations.js');
  const loaded = await loadAnnotations(root, annotations);
  const out = new Map<string, string[]>();
  for (const [file, a] of Object.entries(loaded.data.files)) {
    if (a.status === 'canonical' || a.canonical_for?.length) out.set(file, a.canonical_for ?? []);
  }
  return out;
}

