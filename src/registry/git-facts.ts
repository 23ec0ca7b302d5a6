/**
 * Git facts for every file at once: one `git log --name-only` pass over the history under the root
 * (first added, last changed, commits, authors). Remembered per HEAD, so a sync with no new commit does
 * not walk the history again. A folder outside git, or a repository with no commits, has no git facts:
 * the registry is built without them, after one warning.
 */
import { errorMessage, UserError } from '../core/errors.js';
import { gitRunner, type GitCommands } from '../core/git.js';
import type { GitFacts } from '../schemas/registry.js';

export interface GitMemo {
  get(): string | undefined;
  set(value: string): void;
}

export type GitFactsByPath = Map<string, GitFacts>;

const RECORD = '\u001e';
const FIELD = '\u001f';

/** HEAD's commit id, or a reason there is none (not a repository, no commits, no git). */
async function head(git: GitCommands): Promise<{ id: string } | { reason: string }> {
  try {
    const out = await git.raw(['rev-parse', '-q', '--verify', 'HEAD^{commit}']);
    const id = out.trim();
    return id ? { id } : { reason: 'the repository has no commits yet' };
  } catch (error) {
    const said = errorMessage(error);
    if (/not a git repository/i.test(said)) return { reason: 'not a git repository' };
    if (/spawn \S+ ENOENT/.test(said)) return { reason: 'git is not installed' };
    if (/dubious ownership/.test(said)) {
      throw new UserError(`git refuses to work in this repository: ${said.split('\n')[0] ?? said}`, {
        hint: 'git config --global --add safe.directory <the repository folder>',
        cause: error,
      });
    }
    throw new UserError(`reading git history: git failed: ${said.split('\n')[0] ?? said}`, { cause: error });
  }
}

interface Tally {
  added: string;
  lastChanged: string;
  lastCommit: string;
  commits: number;
  authors: Map<string, number>;
}

/** Parses `--format=RS%h FS %as FS %an` + `--name-only` output, newest commit first. */
export function parseLog(out: string): GitFactsByPath {
  const tallies = new Map<string, Tally>();
  for (const record of out.split(RECORD)) {
    if (!record.trim()) continue;
    const [header = '', ...paths] = record.split('\n');
    const [hash = '', date = '', author = ''] = header.split(FIELD);
    for (const path of paths) {
      if (!path) continue;
      const t = tallies.get(path);
      if (!t) {
        tallies.set(path, { added: date, lastChanged: date, lastCommit: hash, commits: 1, authors: new Map([[author, 1]]) });
      } else {
        // older commits come later: the last one seen added the file
        t.added = date;
        t.commits++;
        t.authors.set(author, (t.authors.get(author) ?? 0) + 1);
      }
    }
  }
  const facts: GitFactsByPath = new Map();
  for (const [path, t] of tallies) {
    const authors = [...t.authors].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([name]) => name);
    facts.set(path, { added: t.added, lastChanged: t.lastChanged, lastCommit: t.lastCommit, commits: t.commits, authors });
  }
  return facts;
}

/** HEAD's commit id under `root`, or why there is none (what the git facts were read at). */
export async function headOf(root: string): Promise<{ id: string } | { reason: string }> {
  return head(await gitRunner(root));
}

/** Git facts keyed by root-relative path, or a reason there are none. */
export async function gitFacts(root: string, memo: GitMemo): Promise<{ facts: GitFactsByPath } | { reason: string }> {
  const git = await gitRunner(root);
  const at = await head(git);
  if ('reason' in at) return at;
  const remembered = memo.get();
  if (remembered) {
    const parsed = JSON.parse(remembered) as { head: string; facts: [string, GitFacts][] };
    if (parsed.head === at.id) return { facts: new Map(parsed.facts) };
  }
  let out: string;
  try {
    // --relative: paths relative to the root even when the root is a folder inside the repository;
    // core.quotePath off: non-ASCII names come through as they are
    out = await git.raw([
      '-c', 'core.quotePath=false', 'log', '--no-renames', '--name-only', '--relative', `--format=${RECORD}%h${FIELD}%as${FIELD}%an`, 'HEAD', '--', '.',
    ]);
  } catch (error) {
    throw new UserError(`reading git history: git failed: ${errorMessage(error).split('\n')[0] ?? ''}`, { cause: error });
  }
  const facts = parseLog(out);
  memo.set(JSON.stringify({ head: at.id, facts: [...facts] }));
  return { facts };
}
