/**
 * `provenant hook`: installs, removes or reports the git pre-commit hook that runs `provenant audit
 * --staged`.
 */

import { parseArgs } from 'node:util';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { hookStatus, installHook, uninstallHook } from '../../index.js';
import { usage, type Io } from '../io.js';

export const HELP = `provenant hook install|uninstall|status — a plain git pre-commit hook that runs \`provenant audit --staged\`

  install [--force]   write the repository's pre-commit hook (core.hooksPath and worktrees respected);
                      --force keeps another tool's hook as pre-commit.provenant-backup and runs it first
  uninstall           remove provenant's hook and put back the one it replaced
  status              say whether provenant's hook is installed

A finding blocks the commit. Skip once with PROVENANT_SKIP=1 or \`git commit --no-verify\`.
With the pre-commit framework, use the provenant-audit hook in .pre-commit-config.yaml instead.
`;

const ACTIONS = ['install', 'uninstall', 'status'] as const;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = usage('hook', () =>
    parseArgs({ args, allowPositionals: true, strict: true, options: {
    force: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const [action, ...extra] = positionals;
  if (!action || extra.length || !(ACTIONS as readonly string[]).includes(action)) {
    throw new UserError(`hook takes one of ${ACTIONS.join(', ')}`, { hint: 'e.g. `provenant hook install`' });
  }
  if (values.force && action !== 'install') throw new UserError('--force only applies to `hook install`');
  const rel = (file: string): string => path.relative(io.cwd, file) || file;
  const options = { cwd: io.cwd, env: io.env };

  if (action === 'install') {
    const r = await installHook({ ...options, force: Boolean(values.force) });
    const kept = r.backup ? `; runs ${rel(r.backup)} first${r.backedUp ? ' (the hook that was there)' : ''}` : '';
    io.stdout.write(`${r.action} ${rel(r.file)}: \`provenant audit --staged\` before each commit${kept}\n`);
  } else if (action === 'uninstall') {
    const r = await uninstallHook(options);
    const back = r.restored ? `; put back the hook it replaced` : '';
    io.stdout.write(r.action === 'removed' ? `removed ${rel(r.file)}${back}\n` : `provenant's hook is not installed${back}\n`);
  } else {
    const s = await hookStatus(options);
    if (s.state === 'ours') {
      const chained = s.backup ? `, runs ${rel(s.backup)} first` : '';
      io.stdout.write(`installed: ${rel(s.file)} (provenant-hook v${s.version ?? '?'}, runs ${s.bin ?? 'provenant-cli through npx'}${chained})\n`);
    } else if (s.state === 'foreign') {
      io.stdout.write(`not installed: ${rel(s.file)} is ${s.manager ? `${s.manager}'s` : "another tool's"} hook\n`);
    } else {
      io.stdout.write(`not installed: no hook at ${rel(s.file)}\n`);
    }
  }
  return 0;
}
