/**
 * The git facade: what the `--staged` and `--changed-since` modes ask of a repository.
 *
 * simple-git is imported on first use, never at module load, so that the plain audit path pays nothing for
 * it; `--staged`, the pre-commit path, starts git itself (`spawnedGit`). The commands are plumbing
 * (`rev-parse`, `diff-index`, `ls-files`, `cat-file`) wherever that is enough, so the output does not depend
 * on the user's configuration, and every path list is NUL-separated, so spaces, newlines and non-ASCII names
 * come through as they are.
 *
 * It is the one door to git: nothing else in src/ imports simple-git or starts git (eslint.config.js keeps
 * it so). git-history.ts asks the history and work-tree questions through the runner exported here. `gitRunner` gives other modules raw commands with the same environment, `gitSync` a blocking
 * call for `provenant hook`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SimpleGitOptions } from 'simple-git';
import { BugError, UserError, errorMessage } from './errors.js';

export interface StagedFile {
  /** Relative to the `root` passed in, `/`-separated. */
  path: string;
  /** The content in the index (what the commit will hold), not the working tree's. */
  bytes: Buffer;
}

/** The empty tree of each object format: what a first commit is compared with. */
const EMPTY_TREE: Readonly<Record<string, string>> = {
  sha1: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  sha256: '6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321',
};

/** Index modes of content we can read as a file: regular and executable. Symlinks and submodules are not. */
const FILE_MODES = new Set(['100644', '100755']);

/**
 * Variables simple-git refuses to see in an explicit environment (it strips them from the inherited one
 * but rejects the task when they are passed): every `GIT_*` and these. They are dropped here, so a hook's
 * `GIT_EXEC_PATH` or a user's `EDITOR` cannot fail the call.
 */
const GUARDED_NAMES = new Set(['editor', 'pager', 'prefix', 'ssh_askpass', 'visual']);

let simpleGitModule: Promise<typeof import('simple-git')> | undefined;

function loadSimpleGit(): Promise<typeof import('simple-git')> {
  simpleGitModule ??= import('simple-git');
  return simpleGitModule;
}

/** What the mode is called on the command line, for messages. */
type Mode = '--staged' | '--changed-since';

/**
 * What this module asks of a git runner, in simple-git's terms: resolves with stdout; rejects when git
 * exits non-zero having said something on stderr (a `-q --verify` miss exits 1 silently and resolves with
 * empty output), with stdout then stderr as the message, or `spawn git ENOENT` when git is not installed.
 */
export interface GitRunner {
  raw(args: string[]): Promise<string>;
  binaryCatFile(args: string[]): Promise<Buffer>;
}

interface Repo {
  /** The folder the caller asked about; commands run there, so `--relative` output is relative to it. */
  dir: string;
  topLevel: string;
  gitDir: string;
  objectFormat: string;
  shallow: boolean;
  /** The commit HEAD points at (or just `HEAD` when it is known to name one), or null in a repository with no commits. */
  head: string | null;
  git: GitRunner;
}

/**
 * The environment for git: the inherited one without the guarded names, untranslated messages (they are
 * matched below), and the hook's index when it belongs to this repository. `git commit -a` and
 * `git commit <paths>` run the pre-commit hook with `GIT_INDEX_FILE` naming a temporary index that holds
 * what will be committed; reading `.git/index` instead would audit the wrong content.
 */
function gitEnv(indexFile: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    const lower = name.toLowerCase();
    if (value === undefined || lower.startsWith('git_') || GUARDED_NAMES.has(lower)) continue;
    env[name] = value;
  }
  env.LC_ALL = 'C';
  if (indexFile !== undefined) env.GIT_INDEX_FILE = indexFile;
  return env;
}

/**
 * `GIT_INDEX_FILE` from the environment, absolute, when it is an index of the repository at `gitDir`.
 * git resolves a relative value against its working folder, and a hook starts at the top level, where
 * provenant's process starts too. An index of another repository (a hook of the project that runs tests on
 * temporary repositories) is ignored.
 */
function hookIndexFile(gitDir: string): string | undefined {
  const raw = process.env.GIT_INDEX_FILE;
  if (!raw) return undefined;
  const abs = path.resolve(process.cwd(), raw);
  const parent = path.dirname(abs);
  if (!existsSync(parent) || !existsSync(gitDir)) return undefined;
  return realpathSync(parent) === realpathSync(gitDir) ? abs : undefined;
}

interface RunnerOptions {
  /** Written to the stdin of every command the runner starts. */
  input?: string;
  /** Start git directly instead of through simple-git (see `spawnedGit`). */
  direct?: boolean;
}

/** A git runner for `dir`, working on `indexFile` when one is given. */
export async function makeGit(dir: string, indexFile: string | undefined, options: RunnerOptions = {}): Promise<GitRunner> {
  const { input, direct = false } = options;
  if (direct) return spawnedGit(dir, gitEnv(indexFile), input);
  const { simpleGit } = await loadSimpleGit();
  const simple: Partial<SimpleGitOptions> = {
    baseDir: dir,
    allowEnvironment: ['GIT_INDEX_FILE'],
    ...(input === undefined ? {} : { input: () => input }),
  };
  return simpleGit(simple).env(gitEnv(indexFile));
}

/** Raw git commands in one folder, for modules with their own plumbing (registry history, revisions). */
export interface GitCommands {
  /** Resolves with stdout; rejects as `GitRunner.raw` does, with git's stdout then stderr as the message. */
  raw(args: string[]): Promise<string>;
}

/** git in `dir` through simple-git, with the environment every call here gets (see `gitEnv`). */
export async function gitRunner(dir: string): Promise<GitCommands> {
  return makeGit(dir, undefined);
}

export interface GitSyncResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when git could not be started (`ENOENT` when it is not installed). */
  error?: NodeJS.ErrnoException;
}

/**
 * A blocking git call with the caller's environment as given, for `provenant hook`, which runs outside the
 * async audit path. Output is trimmed.
 */
export function gitSync(args: string[], cwd: string, env: NodeJS.ProcessEnv): GitSyncResult {
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
  if (r.error) return { status: r.status, stdout: '', stderr: '', error: r.error as NodeJS.ErrnoException };
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/**
 * git started with `child_process.spawn`, for the pre-commit path: importing simple-git and its logger costs
 * 35–50 ms (measured on a 2-CPU Linux machine), a sixth of what a hook may take. It keeps the contract of
 * `GitRunner`, so the messages and the error handling below serve both runners.
 */
function spawnedGit(dir: string, env: Record<string, string>, input: string | undefined): GitRunner {
  const run = (args: string[]): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const child = spawn('git', args, { cwd: dir, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
      // git may exit before it reads its input (a refusal): its exit status and stderr tell what happened
      child.stdin?.on('error', () => undefined);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        const stdout = Buffer.concat(out);
        const stderr = Buffer.concat(err).toString('utf8');
        if (signal) reject(new Error(`git ${args[0] ?? ''} was stopped by ${signal}\n${stderr}`));
        else if (code !== 0 && stderr.trim() !== '') reject(new Error(`${stdout.toString('utf8')}${stderr}`));
        else resolve(stdout);
      });
      child.stdin?.end(input);
    });
  return {
    raw: async (args) => (await run(args)).toString('utf8'),
    binaryCatFile: (args) => run(['cat-file', ...args]),
  };
}

export function isMissingGit(error: unknown): boolean {
  return /\bspawn \S+ ENOENT\b/.test(errorMessage(error));
}

/**
 * git's complaint, without `fatal: `. simple-git's message holds stdout before stderr when a command
 * fails, so the first `fatal:`/`error:` line is preferred over the first line.
 */
function gitSays(error: unknown): string {
  const lines = errorMessage(error).split('\n').map((l) => l.trim());
  const line = lines.find((l) => /^(?:fatal|error): /.test(l)) ?? lines.find((l) => l !== '') ?? 'git failed';
  return line.replace(/^(?:fatal|error): /, '');
}

/** Converts a failure of git (not installed, refused to run here, or any other) to a UserError. */
export function rethrow(error: unknown, what: string): never {
  if (isMissingGit(error)) {
    throw new UserError(`git is not installed (or not on PATH), and ${what} needs it`, {
      hint: 'install git and check that `git --version` works in this shell',
      cause: error,
    });
  }
  const said = gitSays(error);
  if (/detected dubious ownership/.test(said)) {
    throw new UserError(`git refuses to work in this repository: ${said}`, {
      hint: 'git config --global --add safe.directory <the repository folder>',
      cause: error,
    });
  }
  // A corrupt repository, a held lock, a full disk: git's own words say what is wrong.
  throw new UserError(`${what}: git failed: ${said}`, { cause: error });
}

export function checkFolder(dir: string, what: string): string {
  const abs = path.resolve(dir);
  if (!existsSync(abs)) throw new UserError(`${what}: ${dir} does not exist`);
  if (!statSync(abs).isDirectory()) throw new UserError(`${what}: ${dir} is not a folder`);
  return abs;
}

/** Top level, git dir, object format and shallowness; null when `abs` is not inside a work tree. */
export async function probe(git: GitRunner, abs: string, what: string): Promise<Omit<Repo, 'git' | 'head'> | null> {
  let out: string;
  try {
    out = await git.raw([
      'rev-parse',
      '--absolute-git-dir',
      '--is-shallow-repository',
      '--show-object-format',
      '--show-toplevel',
    ]);
  } catch (error) {
    // Outside any repository, inside a .git folder, or in a bare repository: there is no work tree.
    if (/not a git repository|must be run in a work tree/.test(gitSays(error))) return null;
    rethrow(error, what);
  }
  const [gitDir, shallow, objectFormat, topLevel] = out.split('\n');
  if (!gitDir || !topLevel || !objectFormat || (shallow !== 'true' && shallow !== 'false')) {
    throw new UserError(`git gave an unexpected answer to \`git rev-parse\` in ${abs}`, {
      hint: 'provenant needs git 2.28 or later; check `git --version`',
    });
  }
  return { dir: abs, gitDir, topLevel: path.resolve(topLevel), objectFormat, shallow: shallow === 'true' };
}

/**
 * The repository holding `dir`. `head` is resolved alongside the probe, unless the caller already knows
 * it (`knownHead`): outside a repository both fail, and the probe's answer is the one that counts.
 */
async function openRepo(dir: string, mode: Mode, knownHead?: Promise<string | null>): Promise<Repo> {
  const abs = checkFolder(dir, mode);
  const direct = mode === '--staged';
  const git = await makeGit(abs, undefined, { direct });
  const [found, head] = await Promise.allSettled([probe(git, abs, mode), knownHead ?? resolveCommit(git, 'HEAD', mode)]);
  if (found.status === 'rejected') throw found.reason;
  if (!found.value) {
    throw new UserError(`${mode} needs a git repository: ${dir} is not inside one`, {
      hint: `run it inside a git work tree, or audit paths without ${mode}`,
    });
  }
  if (head.status === 'rejected') throw head.reason;
  return { ...found.value, head: head.value, git: await makeGit(abs, hookIndexFile(found.value.gitDir), { direct }) };
}

/** The full id of `rev` as a commit, or null when it does not name one. */
export async function resolveCommit(git: GitRunner, rev: string, what: string): Promise<string | null> {
  let out: string;
  try {
    // `-q --verify` exits 1 with no message for an unknown name, which simple-git reports as empty output.
    out = await git.raw(['rev-parse', '-q', '--verify', `${rev}^{commit}`]);
  } catch (error) {
    rethrow(error, what);
  }
  const id = out.trim();
  return /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(id) ? id : null;
}

/** Splits `-z` output into its fields; the output ends with a NUL, so the last empty field is dropped. */
export function nulFields(out: string): string[] {
  const fields = out.split('\0');
  if (fields.at(-1) === '') fields.pop();
  return fields;
}

interface IndexEntry {
  path: string;
  blob: string;
}

/** Parses `git diff-index --cached -z` raw records: `:oldmode newmode oldid newid status` NUL path NUL. */
function parseRaw(out: string): IndexEntry[] {
  const fields = nulFields(out);
  const entries: IndexEntry[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const meta = fields[i] ?? '';
    const file = fields[i + 1];
    const parts = meta.slice(1).split(' ');
    const [, newMode, , newId, status] = parts;
    if (!meta.startsWith(':') || file === undefined || parts.length !== 5 || !newMode || !newId || !status) {
      throw new BugError(`unexpected \`git diff-index\` record: ${JSON.stringify(meta)}`);
    }
    if (FILE_MODES.has(newMode)) entries.push({ path: file, blob: newId });
  }
  return entries;
}

/** One answer of `git cat-file --batch`: its header words, and the object's bytes unless it was not found. */
interface CatFileAnswer {
  header: string[];
  content: Buffer | null;
}

/**
 * Asks `git cat-file --batch` one request a line (object ids or `<rev>:<path>`) and splits its output into one
 * answer per request: `<id> <type> <size>` LF, the content, LF — or `<request> missing|ambiguous` LF.
 */
export async function catFileBatch(
  dir: string,
  indexFile: string | undefined,
  requests: readonly string[],
  what: string,
  direct = false,
): Promise<CatFileAnswer[]> {
  // Never start cat-file with nothing to ask: with an empty request simple-git leaves its stdin open.
  if (requests.length === 0) return [];
  const git = await makeGit(dir, indexFile, { input: `${requests.join('\n')}\n`, direct });
  let out: unknown;
  try {
    out = await git.binaryCatFile(['--batch']);
  } catch (error) {
    rethrow(error, what);
  }
  if (!Buffer.isBuffer(out)) throw new BugError('`git cat-file --batch` did not return bytes');
  const answers: CatFileAnswer[] = [];
  let at = 0;
  for (const request of requests) {
    const eol = out.indexOf(0x0a, at);
    if (eol === -1) throw new BugError(`\`git cat-file --batch\` output ended before the answer to ${request}`);
    const header = out.toString('utf8', at, eol).split(' ');
    at = eol + 1;
    // the request itself may hold spaces, so a miss is known by its last word
    if (header.at(-1) === 'missing' || header.at(-1) === 'ambiguous') {
      answers.push({ header, content: null });
      continue;
    }
    const size = Number(header[2]);
    if (header.length !== 3 || !Number.isInteger(size) || at + size > out.length) {
      throw new BugError(`\`git cat-file --batch\` answered "${header.join(' ')}" for ${request}, or cut it short`);
    }
    answers.push({ header, content: out.subarray(at, at + size) });
    at += size + 1;
  }
  return answers;
}

/** Reads staged blobs by id with one `git cat-file --batch`. */
async function readBlobs(repo: Repo, ids: readonly string[]): Promise<Map<string, Buffer>> {
  const answers = await catFileBatch(repo.dir, hookIndexFile(repo.gitDir), ids, '--staged', true);
  const blobs = new Map<string, Buffer>();
  ids.forEach((id, i) => {
    const answer = answers[i];
    if (!answer?.content || answer.header[0] !== id || answer.header[1] !== 'blob') {
      throw new BugError(`\`git cat-file --batch\` answered "${answer?.header.join(' ') ?? ''}" for the staged blob ${id}`);
    }
    blobs.set(id, answer.content);
  });
  return blobs;
}

/** The id git gives `bytes` as a blob (`git hash-object`), in the repository's object format. */
function blobId(bytes: Buffer, objectFormat: string): string | null {
  if (objectFormat !== 'sha1' && objectFormat !== 'sha256') return null;
  return createHash(objectFormat).update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** The working tree's bytes of `rel` (under `dir`), or null when it cannot be read as a regular file. */
function workTreeBytes(dir: string, rel: string): Buffer | null {
  try {
    const abs = path.join(dir, rel);
    return lstatSync(abs).isFile() ? readFileSync(abs) : null;
  } catch (error) {
    if (error instanceof Error && 'code' in error) return null;
    throw error;
  }
}

async function diffIndex(git: GitRunner, base: string): Promise<IndexEntry[]> {
  // --no-renames: a rename is its new path as an addition, which is all an audit needs.
  // --relative: only paths under the folder the command runs in, relative to it.
  // T (a symlink that became a file) is asked for too; the mode filter keeps only regular files.
  return parseRaw(await git.raw(['diff-index', '--cached', '-z', '--no-renames', '--diff-filter=ACMT', '--relative', base, '--']));
}

/**
 * Files added, copied or modified in the index relative to HEAD (or to the empty tree in a repository
 * with no commits), with their index content. A rename is listed under its new name. Deleted files,
 * symlinks and submodules are not listed. Paths are relative to `root`; files outside it are left out.
 *
 * This is the pre-commit path, so git is started as few times as possible: the diff against `HEAD` runs
 * alongside the repository probe (the hook's index is checked once the probe names the git folder), and
 * a staged blob is read from the working tree when the file there hashes to the same id, which is the
 * usual case; only the others are read from the object store.
 */
export async function stagedFiles(root: string): Promise<StagedFile[]> {
  const abs = checkFolder(root, '--staged');
  const hookIndex = process.env.GIT_INDEX_FILE ? path.resolve(process.cwd(), process.env.GIT_INDEX_FILE) : undefined;
  const optimistic = await makeGit(abs, hookIndex, { direct: true });
  const early = diffIndex(optimistic, 'HEAD');
  // settled here so an early failure is never an unhandled rejection while the probe runs
  early.catch(() => undefined);
  // a diff against HEAD that works proves HEAD exists; only when it fails is HEAD asked about
  const head = early.then(
    () => 'HEAD',
    () => resolveCommit(optimistic, 'HEAD', '--staged'),
  );
  const repo = await openRepo(root, '--staged', head);
  let entries: IndexEntry[];
  try {
    const sameIndex = hookIndexFile(repo.gitDir) === hookIndex;
    if (repo.head !== null && sameIndex) {
      entries = await early;
    } else {
      const base = repo.head ?? EMPTY_TREE[repo.objectFormat];
      if (base === undefined) {
        throw new UserError(`--staged does not know the object format "${repo.objectFormat}" of ${repo.topLevel}`);
      }
      entries = await diffIndex(repo.git, base);
    }
  } catch (error) {
    if (error instanceof UserError || error instanceof BugError) throw error;
    rethrow(error, '--staged');
  }
  const files: { path: string; blob: string; bytes: Buffer | null }[] = entries.map((e) => {
    const bytes = workTreeBytes(repo.dir, e.path);
    return { ...e, bytes: bytes && blobId(bytes, repo.objectFormat) === e.blob ? bytes : null };
  });
  const blobs = await readBlobs(repo, [...new Set(files.filter((f) => !f.bytes).map((f) => f.blob))]);
  return files.map((f) => {
    const bytes = f.bytes ?? blobs.get(f.blob);
    if (!bytes) throw new BugError(`staged blob ${f.blob} of ${f.path} was not read`);
    return { path: f.path, bytes };
  });
}

/**
 * Paths changed between `rev` and the working tree: committed since `rev`, staged, unstaged, and untracked
 * files that are not ignored. Relative to `root`, sorted; files outside `root` and deleted files are left
 * out. `rev` is compared with the working tree directly (as `git diff REV` does), not with a merge base.
 */
export async function changedSince(root: string, rev: string): Promise<string[]> {
  const repo = await openRepo(root, '--changed-since');
  if (repo.head === null) {
    throw new UserError(`--changed-since needs a commit to compare with: ${repo.topLevel} has no commits yet`, {
      hint: 'commit first, or use --staged to audit what the first commit will hold',
    });
  }
  // A leading dash would be read as an option; no revision is spelled that way.
  const base = rev.startsWith('-') || rev.trim() === '' ? null : await resolveCommit(repo.git, rev, '--changed-since');
  if (base === null) {
    if (repo.shallow) {
      throw new UserError(
        `unknown revision '${rev}': ${repo.topLevel} is a shallow clone, and '${rev}' is not in the history it holds (it may lie beyond the shallow boundary)`,
        { hint: `fetch more history (git fetch --deepen=<n>, or git fetch --unshallow), or fetch the revision itself (git fetch origin ${rev})` },
      );
    }
    throw new UserError(`unknown revision '${rev}'`, {
      hint: 'check the name; a branch or tag of a remote may need a `git fetch` first (in CI, a shallow checkout may lack it)',
    });
  }
  let lists: string[];
  try {
    lists = await Promise.all([
      // Porcelain diff, not diff-index: it refreshes stale stat data first, so a file that was only touched
      // (checked out again, rewritten with the same bytes) is not reported as changed.
      repo.git.raw(['diff', '-z', '--name-only', '--no-renames', '--diff-filter=ACMT', '--relative', '--no-ext-diff', '--no-color', base, '--']),
      // ls-files lists the folder it runs in, relative to it.
      repo.git.raw(['ls-files', '-z', '--others', '--exclude-standard']),
    ]);
  } catch (error) {
    rethrow(error, '--changed-since');
  }
  return [...new Set(lists.flatMap(nulFields))].sort();
}

/**
 * What git ignores under `root` (`.gitignore` files, `.git/info/exclude`, `core.excludesFile`), as
 * root-relative paths, a wholly ignored folder as one entry ending in `/`; null when `root` is not in a git
 * work tree or git is not installed (nothing is left out then). Tracked files are never in the set, even when
 * a pattern matches them: git itself does not ignore them.
 */
export async function gitIgnored(root: string): Promise<Set<string> | null> {
  const git = spawnedGit(path.resolve(root), gitEnv(undefined), undefined);
  let out: string;
  try {
    out = await git.raw(['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory']);
  } catch (error) {
    if (isMissingGit(error) || /not a git repository/i.test(errorMessage(error))) return null;
    throw new UserError(`cannot ask git which files .gitignore leaves out in ${root}: ${errorMessage(error).trim()}`, {
      hint: 'set `respect-gitignore = false` to walk every file',
      cause: error,
    });
  }
  return new Set(out.split('\0').filter(Boolean));
}
