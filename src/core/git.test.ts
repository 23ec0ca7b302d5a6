import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { makeGitDir, runGit, isolatedGitEnv, type GitDir } from '../../test/helpers/gitdir.js';
import { UserError } from './errors.js';
import { changedSince, stagedFiles, type StagedFile } from './git.js';
import { gitTopLevel } from './git-history.js';

const cleanups: Array<() => void> = [];
const savedEnv = { ...process.env };
const savedCwd = process.cwd();

afterEach(() => {
  process.chdir(savedCwd);
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

function repo(files?: Record<string, string | Buffer>): GitDir {
  const dir = makeGitDir(files);
  cleanups.push(dir.cleanup);
  return dir;
}

function plainDir(): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'provenant-nogit-')));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** path → content as text, for comparing staged files at a glance. */
const asText = (files: StagedFile[]): Record<string, string> =>
  Object.fromEntries(files.map((f) => [f.path, f.bytes.toString('utf8')]));

/** The UserError a promise rejects with (failing the test if it resolves or throws something else). */
async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => new Error('expected a UserError, but the call succeeded'),
    (e: unknown) => e,
  );
  if (!(error instanceof UserError)) throw error;
  return error;
}

describe('stagedFiles', () => {
  it('returns the index content, not the working tree', async () => {
    const r = repo({ 'train.py': 'v0\n' });
    r.write({ 'train.py': 'v1\n' });
    r.add('train.py');
    r.write({ 'train.py': 'v2, not staged\n' });
    expect(asText(await stagedFiles(r.root))).toEqual({ 'train.py': 'v1\n' });
  });

  it('reads from the object store what the working tree no longer holds as staged', async () => {
    const r = repo({ 'keep.py': 'v0\n' });
    r.write({ 'a.py': 'same\n', 'b.py': 'same\n', 'gone.py': 'staged, then deleted\n', 'keep.py': 'v1\n' });
    r.add();
    rmSync(path.join(r.root, 'gone.py'));
    r.write({ 'keep.py': 'v1\n' }); // rewritten with the same bytes: still read from the working tree
    expect(asText(await stagedFiles(r.root))).toEqual({
      'a.py': 'same\n',
      'b.py': 'same\n',
      'gone.py': 'staged, then deleted\n',
      'keep.py': 'v1\n',
    });
  });

  it('lists added, modified and renamed files; not deleted or unstaged ones', async () => {
    const r = repo({ 'keep.py': 'keep\n', 'mod.py': 'old\n', 'old_name.py': 'moved\n', 'gone.py': 'bye\n', 'dirty.py': 'x\n' });
    r.write({ 'mod.py': 'new\n', 'added.py': 'added\n', 'dirty.py': 'unstaged edit\n' });
    r.git(['add', 'mod.py', 'added.py']);
    r.git(['mv', 'old_name.py', 'new_name.py']);
    r.git(['rm', '-q', 'gone.py']);
    expect(asText(await stagedFiles(r.root))).toEqual({ 'added.py': 'added\n', 'mod.py': 'new\n', 'new_name.py': 'moved\n' });
  });

  it('returns nothing when nothing is staged', async () => {
    const r = repo({ 'a.py': 'a\n' });
    r.write({ 'a.py': 'edited, not staged\n', 'b.py': 'untracked\n' });
    expect(await stagedFiles(r.root)).toEqual([]);
  });

  it('keeps names with spaces, quotes, newlines and non-ASCII characters, and bytes as they are', async () => {
    const r = repo({ 'seed.py': '\n' });
    const binary = Buffer.from([0x23, 0x20, 0x00, 0x0a, 0xff, 0xfe, 0x0a, 0x0a]);
    const files = {
      'dir with space/run eval.py': 'print("eval")\n',
      'données/modèle_训练.py': 'x = "é"\n',
      'quote"and\\backslash.py': 'q = 1\n',
      'new\nline.py': 'n = 1\n',
      'binary.py': binary,
      'same-content-1.py': 'dup\n',
      'same-content-2.py': 'dup\n',
    };
    r.write(files);
    r.add();
    const staged = await stagedFiles(r.root);
    expect(staged.map((f) => f.path).sort()).toEqual(Object.keys(files).sort());
    for (const f of staged) expect(f.bytes.equals(Buffer.from(files[f.path as keyof typeof files]))).toBe(true);
  });

  it('leaves out symlinks, and lists a symlink that became a file', async () => {
    const r = repo({ 'real.py': 'r\n' });
    symlinkSync('real.py', path.join(r.root, 'was_link.py'));
    r.commitFiles({});
    symlinkSync('real.py', path.join(r.root, 'link.py'));
    rmSync(path.join(r.root, 'was_link.py'));
    r.write({ 'other.py': 'o\n', 'was_link.py': 'now a file\n' });
    r.add();
    expect(asText(await stagedFiles(r.root))).toEqual({ 'other.py': 'o\n', 'was_link.py': 'now a file\n' });
  });

  it('reports paths relative to a subfolder root and drops files outside it', async () => {
    const r = repo({ 'top.py': 't\n', 'lab/exp/a.py': 'a\n' });
    r.write({ 'top.py': 't2\n', 'lab/exp/a.py': 'a2\n', 'lab/b.py': 'b\n', 'labelled.py': 'not under lab/\n' });
    r.add();
    expect(asText(await stagedFiles(path.join(r.root, 'lab')))).toEqual({ 'exp/a.py': 'a2\n', 'b.py': 'b\n' });
    expect(asText(await stagedFiles(path.join(r.root, 'lab', 'exp')))).toEqual({ 'a.py': 'a2\n' });
  });

  it('works in a repository with no commits', async () => {
    const r = repo();
    r.write({ 'first.py': 'one\n', 'sub/second.py': 'two\n' });
    r.add();
    expect(asText(await stagedFiles(r.root))).toEqual({ 'first.py': 'one\n', 'sub/second.py': 'two\n' });
    expect(await stagedFiles(path.join(r.root, 'sub'))).toHaveLength(1);
  });

  it('works on a detached HEAD', async () => {
    const r = repo({ 'a.py': 'a\n' });
    r.commitFiles({ 'a.py': 'a2\n' });
    r.git(['checkout', '-q', '--detach', 'HEAD~1']);
    r.write({ 'a.py': 'a3\n' });
    r.add();
    expect(asText(await stagedFiles(r.root))).toEqual({ 'a.py': 'a3\n' });
  });

  it("reads the hook's index (GIT_INDEX_FILE) when it belongs to the repository", async () => {
    // `git commit -a` runs the pre-commit hook against a temporary index in .git/.
    const r = repo({ 'a.py': 'v0\n' });
    r.write({ 'a.py': 'in .git/index\n' });
    r.add();
    const hookIndex = path.join(r.root, '.git', 'index.lock');
    r.write({ 'a.py': 'in the hook index\n' });
    r.git(['read-tree', 'HEAD'], { env: { GIT_INDEX_FILE: hookIndex } });
    r.git(['add', 'a.py'], { env: { GIT_INDEX_FILE: hookIndex } });
    process.env.GIT_INDEX_FILE = hookIndex;
    expect(asText(await stagedFiles(r.root))).toEqual({ 'a.py': 'in the hook index\n' });

    // An index of another repository (a hook that runs tests on temporary repositories) is ignored.
    const other = repo({ 'b.py': 'b\n' });
    process.env.GIT_INDEX_FILE = path.join(other.root, '.git', 'index');
    expect(asText(await stagedFiles(r.root))).toEqual({ 'a.py': 'in .git/index\n' });
  });

  it("resolves a relative GIT_INDEX_FILE from the hook's folder, the top level", async () => {
    // A plain `git commit` runs the hook at the top level with GIT_INDEX_FILE=.git/index.
    const r = repo({ 'lab/a.py': 'v0\n' });
    r.write({ 'lab/a.py': 'in .git/index\n' });
    r.add();
    const hookIndex = path.join(r.root, '.git', 'next-index-1.lock');
    r.write({ 'lab/a.py': 'in the hook index\n' });
    r.git(['read-tree', 'HEAD'], { env: { GIT_INDEX_FILE: hookIndex } });
    r.git(['add', 'lab/a.py'], { env: { GIT_INDEX_FILE: hookIndex } });
    process.chdir(r.root);
    process.env.GIT_INDEX_FILE = '.git/next-index-1.lock';
    expect(asText(await stagedFiles(path.join(r.root, 'lab')))).toEqual({ 'a.py': 'in the hook index\n' });
  });

  it('ignores an inherited GIT_DIR and GIT_WORK_TREE', async () => {
    const r = repo({ 'a.py': 'a\n' });
    r.write({ 'a.py': 'mine\n' });
    r.add();
    const other = repo({ 'b.py': 'b\n' });
    other.write({ 'b.py': 'theirs\n' });
    other.add();
    process.env.GIT_DIR = path.join(other.root, '.git');
    process.env.GIT_WORK_TREE = other.root;
    expect(asText(await stagedFiles(r.root))).toEqual({ 'a.py': 'mine\n' });
  });

  it('names the folder when it is not inside a git repository', async () => {
    const dir = plainDir();
    const error = await userError(stagedFiles(dir));
    expect(error.message).toBe(`--staged needs a git repository: ${dir} is not inside one`);
    expect(error.hint).toBeTruthy();
  });

  it('treats a .git folder and a bare repository as outside a work tree', async () => {
    const r = repo({ 'a.py': 'a\n' });
    expect((await userError(stagedFiles(path.join(r.root, '.git')))).message).toMatch(/needs a git repository/);
    const bare = path.join(r.tmp, 'bare.git');
    runGit(['init', '-q', '--bare', bare], r.tmp, isolatedGitEnv(path.join(r.tmp, 'home')));
    expect((await userError(stagedFiles(bare))).message).toMatch(/needs a git repository/);
  });

  it('says so when git is not installed', async () => {
    const r = repo({ 'a.py': 'a\n' });
    process.env.PATH = plainDir();
    const error = await userError(stagedFiles(r.root));
    expect(error.message).toBe('git is not installed (or not on PATH), and --staged needs it');
    expect(error.hint).toMatch(/install git/);
  });
});

describe('changedSince', () => {
  /** c1: a, b, c, d, gone, .gitignore; c2: a changed. Then b staged, c unstaged, untracked, ignored, deleted. */
  function history(): { r: GitDir; c1: string } {
    const r = repo();
    const c1 = r.commitFiles({
      'a.py': 'a\n',
      'b.py': 'b\n',
      'c.py': 'c\n',
      'd.py': 'unchanged\n',
      'gone.py': 'g\n',
      'lab/e.py': 'e\n',
      '.gitignore': 'ignored.py\nruns/\n',
    });
    r.commitFiles({ 'a.py': 'a2\n' });
    r.write({ 'b.py': 'b2\n' });
    r.add('b.py');
    r.write({ 'c.py': 'c2\n', 'new file.py': 'untracked\n', 'lab/f.py': 'untracked\n', 'ignored.py': 'i\n', 'runs/out.py': 'o\n' });
    rmSync(path.join(r.root, 'gone.py'));
    return { r, c1 };
  }

  it('lists committed, staged, unstaged and untracked changes; not ignored or deleted files', async () => {
    const { r, c1 } = history();
    expect(await changedSince(r.root, c1)).toEqual(['a.py', 'b.py', 'c.py', 'lab/f.py', 'new file.py']);
    expect(await changedSince(r.root, 'HEAD')).toEqual(['b.py', 'c.py', 'lab/f.py', 'new file.py']);
    expect(await changedSince(r.root, 'main~1')).toEqual(['a.py', 'b.py', 'c.py', 'lab/f.py', 'new file.py']);
  });

  it('does not list a file that was only touched', async () => {
    const { r } = history();
    const later = new Date('2030-01-01T00:00:00Z');
    utimesSync(path.join(r.root, 'd.py'), later, later);
    expect(await changedSince(r.root, 'HEAD')).not.toContain('d.py');
  });

  it('reports paths relative to a subfolder root', async () => {
    const { r, c1 } = history();
    r.write({ 'lab/e.py': 'e2\n' });
    expect(await changedSince(path.join(r.root, 'lab'), c1)).toEqual(['e.py', 'f.py']);
  });

  it('works on a detached HEAD', async () => {
    const { r, c1 } = history();
    r.git(['stash', '-q', '--include-untracked']);
    r.git(['checkout', '-q', '--detach', c1]);
    r.write({ 'd.py': 'changed on the detached head\n' });
    expect(await changedSince(r.root, 'main')).toEqual(['a.py', 'd.py']);
  });

  it('names a missing revision and suggests a fetch', async () => {
    const { r } = history();
    const error = await userError(changedSince(r.root, 'nope'));
    expect(error.message).toBe("unknown revision 'nope'");
    expect(error.hint).toMatch(/git fetch/);
  });

  it('never reads a revision as an option', async () => {
    const { r } = history();
    const out = path.join(r.tmp, 'written-by-git');
    expect((await userError(changedSince(r.root, `--output=${out}`))).message).toBe(`unknown revision '--output=${out}'`);
    expect((await userError(changedSince(r.root, ''))).message).toBe("unknown revision ''");
  });

  it('says when the revision lies beyond the boundary of a shallow clone', async () => {
    const r = repo({ 'a.py': '1\n' });
    r.commitFiles({ 'a.py': '2\n' });
    r.commitFiles({ 'a.py': '3\n', 'b.py': 'b\n' });
    const shallow = path.join(r.tmp, 'shallow');
    runGit(['clone', '-q', '--depth', '1', `file://${r.root}`, shallow], r.tmp, isolatedGitEnv(path.join(r.tmp, 'home')));
    writeFileSync(path.join(shallow, 'b.py'), 'edited\n');

    expect(await changedSince(shallow, 'HEAD')).toEqual(['b.py']);
    const error = await userError(changedSince(shallow, 'HEAD~2'));
    expect(error.message).toMatch(/^unknown revision 'HEAD~2': .* is a shallow clone/);
    expect(error.message).toMatch(/shallow boundary/);
    expect(error.hint).toMatch(/git fetch --deepen|--unshallow/);
  });

  it('fails clearly in a repository with no commits', async () => {
    const r = repo();
    r.write({ 'a.py': 'a\n' });
    r.add();
    const error = await userError(changedSince(r.root, 'HEAD'));
    expect(error.message).toBe(`--changed-since needs a commit to compare with: ${r.root} has no commits yet`);
    expect(error.hint).toMatch(/--staged/);
  });

  it('names the folder when it is not inside a git repository', async () => {
    const dir = plainDir();
    expect((await userError(changedSince(dir, 'HEAD'))).message).toBe(
      `--changed-since needs a git repository: ${dir} is not inside one`,
    );
  });
});

describe('gitTopLevel', () => {
  it('finds the top level from the root or any folder below it', async () => {
    const r = repo({ 'lab/exp/a.py': 'a\n' });
    expect(await gitTopLevel(r.root)).toBe(r.root);
    expect(await gitTopLevel(path.join(r.root, 'lab', 'exp'))).toBe(r.root);
  });

  it('returns null outside a work tree', async () => {
    const r = repo({ 'a.py': 'a\n' });
    expect(await gitTopLevel(plainDir())).toBeNull();
    expect(await gitTopLevel(path.join(r.root, '.git'))).toBeNull();
  });

  it('rejects a folder that does not exist, and a file', async () => {
    const dir = plainDir();
    expect((await userError(gitTopLevel(path.join(dir, 'missing')))).message).toMatch(/does not exist/);
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'f.py'), '');
    expect((await userError(gitTopLevel(path.join(dir, 'sub', 'f.py')))).message).toMatch(/is not a folder/);
  });
});
