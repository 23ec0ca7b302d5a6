/**
 * Whether a command can be started without a shell: a path (relative to the project) that exists, or a
 * program name found on PATH — the check `pipeline plan` makes before anyone rents a GPU.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

export function commandFound(program: string, root: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!program) return false;
  if (program.includes('/')) return existsSync(path.resolve(root, program));
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, program), constants.X_OK);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'EACCES' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    }
  }
  return false;
}
