/**
 * The git call of `provenant hook`: the hooks folder of the repository, as git itself resolves it.
 */

import path from 'node:path';
import { BugError, UserError } from '../core/errors.js';
import { gitSync } from '../core/git.js';

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = gitSync(args, cwd, env);
  if (r.error) {
    const code = r.error.code;
    if (code === 'ENOENT') throw new UserError('git is not installed or not on PATH', { hint: 'provenant hook needs git', cause: r.error });
    throw new BugError(`could not run git ${args.join(' ')}`, { cause: r.error });
  }
  return r;
}

/**
 * The absolute hooks folder of the repository around `cwd`, as git itself resolves it: `core.hooksPath`
 * (relative values are taken from the top of the working tree) and linked worktrees (which share the
 * main repository's hooks) included.
 */
export function hooksDir(cwd: string, env: NodeJS.ProcessEnv): string {
  const inside = run(['rev-parse', '--is-inside-work-tree'], cwd, env);
  if (inside.status !== 0 || inside.stdout !== 'true') {
    throw new UserError(`${cwd} is not inside a git working tree`, {
      hint: inside.stderr || 'run `git init` first, or run provenant hook from inside the repository',
    });
  }
  const r = run(['rev-parse', '--git-path', 'hooks'], cwd, env);
  if (r.status !== 0 || !r.stdout) throw new BugError(`git rev-parse --git-path hooks failed in ${cwd}: ${r.stderr}`);
  // The answer is relative to the folder git ran in.
  return path.resolve(cwd, r.stdout);
}
