/**
 * `provenant init --python-helper [DIR]`: writes the shipped Python helper (`provenant_helper.py`: attest
 * from the sanctioned loader under `provenant run`, `require_verified` in trainers) into the project — by
 * default next to the sanctioned loader, so the scripts that import the loader can import it too. A file
 * already there with other content is kept unless `force`; the write is atomic.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { loadConfig } from '../../config/config.js';
import { writeUserFile } from '../../core/fs.js';
import { UserError } from '../../core/errors.js';
import { packageRoot, toPosix } from '../../core/paths.js';
import { sanctionedLoaderFile } from '../investigate.js';

export const HELPER_FILE = 'provenant_helper.py';

export interface PythonHelperOptions {
  cwd: string;
  /** The folder to write into (relative to cwd); default: the sanctioned loader's folder, else the root. */
  dir?: string;
  force?: boolean;
}

export interface PythonHelperResult {
  /** Root-relative path of the helper. */
  file: string;
  action: 'created' | 'updated' | 'unchanged';
  /** Why this folder, when it was chosen for the user. */
  why: string | null;
}

/** The helper's text as this provenant ships it. */
export function pythonHelperSource(): string {
  return readFileSync(path.join(packageRoot(), 'src', 'provenance', 'python', HELPER_FILE), 'utf8');
}

export async function writePythonHelper(options: PythonHelperOptions): Promise<PythonHelperResult> {
  const { config, root } = await loadConfig({ cwd: options.cwd });
  let folder: string;
  let why: string | null = null;
  if (options.dir !== undefined) {
    folder = path.resolve(options.cwd, options.dir);
    if (existsSync(folder) && !statSync(folder).isDirectory()) throw new UserError(`${options.dir}: not a folder`, { hint: 'name the folder the helper goes into' });
  } else {
    const loader = sanctionedLoaderFile(root, config);
    folder = loader ? path.join(root, path.dirname(loader.path)) : root;
    why = loader ? `next to the sanctioned loader ${loader.path}` : 'at the project root (no sanctioned loader configured or found)';
  }
  const file = path.join(folder, HELPER_FILE);
  const rel = toPosix(path.relative(root, file)) || HELPER_FILE;
  const text = pythonHelperSource();
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : null;
  if (existing === text) return { file: rel, action: 'unchanged', why };
  if (existing !== null && !options.force) {
    throw new UserError(`${rel}: a different file is already there`, { hint: 'pass --force to replace it with the helper of this provenant' });
  }
  mkdirSync(folder, { recursive: true });
  await writeUserFile(file, text, rel, 0o644);
  return { file: rel, action: existing === null ? 'created' : 'updated', why };
}
