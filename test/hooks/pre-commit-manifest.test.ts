/**
 * The .pre-commit-hooks.yaml contract, checked without the pre-commit framework (it cannot be
 * installed offline): the keys pre-commit reads, and the entry run the way pre-commit runs it —
 * the entry's words, then the staged files whose identify tags match `types_or`, from the top of
 * the repository.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN, REPO } from '../helpers/exec.js';

interface ManifestHook {
  id: string;
  name: string;
  entry: string;
  language: string;
  types_or?: string[];
  pass_filenames?: boolean;
  require_serial?: boolean;
  minimum_pre_commit_version?: string;
  [key: string]: unknown;
}

// The keys pre-commit's manifest schema knows (pre-commit.com, "Creating new hooks").
const KNOWN_KEYS = new Set([
  'id', 'name', 'entry', 'language', 'files', 'exclude', 'types', 'types_or', 'exclude_types', 'always_run', 'fail_fast',
  'verbose', 'pass_filenames', 'require_serial', 'description', 'language_version', 'minimum_pre_commit_version', 'args', 'stages',
]);

const manifest = parse(readFileSync(path.join(REPO, '.pre-commit-hooks.yaml'), 'utf8')) as ManifestHook[];
const hook = (id: string): ManifestHook => {
  const h = manifest.find((m) => m.id === id);
  if (!h) throw new Error(`no hook ${id} in .pre-commit-hooks.yaml`);
  return h;
};

/** The subset of identify's tags (pre-commit/identify) that `types_or` names, by file name. */
function tagsOf(file: string): Set<string> {
  const base = path.basename(file);
  const ext = base.includes('.') ? base.slice(base.lastIndexOf('.') + 1) : '';
  const tags = new Set<string>();
  if (ext === 'py' || ext === 'pyi') tags.add('python');
  if (['sh', 'bash', 'zsh', 'ksh'].includes(ext)) tags.add('shell');
  if (ext === 'mk' || ['Makefile', 'makefile', 'GNUmakefile'].includes(base)) tags.add('makefile');
  if (ext === 'yaml' || ext === 'yml') tags.add('yaml');
  if (ext === 'ipynb') tags.add('jupyter');
  return tags;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX']) delete env[k];
  return env;
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, env: gitEnv(), encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A repository with the given files staged. */
function stagedRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-manifest-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  git(dir, ['init', '-q']);
  for (const [rel, text] of Object.entries(files)) writeFileSync(path.join(dir, rel), text);
  git(dir, ['add', '.']);
  return dir;
}

/** Runs a hook's entry as pre-commit does, with `provenant` being the built bin/provenant.js. */
function runEntry(h: ManifestHook, dir: string): { code: number | null; out: string; files: string[] } {
  const [command, ...entryArgs] = h.entry.split(' ');
  expect(command).toBe('provenant');
  const staged = git(dir, ['diff', '--cached', '--name-only', '--diff-filter=ACMR', '-z']).split('\0').filter(Boolean);
  const files = staged.filter((f) => !h.types_or || [...tagsOf(f)].some((t) => h.types_or?.includes(t)));
  const args = [...entryArgs, ...(h.pass_filenames === false ? [] : files)];
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env: { ...gitEnv(), PRE_COMMIT: '1' }, encoding: 'utf8', input: '' });
  return { code: r.status, out: r.stdout + r.stderr, files };
}

const TEMPLATED = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\ntok.apply_chat_template(m)\n';

describe('.pre-commit-hooks.yaml', () => {
  it('declares provenant-audit and provenant-audit-staged with keys pre-commit knows', () => {
    expect(manifest.map((h) => h.id)).toEqual(['provenant-audit', 'provenant-audit-staged', 'provenant-registry-check']);
    for (const h of manifest) {
      expect(Object.keys(h).filter((k) => !KNOWN_KEYS.has(k))).toEqual([]);
      expect(h.language).toBe('node');
      expect(h.require_serial).toBe(true);
      expect(h.types_or).toEqual(expect.arrayContaining(['python', 'jupyter', 'shell', 'makefile', 'yaml']));
      // types_or arrived in pre-commit 2.9.0.
      expect(h.minimum_pre_commit_version).toBe('2.9.0');
    }
    expect(hook('provenant-registry-check')).toMatchObject({ entry: 'provenant registry check', pass_filenames: false });
    expect(hook('provenant-audit')).toMatchObject({ name: 'provenant audit', entry: 'provenant audit', pass_filenames: true });
    expect(hook('provenant-audit-staged')).toMatchObject({ entry: 'provenant audit --staged', pass_filenames: false });
  });

  it('`entry: provenant` is the package bin', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin.provenant).toBe('bin/provenant.js');
  });

  it('provenant-audit on staged files exits 1 with the finding, and 0 when clean', () => {
    const h = hook('provenant-audit');
    const bad = stagedRepo({ 'provenant.toml': '', 'clean.py': 'print("hello")\n', 'tokenize.py': TEMPLATED, 'notes.md': 'apply_chat_template\n' });
    const r = runEntry(h, bad);
    expect(r.files).toEqual(['clean.py', 'tokenize.py']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^tokenize\.py:3:\d+: TMPL001 /m);

    const clean = stagedRepo({ 'provenant.toml': '', 'clean.py': 'print("hello")\n', 'run.sh': 'python clean.py\n' });
    const ok = runEntry(h, clean);
    expect(ok.files).toEqual(['clean.py', 'run.sh']);
    expect(ok.code, ok.out).toBe(0);
  });

  it('provenant-audit-staged takes no file list and exits 1 with the finding, 0 when clean', () => {
    const h = hook('provenant-audit-staged');
    const bad = runEntry(h, stagedRepo({ 'provenant.toml': '', 'clean.py': 'print("hello")\n', 'tokenize.py': TEMPLATED }));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^tokenize\.py:3:\d+: TMPL001 /m);
    const ok = runEntry(h, stagedRepo({ 'provenant.toml': '', 'clean.py': 'print("hello")\n' }));
    expect(ok.code, ok.out).toBe(0);
  });

  it('provenant-registry-check fails while the generated registry lags behind the code, and passes once synced', () => {
    const h = hook('provenant-registry-check');
    const dir = stagedRepo({ 'provenant.toml': '', 'gen.py': '"""Generate SFT data."""\n' });
    const sync = () => spawnSync(process.execPath, [BIN, 'registry', 'sync'], { cwd: dir, env: gitEnv(), encoding: 'utf8' });
    expect(sync().status).toBe(0);
    git(dir, ['add', '.']);
    expect(runEntry(h, dir).code).toBe(0);
    writeFileSync(path.join(dir, 'score.py'), '"""Score pairs with the critic."""\n');
    git(dir, ['add', 'score.py']);
    const stale = runEntry(h, dir);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain('IMPLEMENTATION_REGISTRY.md is out of date');
    expect(sync().status).toBe(0);
    git(dir, ['add', '.']);
    expect(runEntry(h, dir).code).toBe(0);
  });

  it('provenant-audit catches a launcher that calls a missing script', () => {
    // a script missing from a folder the project has (here the root; a path under a folder the project
    // does not hold at all is another project's, and not reported)
    const dir = stagedRepo({ 'provenant.toml': '', 'Makefile': 'train:\n\tpython train_sft.py\n' });
    const r = runEntry(hook('provenant-audit'), dir);
    expect(r.files).toEqual(['Makefile']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('SCRIPT002');
  });
});
