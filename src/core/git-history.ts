/**
 * Questions about a repository's state and history, asked through the git runner of git.ts: the work tree
 * (`gitTopLevel`, `workTreeState`), ancestry (`isAncestor`), and the history that `provenant investigate`
 * and `provenant log` read (when each file was added, the tree and texts at a commit, a path's commits).
 */
import path from 'node:path';
import { realpathSync } from 'node:fs';
import { catFileBatch, checkFolder, isMissingGit, makeGit, nulFields, probe, resolveCommit, rethrow, type GitRunner } from './git.js';

/**
 * The top level of the git work tree holding `dir` (as git reports it: absolute, symlinks resolved), or
 * null when `dir` is not inside a work tree (no repository, a `.git` folder, a bare repository).
 */
export async function gitTopLevel(dir: string): Promise<string | null> {
  const what = 'finding the git repository';
  const abs = checkFolder(dir, what);
  const found = await probe(await makeGit(abs, undefined), abs, what);
  return found ? found.topLevel : null;
}

/** What a stamp records of the repository: the commit HEAD names and the paths that differ from it. */
export interface WorkTreeState {
  commit: string | null;
  /** Relative to `dir`, `/`-separated: modified, staged, deleted and untracked (not ignored) paths. */
  dirtyPaths: string[];
}

/** The work tree's state, or null when `dir` is not inside a git work tree. */
export async function workTreeState(dir: string): Promise<WorkTreeState | null> {
  const what = 'reading the git state';
  const abs = checkFolder(dir, what);
  const git = await makeGit(abs, undefined);
  const found = await probe(git, abs, what);
  if (!found) return null;
  let commit: string | null;
  try {
    commit = (await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])).trim() || null;
  } catch (error) {
    // a repository without commits: `--verify --quiet` exits 1 with no output
    if (isMissingGit(error)) rethrow(error, what);
    commit = null;
  }
  let out: string;
  try {
    out = await git.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.']);
  } catch (error) {
    rethrow(error, what);
  }
  const dirtyPaths: string[] = [];
  const base = realpathSync(abs);
  const fields = nulFields(out);
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i] ?? '';
    const status = entry.slice(0, 2);
    dirtyPaths.push(path.relative(base, path.join(found.topLevel, entry.slice(3))).split(path.sep).join('/'));
    if (status[0] === 'R' || status[0] === 'C') i++; // the rename's source follows as its own field
  }
  return { commit, dirtyPaths: [...new Set(dirtyPaths)].sort() };
}

/**
 * Whether `ancestor` is an ancestor of (or equal to) `commit`: true, false, or null when git cannot tell
 * (either revision unknown here, e.g. a shallow clone or a typo in the registry).
 */
export async function isAncestor(dir: string, ancestor: string, commit: string): Promise<boolean | null> {
  const git = await makeGit(dir, undefined);
  try {
    // `merge-base --is-ancestor` answers by exit code alone, which simple-git does not report as a failure
    const [a, base] = await Promise.all([
      git.raw(['rev-parse', '--verify', '--quiet', `${ancestor}^{commit}`]),
      git.raw(['merge-base', ancestor, commit]),
    ]);
    if (!a.trim()) return null;
    return base.trim() === a.trim();
  } catch (error) {
    if (isMissingGit(error)) rethrow(error, 'comparing revisions');
    // a revision git does not know here (a typo, or a shallow clone without it)
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// History questions of `provenant investigate` and `provenant log`

/** A commit as history answers name it: its id and author date (ISO 8601). */
export interface DatedCommit {
  commit: string;
  date: string;
}

/** An open work tree with at least one commit, or null (no repository, or nothing committed yet). */
async function historyOf(dir: string, what: string): Promise<GitRunner | null> {
  const abs = checkFolder(dir, what);
  const git = await makeGit(abs, undefined);
  if (!(await probe(git, abs, what))) return null;
  return (await resolveCommit(git, 'HEAD', what)) ? git : null;
}

/**
 * For every path under `dir` that HEAD's history ever added, the oldest commit adding it, from one
 * `git log` pass. Renames are not followed (`--no-renames`): a path's date is when it appeared under that
 * name, so a moved file looks younger, never older, than it is. Paths are relative to `dir`.
 */
export async function firstAdded(dir: string): Promise<Map<string, DatedCommit>> {
  const what = 'reading the git history';
  const git = await historyOf(dir, what);
  const added = new Map<string, DatedCommit>();
  if (!git) return added;
  let out: string;
  try {
    out = await git.raw(['log', '--diff-filter=A', '--no-renames', '--relative', '--name-only', '-z', '--format=%x1e%H%x1f%aI', 'HEAD', '--', '.']);
  } catch (error) {
    rethrow(error, what);
  }
  // newest first: a later (older) record overwrites, so each path ends with its oldest addition
  for (const record of out.split('\x1e').slice(1)) {
    const [header = '', ...names] = record.split('\0');
    const [commit = '', date = ''] = header.split('\x1f');
    for (const name of names) {
      const file = name.replace(/^\n/, '');
      if (file) added.set(file, { commit, date });
    }
  }
  return added;
}

/** The files (relative to `dir`) of `commit`'s tree under `dir`. */
export async function filesAtCommit(dir: string, commit: string): Promise<string[]> {
  const what = 'listing the files of a commit';
  const git = await historyOf(dir, what);
  if (!git) return [];
  try {
    return nulFields(await git.raw(['ls-tree', '-r', '--name-only', '-z', commit]));
  } catch (error) {
    rethrow(error, what);
  }
}

/** The newest commit of HEAD's history made at or before `date`, or null (none, or no repository). */
export async function commitAtDate(dir: string, date: Date): Promise<DatedCommit | null> {
  const what = 'reading the git history';
  const git = await historyOf(dir, what);
  if (!git) return null;
  let out: string;
  try {
    out = await git.raw(['log', '-1', `--before=${date.toISOString()}`, '--format=%H%x1f%aI', 'HEAD']);
  } catch (error) {
    rethrow(error, what);
  }
  const [commit, when] = out.trim().split('\x1f');
  return commit && when ? { commit, date: when } : null;
}

/** The text of files (relative to `dir`) as `commit` holds them; a path it does not hold is left out. */
export async function textsAtCommit(dir: string, commit: string, files: readonly string[]): Promise<Map<string, string>> {
  // a request is one line: a path with a newline in it cannot be asked for
  const asked = files.filter((f) => !f.includes('\n'));
  const what = 'reading files of a commit';
  const answers = await catFileBatch(checkFolder(dir, what), undefined, asked.map((f) => `${commit}:./${f}`), what);
  const texts = new Map<string, string>();
  asked.forEach((file, i) => {
    const answer = answers[i];
    if (answer?.content && answer.header[1] === 'blob') texts.set(file, answer.content.toString('utf8'));
  });
  return texts;
}

/** One commit that touched a path, newest first (`provenant log`: the committed history of a stamp). */
export interface PathCommit extends DatedCommit {
  author: string;
  subject: string;
}

/** The commits of HEAD's history that touched `rel` (relative to `dir`), newest first. */
export async function pathHistory(dir: string, rel: string): Promise<PathCommit[]> {
  const what = 'reading the git history';
  const git = await historyOf(dir, what);
  if (!git) return [];
  let out: string;
  try {
    out = await git.raw(['log', '-z', '--format=%H%x1f%aI%x1f%an%x1f%s', 'HEAD', '--', rel]);
  } catch (error) {
    rethrow(error, what);
  }
  return nulFields(out).map((line) => {
    const [commit = '', date = '', author = '', subject = ''] = line.split('\x1f');
    return { commit, date, author, subject };
  });
}
