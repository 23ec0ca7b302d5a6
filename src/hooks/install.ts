/**
 * `provenant hook install|uninstall|status`: a plain git pre-commit hook for teams without the
 * pre-commit framework. Only a file carrying our marker line is ever rewritten or removed; another
 * tool's hook is replaced only with `force`, kept next to ours as `pre-commit.provenant-backup` and
 * run before the audit.
 */
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { writeAtomic } from '../core/fs.js';
import { packageRoot } from '../core/paths.js';
import { hooksDir } from './git.js';
import { BACKUP_NAME, foreignManager, hookScript, markerVersion, scriptBin } from './script.js';

export interface HookOptions {
  /** Any folder inside the repository. */
  cwd: string;
  /** The environment git runs in (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface InstallHookOptions extends HookOptions {
  /** Replace another tool's hook, keeping it as `pre-commit.provenant-backup` and chaining to it. */
  force?: boolean;
  /** The provenant the hook runs; default: this package's `bin/provenant.js`. */
  bin?: string;
  /** The node that runs it; default: the one running now. */
  node?: string;
}

export interface HookStatus {
  /** Absolute path of the pre-commit hook file (installed or not). */
  file: string;
  /** `ours`: written by provenant; `foreign`: another hook sits there; `absent`: no hook. */
  state: 'ours' | 'foreign' | 'absent';
  /** The marker version of our hook. */
  version: number | null;
  /** The provenant our hook runs, as written into it. */
  bin: string | null;
  /** Absolute path of the kept hook ours runs first, when there is one. */
  backup: string | null;
  /** The hook manager that wrote a foreign hook, when recognisable (pre-commit, husky, lefthook). */
  manager: string | null;
}

export interface InstallHookResult extends HookStatus {
  action: 'installed' | 'updated';
  /** True when this install moved a foreign hook aside. */
  backedUp: boolean;
}

export interface UninstallHookResult {
  file: string;
  action: 'removed' | 'absent';
  /** True when the kept hook was moved back into place. */
  restored: boolean;
}

function readHook(file: string): string | null {
  let stat;
  try {
    stat = lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`cannot read the git hook ${file}`, { cause: error });
  }
  if (!stat.isFile() && !stat.isSymbolicLink()) throw new UserError(`${file} is not a file`, { hint: 'move it away, then run `provenant hook install` again' });
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    // A dangling symlink: someone's hook (git would fail to run it), not ours.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new UserError(`cannot read the git hook ${file}`, { cause: error });
  }
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new UserError(`cannot inspect ${file}`, { cause: error });
  }
}

function statusAt(dir: string): HookStatus {
  const file = path.join(dir, 'pre-commit');
  const backupFile = path.join(dir, BACKUP_NAME);
  const text = readHook(file);
  const version = text === null ? null : markerVersion(text);
  const state = text === null ? 'absent' : version === null ? 'foreign' : 'ours';
  return {
    file,
    state,
    version,
    bin: state === 'ours' && text !== null ? scriptBin(text) : null,
    backup: state === 'ours' && exists(backupFile) ? backupFile : null,
    manager: state === 'foreign' && text !== null ? foreignManager(text) : null,
  };
}

/** Whether the pre-commit hook of the repository around `cwd` is provenant's. */
export function hookStatus(options: HookOptions): HookStatus {
  return statusAt(hooksDir(options.cwd, options.env ?? process.env));
}

/** Writes atomically, so a crash never leaves half a hook; executable for everyone who may read it. */
function writeExecutable(file: string, text: string): void {
  try {
    writeAtomic(file, text, { mode: 0o755 });
  } catch (error) {
    throw new UserError(`cannot write the git hook ${file}`, { cause: error });
  }
}

export function installHook(options: InstallHookOptions): InstallHookResult {
  const dir = hooksDir(options.cwd, options.env ?? process.env);
  const before = statusAt(dir);
  const backupFile = path.join(dir, BACKUP_NAME);
  let backedUp = false;
  if (before.state === 'foreign') {
    const hint = before.manager === 'pre-commit'
      ? 'this repository uses the pre-commit framework: add the `provenant-audit` hook to .pre-commit-config.yaml instead, or pass --force to chain to it'
      : 'pass --force to keep it as pre-commit.provenant-backup and run it before the audit';
    if (!options.force) throw new UserError(`${before.file} is another tool's hook; not replacing it`, { hint });
    if (exists(backupFile)) {
      throw new UserError(`both ${before.file} and ${backupFile} exist; not overwriting either`, {
        hint: 'move one of them away, then run `provenant hook install --force` again',
      });
    }
    try {
      renameSync(before.file, backupFile);
    } catch (error) {
      throw new UserError(`cannot move ${before.file} to ${backupFile}`, { cause: error });
    }
    backedUp = true;
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new UserError(`cannot create the hooks folder ${dir}`, { cause: error });
  }
  const bin = options.bin ?? path.join(packageRoot(), 'bin', 'provenant.js');
  writeExecutable(before.file, hookScript({ node: options.node ?? process.execPath, bin, chain: exists(backupFile) }));
  return { ...statusAt(dir), action: before.state === 'ours' ? 'updated' : 'installed', backedUp };
}

export function uninstallHook(options: HookOptions): UninstallHookResult {
  const dir = hooksDir(options.cwd, options.env ?? process.env);
  const status = statusAt(dir);
  const backupFile = path.join(dir, BACKUP_NAME);
  if (status.state === 'foreign') {
    throw new UserError(`${status.file} is not provenant's hook; leaving it alone`, { hint: 'remove it by hand if you mean to' });
  }
  // A kept hook goes back into place even when ours was already deleted by hand.
  const restored = exists(backupFile);
  try {
    if (status.state === 'ours') rmSync(status.file);
    if (restored) renameSync(backupFile, status.file);
  } catch (error) {
    throw new UserError(`cannot uninstall the git hook ${status.file}`, { cause: error });
  }
  return { file: status.file, action: status.state === 'ours' ? 'removed' : 'absent', restored };
}
