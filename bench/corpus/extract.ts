/**
 * Extracts the real-world corpus (bench/corpus/repos.json) at its pinned commits from local git mirrors
 * into bench/corpus/trees/<name>/, each made a git repository of its own so the audit takes it as the
 * project root, as it would in a user's clone.
 *
 *   node dist/bench/corpus/extract.js --mirrors DIR [--out DIR] [NAME…]
 *
 * A mirror is found as DIR/<owner>+<name>/repo, DIR/<owner>/<name>(.git) or DIR/<name>(.git), bare or not.
 * Blobs a mirror lacks (large files stored elsewhere) are skipped and counted, never fatal: the audit of
 * such a tree sees what a clone without LFS would.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BenchError, parseArgs, repoRoot, runBench } from '../common.js';
import { loadCorpus, type CorpusRepo } from './list.js';

function git(gitDir: string, args: string[], input?: string): Buffer {
  const r = spawnSync('git', ['--git-dir', gitDir, ...args], { input, maxBuffer: 4 << 30 });
  if (r.error) throw new BenchError(`git ${args[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new BenchError(`git ${args.join(' ')} in ${gitDir}: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

function hasCommit(gitDir: string, commit: string): boolean {
  return spawnSync('git', ['--git-dir', gitDir, 'cat-file', '-e', `${commit}^{commit}`]).status === 0;
}

/** The git directory of a repository's mirror under `mirrors`, holding the pinned commit. */
function findMirror(mirrors: string, repo: CorpusRepo): string {
  const [owner = '', name = ''] = repo.repo.split('/');
  const tried: string[] = [];
  for (const base of [path.join(mirrors, `${owner}+${name}`, 'repo'), path.join(mirrors, owner, name), path.join(mirrors, name)]) {
    for (const dir of [base, `${base}.git`, path.join(base, '.git')]) {
      if (!existsSync(dir)) continue;
      tried.push(dir);
      if (hasCommit(dir, repo.commit)) return dir;
    }
  }
  throw new BenchError(
    tried.length
      ? `${repo.repo}: no mirror under ${mirrors} holds commit ${repo.commit} (looked in ${tried.join(', ')})`
      : `${repo.repo}: no mirror under ${mirrors} (expected ${owner}+${name}/repo, ${owner}/${name}.git or ${name}.git)`,
  );
}

interface Extracted {
  files: number;
  missing: number;
}

/** Writes the tree of `commit` into `dest` from the object database alone (no work tree, no checkout). */
function extractTree(gitDir: string, commit: string, dest: string): Extracted {
  const entries: { mode: string; sha: string; path: string }[] = [];
  for (const rec of git(gitDir, ['ls-tree', '-r', '-z', '--full-tree', commit]).toString('utf8').split('\0')) {
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.+)$/s.exec(rec);
    if (!m || m[2] !== 'blob') continue; // submodules are other repositories
    entries.push({ mode: m[1] ?? '', sha: m[3] ?? '', path: m[4] ?? '' });
  }
  const out = git(gitDir, ['cat-file', '--batch'], entries.map((e) => e.sha).join('\n') + '\n');
  let at = 0;
  let missing = 0;
  let files = 0;
  for (const entry of entries) {
    const nl = out.indexOf(10, at);
    const header = out.subarray(at, nl).toString('utf8');
    at = nl + 1;
    const parts = header.split(' ');
    if (parts[1] === 'missing') {
      missing++;
      continue;
    }
    const size = Number(parts[2]);
    const body = out.subarray(at, at + size);
    at += size + 1;
    const file = path.join(dest, entry.path);
    if (!file.startsWith(dest + path.sep)) throw new BenchError(`${entry.path}: a path that leaves the tree`);
    mkdirSync(path.dirname(file), { recursive: true });
    if (entry.mode === '120000') symlinkSync(body.toString('utf8'), file);
    else writeFileSync(file, body, { mode: entry.mode === '100755' ? 0o755 : 0o644 });
    files++;
  }
  return { files, missing };
}

/** Extracts one repository unless its tree already stands at the pinned commit. */
export function extractRepo(mirrors: string, repo: CorpusRepo, outDir: string): string {
  const dest = path.join(outDir, repo.name);
  const stampFile = path.join(dest, '.git', 'corpus-commit');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === repo.commit) return `${repo.name}: up to date`;
  const gitDir = findMirror(mirrors, repo);
  const tmp = `${dest}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const { files, missing } = extractTree(gitDir, repo.commit, tmp);
  const init = spawnSync('git', ['init', '-q', tmp]);
  if (init.status !== 0) throw new BenchError(`git init ${tmp}: ${init.stderr.toString().trim()}`);
  writeFileSync(path.join(tmp, '.git', 'corpus-commit'), repo.commit + '\n');
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return `${repo.name}: ${files} files at ${repo.commit.slice(0, 12)}${missing ? ` (${missing} blobs absent from the mirror, skipped)` : ''}`;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['mirrors', 'out'], []);
  const mirrors = args.values.get('mirrors')?.[0] ?? process.env.PROVENANT_CORPUS_MIRRORS;
  if (!mirrors) throw new BenchError('--mirrors DIR is needed (or PROVENANT_CORPUS_MIRRORS): the folder of local git mirrors');
  const outDir = path.resolve(args.values.get('out')?.[0] ?? path.join(repoRoot(), 'bench', 'corpus', 'trees'));
  const corpus = loadCorpus();
  const wanted = args.positional.length ? args.positional : corpus.map((r) => r.name);
  for (const name of wanted) {
    const repo = corpus.find((r) => r.name === name);
    if (!repo) throw new BenchError(`${name}: not in bench/corpus/repos.json (${corpus.map((r) => r.name).join(', ')})`);
    console.log(extractRepo(path.resolve(mirrors), repo, outDir));
  }
  return 0;
}

runBench(main);
