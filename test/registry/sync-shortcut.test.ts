/**
 * `registry sync` with nothing to do says the last summary again without rebuilding (`rebuilt: false`);
 * each input of the registry, changed on its own, makes the next sync rebuild, and what it prints and
 * writes is then what a sync from an empty store prints and writes. Built CLI, real git repositories.
 */
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncReportSchema } from '../../src/schemas/registry-report.js';
import { provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { SMALL_LAB } from './lab.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

function repo(): GitDir {
  const dir = makeGitDir(SMALL_LAB);
  dir.add();
  dir.commit('the lab');
  cleanups.push(dir.cleanup);
  return dir;
}

function sync(root: string) {
  const r = provenant(['registry', 'sync', '--json'], root);
  expect(r.stderr).not.toMatch(/\n {4}at /);
  expect(r.code).toBe(0);
  return SyncReportSchema.parse(JSON.parse(r.stdout));
}

const markdownOf = (root: string): string => readFileSync(path.join(root, 'IMPLEMENTATION_REGISTRY.md'), 'utf8');

/** The summary and Markdown a sync from an empty store gives, to compare a rebuilt sync with. */
function fromScratch(root: string) {
  rmSync(path.join(root, '.provenant'), { recursive: true, force: true });
  const r = sync(root);
  expect(r.rebuilt).toBe(true);
  return { counts: r.counts, coverage: r.coverage, stale: r.stale, markdown: markdownOf(root) };
}

/** Syncs twice after a change: the first rebuilds and agrees with a sync from scratch, the second is the shortcut. */
function expectRebuiltThenShortcut(root: string): ReturnType<typeof sync> {
  const first = sync(root);
  expect(first.rebuilt).toBe(true);
  const seen = { counts: first.counts, coverage: first.coverage, stale: first.stale, markdown: markdownOf(root) };
  const again = sync(root);
  expect(again.rebuilt).toBe(false);
  expect({ ...again, rebuilt: true, parsed: first.parsed, markdownState: first.markdownState }).toEqual(first);
  expect(fromScratch(root)).toEqual(seen);
  // the sync from scratch left its own memo: the next one is the shortcut again
  expect(sync(root).rebuilt).toBe(false);
  // the lab runs a deprecated script on purpose: check fails on that, never on the Markdown
  expect(provenant(['registry', 'check'], root).stdout).not.toMatch(/IMPLEMENTATION_REGISTRY\.md|registry sync/);
  expect(sync(root).rebuilt).toBe(false);
  return first;
}

describe('registry sync with nothing changed', () => {
  it('repeats the summary without rebuilding, and registry check agrees', () => {
    const { root } = repo();
    const first = sync(root);
    expect(first.rebuilt).toBe(true);
    expect(first.markdownState).toBe('written');
    const again = sync(root);
    expect(again).toEqual({ ...first, markdownState: 'unchanged', parsed: 0, rebuilt: false });
    const text = provenant(['registry', 'sync'], root);
    expect(text.stdout).toMatch(/IMPLEMENTATION_REGISTRY\.md is up to date\n$/);
    expect(provenant(['registry', 'check'], root).stdout).not.toMatch(/IMPLEMENTATION_REGISTRY\.md|registry sync/);
  });

  it('rebuilds after a file edit, an added file and a removed file', () => {
    const dir = repo();
    sync(dir.root);
    dir.write({ 'scripts/gen.py': SMALL_LAB['scripts/gen.py']!.replace('Generate SFT data', 'Generate preference data and more') });
    expect(expectRebuiltThenShortcut(dir.root).parsed).toBe(1);
    expect(markdownOf(dir.root)).toContain('Generate preference data and more');
    dir.write({ 'scripts/new_tool.py': '"""A tool added later."""\nimport json\n' });
    expect(expectRebuiltThenShortcut(dir.root).counts.files).toBe(sync(dir.root).counts.files);
    expect(markdownOf(dir.root)).toContain('scripts/new_tool.py');
    rmSync(path.join(dir.root, 'scripts/new_tool.py'));
    expectRebuiltThenShortcut(dir.root);
    expect(markdownOf(dir.root)).not.toContain('scripts/new_tool.py');
  });

  it('rebuilds after an annotations edit, a config change and a new commit', () => {
    const dir = repo();
    sync(dir.root);
    dir.write({ 'provenant-registry.yaml': 'version: 1\nfiles:\n  scripts/gen.py:\n    purpose: Written by hand.\n' });
    expectRebuiltThenShortcut(dir.root);
    expect(markdownOf(dir.root)).toContain('Written by hand.');
    // the same size and the same mtime as before, other bytes: the annotations are compared by content
    const file = path.join(dir.root, 'provenant-registry.yaml');
    const before = readFileSync(file, 'utf8');
    const { mtime } = statSync(file);
    writeFileSync(file, before.replace('by hand', 'in ink.'));
    utimesSync(file, mtime, mtime);
    expectRebuiltThenShortcut(dir.root);
    expect(markdownOf(dir.root)).toContain('Written in ink');
    const deprecatedBefore = sync(dir.root).counts.deprecated;
    dir.write({ 'provenant.toml': 'deprecated-paths = ["scripts/gen.py"]\n' });
    expect(expectRebuiltThenShortcut(dir.root).counts.deprecated).toBe(deprecatedBefore + 1);
    // a commit of what is on disk already: only HEAD moves, and the history of scripts/gen.py with it
    dir.write({ 'scripts/gen.py': SMALL_LAB['scripts/gen.py']!.replace('Generate SFT data', 'Generate DPO data') });
    expectRebuiltThenShortcut(dir.root);
    const commits = (): unknown => (JSON.parse(provenant(['registry', 'show', 'scripts/gen.py', '--json'], dir.root).stdout) as { git: { commits: number } }).git.commits;
    expect(commits()).toBe(1);
    dir.add();
    dir.commit('a later commit');
    expectRebuiltThenShortcut(dir.root);
    expect(commits()).toBe(2);
  });

  it('rebuilds when the Markdown was edited or removed, and stops on a hand-edited block', () => {
    const { root } = repo();
    sync(root);
    const file = path.join(root, 'IMPLEMENTATION_REGISTRY.md');
    rmSync(file);
    expect(sync(root)).toMatchObject({ rebuilt: true, markdownState: 'written' });
    writeFileSync(file, markdownOf(root).replace('Generate SFT data', 'Generate SFT data by hand'));
    const r = provenant(['registry', 'sync'], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/IMPLEMENTATION_REGISTRY\.md/);
  });
});
