/**
 * Which documents the server audits: `file:` URIs inside the workspace folders the client named, of a
 * language some front end reads. Also where the configuration of a file lives, for placing its errors.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { languageOf } from '../analysis/front-ends.js';
import type { Language } from '../analysis/facts.js';

/** The absolute path of a `file:` URI, or null for any other scheme (untitled buffers, notebook cells). */
export function filePath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    // a malformed file URI names no file we can audit
    return null;
  }
}

export class Workspace {
  private folders: string[] = [];
  private folderUris: string[] = [];

  /** The folders the client opened (workspace folders, else the root URI or path), as URIs. */
  setFolders(uris: readonly string[]): void {
    this.folderUris = [...uris];
    this.folders = uris.map(filePath).filter((p): p is string => p !== null);
  }

  get uris(): readonly string[] {
    return this.folderUris;
  }

  /** True when the file is inside a workspace folder (or the client named none). */
  contains(file: string): boolean {
    if (!this.folders.length) return true;
    return this.folders.some((f) => {
      const rel = path.relative(f, file);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    });
  }

  /**
   * Why a document is not audited, or null when it is; with the file's language when it is. A document of
   * no language provenant reads is left alone without a word (`reason` empty).
   */
  check(uri: string): { file: string; language: Language } | { reason: string } {
    const file = filePath(uri);
    if (file === null) return { reason: `${uri}: not a file on disk; only saved files are audited` };
    const language = languageOf(file);
    if (language === null) return { reason: '' };
    if (!this.contains(file)) return { reason: `${file}: outside the workspace folders (${this.folders.join(', ')}); not audited` };
    return { file, language };
  }
}

const PROVENANT_TOML = 'provenant.toml';
const PYPROJECT_TOML = 'pyproject.toml';

/** True for a file whose change may change every file's findings: a config file. */
export function isConfigFile(file: string): boolean {
  const base = path.basename(file);
  return base === PROVENANT_TOML || base === PYPROJECT_TOML;
}

/** True for a file of the implementation registry a hover reads (annotations, generated Markdown). */
export function isRegistryFile(file: string): boolean {
  return /(?:^|[\\/])registry[\\/][^\\/]+\.ya?ml$/.test(file) || path.basename(file) === 'provenant-registry.yaml';
}

/** The config file discovery would pick for a folder (as `loadConfig` walks up), or null. */
export function configFileFor(dir: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    const own = path.join(d, PROVENANT_TOML);
    if (existsSync(own)) return own;
    const pyproject = path.join(d, PYPROJECT_TOML);
    if (existsSync(pyproject) && readFileSync(pyproject, 'utf8').includes('provenant')) return pyproject;
    if (existsSync(path.join(d, '.git')) || path.dirname(d) === d) return null;
  }
}
