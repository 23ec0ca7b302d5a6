/**
 * Real git repositories in temp folders, built the same way on every machine: the developer's global and
 * system configuration are not read, the `GIT_*` variables of a surrounding hook are not inherited, and
 * every commit gets the next fixed date, so ids are reproducible.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** 2024-01-01T00:00:00Z; commit n is dated n minutes later. */
const EPOCH = 1_704_067_200;

export interface GitDir {
  /** Absolute top level (realpath, so it compares equal to what git reports). */
  root: string;
  /** The temp folder holding `repo/` (the root) and `home/`: a place for clones and other repositories. */
  tmp: string;
  /** Runs git in the repository (or in `cwd`, relative to it) and returns stdout; throws on a non-zero exit. */
  git(args: string[], options?: { cwd?: string; env?: Record<string, string> }): string;
  /** Writes files (relative path → content), creating folders. */
  write(files: Record<string, string | Buffer>): void;
  /** `git add -A -- paths…` (everything when none are given). */
  add(...paths: string[]): void;
  /** Commits what is staged with the next fixed date; returns the commit id. */
  commit(message?: string): string;
  /** Writes, stages everything and commits; returns the commit id. */
  commitFiles(files: Record<string, string | Buffer>, message?: string): string;
  /** Removes the temp folder (and anything else this helper created beside it). */
  cleanup(): void;
}

/** The environment for the helper's git: the caller's, minus every `GIT_*` variable, plus isolation. */
export function isolatedGitEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.toUpperCase().startsWith('GIT_')) env[name] = value;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
    LC_ALL: 'C',
    ...extra,
  };
}

/** Runs git and returns stdout, throwing with git's stderr on failure. */
export function runGit(args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw new Error(`git ${args.join(' ')}: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} exited with ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * A fresh repository (branch `main`, user configured) with `files` committed when given. The temp folder
 * holds `repo/` (the work tree, `root`) and a private `home/`, so clones can be made beside the repository.
 */
export function makeGitDir(files?: Record<string, string | Buffer>): GitDir {
  const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'provenant-git-')));
  const home = path.join(base, 'home');
  const root = path.join(base, 'repo');
  mkdirSync(home);
  mkdirSync(root);
  writeFileSync(path.join(home, '.gitconfig'), '');
  let commits = 0;

  const git: GitDir['git'] = (args, options = {}) => {
    const cwd = options.cwd === undefined ? root : path.resolve(root, options.cwd);
    return runGit(args, cwd, isolatedGitEnv(home, options.env));
  };
  const write: GitDir['write'] = (contents) => {
    for (const [rel, content] of Object.entries(contents)) {
      const abs = path.join(root, rel);
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
  };
  const add: GitDir['add'] = (...paths) => {
    git(['add', '-A', '--', ...paths]);
  };
  const commit: GitDir['commit'] = (message = `commit ${commits + 1}`) => {
    commits++;
    const date = `@${EPOCH + commits * 60} +0000`;
    git(['commit', '-q', '--no-verify', '--allow-empty', '-m', message], {
      env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
    return git(['rev-parse', 'HEAD']).trim();
  };

  git(['init', '-q', '-b', 'main']);
  git(['config', 'user.name', 'Provenant Test']);
  git(['config', 'user.email', 'test@provenant.invalid']);
  git(['config', 'commit.gpgsign', 'false']);
  git(['config', 'core.autocrlf', 'false']);

  const dir: GitDir = {
    root,
    tmp: base,
    git,
    write,
    add,
    commit,
    commitFiles(contents, message) {
      write(contents);
      add();
      return commit(message);
    },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
  if (files) dir.commitFiles(files);
  return dir;
}
