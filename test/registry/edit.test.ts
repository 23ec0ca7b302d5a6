import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { loadAnnotations } from '../../src/registry/annotations.js';
import { LegacyImportReportSchema } from '../../src/schemas/registry.js';
import { REPO } from '../helpers/exec.js';
import { makeGitDir } from '../helpers/gitdir.js';
import { tmpProject } from '../helpers/tmp.js';

const FILE = 'provenant-registry.yaml';
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(cwd: string, ...argv: string[]): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    cwd,
    env: {},
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  };
  const code = await main(['registry', ...argv], io);
  return { code, stdout, stderr };
}

const ANNOTATIONS = `# kept by the team
version: 1
files:
  scripts/utils/critic.py:
    purpose: The log-prob critic.   # the one
    status: canonical
    canonical_for: [log-prob critic]
`;

const SCRIPTS = {
  'provenant.toml': '',
  'scripts/old.py': '"""Old generator."""\n',
  'scripts/new.py': '"""New generator."""\n',
  'scripts/legacy.py.DEPRECATED': 'print(1)\n',
  'scripts/deprecated/older.py': 'print(0)\n',
  'scripts/utils/critic.py': 'def score():\n    return 1\n',
  'scripts/utils/critic2.py': 'def score():\n    return 2\n',
  [FILE]: ANNOTATIONS,
};

function repo(): ReturnType<typeof makeGitDir> {
  const dir = makeGitDir(SCRIPTS);
  cleanups.push(dir.cleanup);
  return dir;
}

function plain(files: Record<string, string>): string {
  const p = tmpProject(files);
  cleanups.push(p.cleanup);
  return p.dir;
}

const read = (root: string): string => readFileSync(path.join(root, FILE), 'utf8');

describe('registry deprecate', () => {
  it('takes paths relative to the folder it runs in, sets status, replacement and reason, keeps the rest', async () => {
    const { root } = repo();
    const r = await cli(path.join(root, 'scripts'), 'deprecate', 'old.py', '--replaced-by', 'new.py', '--reason', 'leaves the chat template on');
    expect(r).toEqual({
      code: 0,
      stdout: `updated ${FILE}: scripts/old.py\n  status: (none) → deprecated\n  replaced_by: (none) → scripts/new.py\n  reason: (none) → leaves the chat template on\n`,
      stderr: '',
    });
    // the new entry goes in path order; the entry below it is untouched, byte for byte
    expect(read(root)).toBe(
      ANNOTATIONS.replace(
        '  scripts/utils/critic.py:\n',
        '  scripts/old.py:\n    status: deprecated\n    replaced_by: scripts/new.py\n    reason: leaves the chat template on\n  scripts/utils/critic.py:\n',
      ),
    );
    const again = await cli(root, 'deprecate', 'scripts/old.py', '--replaced-by', 'scripts/new.py', '--reason', 'leaves the chat template on');
    expect(again.stdout).toBe(`${FILE} already says so for scripts/old.py; nothing written\n`);
  });

  it('refuses a missing file, a missing or deprecated replacement, and a path outside the project, changing nothing', async () => {
    const { root } = repo();
    const cases: [string[], RegExp][] = [
      [['deprecate', 'scripts/nope.py', '--replaced-by', 'scripts/new.py', '--reason', 'x'], /PATH scripts\/nope\.py: no such file/],
      [['deprecate', 'scripts/old.py', '--replaced-by', 'scripts/gone.py', '--reason', 'x'], /--replaced-by scripts\/gone\.py: no such file/],
      [['deprecate', 'scripts/old.py', '--replaced-by', 'scripts/legacy.py.DEPRECATED', '--reason', 'x'], /is itself deprecated \(it is marked `\.DEPRECATED`\)/],
      // the audit's rule for folders holds here too (SCRIPT001 would flag a call to it)
      [['deprecate', 'scripts/old.py', '--replaced-by', 'scripts/deprecated/older.py', '--reason', 'x'], /is itself deprecated \(it lives in a `deprecated\/` folder\)/],
      [['deprecate', 'scripts/old.py', '--replaced-by', 'scripts/old.py', '--reason', 'x'], /--replaced-by names scripts\/old\.py itself/],
      [['deprecate', '../home/.gitconfig', '--replaced-by', 'scripts/new.py', '--reason', 'x'], /is outside the project/],
      [['deprecate', 'scripts/old.py', '--replaced-by', 'scripts/new.py'], /needs one PATH, --replaced-by and --reason/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(root, ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    await cli(root, 'deprecate', 'scripts/new.py', '--replaced-by', 'scripts/old.py', '--reason', 'x');
    const chained = await cli(root, 'deprecate', 'scripts/utils/critic2.py', '--replaced-by', 'scripts/new.py', '--reason', 'x');
    expect(chained.stderr).toContain('--replaced-by scripts/new.py is itself deprecated (its annotation says so)');
    expect(chained.stderr).toContain('point at what replaced it (scripts/old.py)');
  });

  it('a canonical file that is deprecated stops being canonical', async () => {
    const { root } = repo();
    const r = await cli(root, 'deprecate', 'scripts/utils/critic.py', '--replaced-by', 'scripts/utils/critic2.py', '--reason', 'slow');
    expect(r.stdout).toContain('  canonical_for: [log-prob critic] → (none)\n');
    expect((await loadAnnotations(root, FILE)).data.files['scripts/utils/critic.py']).toEqual({
      purpose: 'The log-prob critic.',
      status: 'deprecated',
      replaced_by: 'scripts/utils/critic2.py',
      reason: 'slow',
    });
  });
});

describe('registry canonical', () => {
  it('refuses a capability another file holds, naming it; --force moves it and demotes the other', async () => {
    const { root } = repo();
    const refused = await cli(root, 'canonical', 'scripts/utils/critic2.py', '--for', 'Log-prob critic');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('scripts/utils/critic.py is already canonical for "Log-prob critic"');
    expect(refused.stderr).toContain('--force');
    expect(read(root)).toBe(ANNOTATIONS);

    const forced = await cli(root, 'canonical', 'scripts/utils/critic2.py', '--for', 'log-prob critic', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe(
      `updated ${FILE}: scripts/utils/critic2.py\n` +
        '  scripts/utils/critic.py: status: canonical → active (no longer canonical for "log-prob critic")\n' +
        '  status: (none) → canonical\n  canonical_for: (none) → [log-prob critic]\n',
    );
    const { files } = (await loadAnnotations(root, FILE)).data;
    expect(files['scripts/utils/critic.py']).toEqual({ purpose: 'The log-prob critic.', status: 'active' });
    expect(files['scripts/utils/critic2.py']).toEqual({ status: 'canonical', canonical_for: ['log-prob critic'] });
    expect(read(root)).toMatch(/\n {4}purpose: The log-prob critic\. +# the one\n/);
  });

  it('adds a second capability and refuses a deprecated file', async () => {
    const { root } = repo();
    expect((await cli(root, 'canonical', 'scripts/utils/critic.py', '--for', 'pair judging')).code).toBe(0);
    expect((await loadAnnotations(root, FILE)).data.files['scripts/utils/critic.py']?.canonical_for).toEqual(['log-prob critic', 'pair judging']);
    const r = await cli(root, 'canonical', 'scripts/legacy.py.DEPRECATED', '--for', 'generation');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('scripts/legacy.py.DEPRECATED is deprecated (it is marked `.DEPRECATED`); it cannot be canonical');
  });
});

describe('registry bug add', () => {
  it('verifies the fixing revision with git and records it', async () => {
    const dir = repo();
    const fix = dir.commitFiles({ 'scripts/old.py': '"""Old generator, fixed."""\n' }, 'fix the prompt');
    const short = fix.slice(0, 7);
    const r = await cli(dir.root, 'bug', 'add', 'scripts/old.py', '--summary', 'stored prompt differs', '--fixed-in', short, '--found', '2025-09-13');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`updated ${FILE}: scripts/old.py\n  bugs: + stored prompt differs (fixed in ${short})\n`);
    const named = await cli(dir.root, 'bug', 'add', 'scripts/old.py', '--summary', 'second', '--fixed-in', 'HEAD');
    expect(named.code).toBe(0);
    expect((await loadAnnotations(dir.root, FILE)).data.files['scripts/old.py']?.bugs).toEqual([
      { summary: 'stored prompt differs', fixed_in: short, found: '2025-09-13' },
      { summary: 'second', fixed_in: fix },
    ]);
  });

  it('refuses an unknown revision or a bad date and leaves the file byte-identical', async () => {
    const { root } = repo();
    const unknown = await cli(root, 'bug', 'add', 'scripts/old.py', '--summary', 'x', '--fixed-in', 'deadbeef');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--fixed-in: unknown revision 'deadbeef'");
    const date = await cli(root, 'bug', 'add', 'scripts/old.py', '--summary', 'x', '--found', 'yesterday');
    expect(date.code).toBe(2);
    expect(date.stderr).toContain('--found: expected a date like 2025-09-13');
    expect((await cli(root, 'bug', 'remove', 'scripts/old.py')).code).toBe(2);
    expect(read(root)).toBe(ANNOTATIONS);
  });

  it('outside git, records the revision unchecked with a warning and creates the annotations file', async () => {
    const root = plain({ 'provenant.toml': '', 'a.py': 'print(1)\n' });
    const r = await cli(root, 'bug', 'add', 'a.py', '--summary', 'prints 1', '--fixed-in', 'v2');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .* is not a git repository: --fixed-in v2 was recorded without checking it/);
    expect(r.stdout).toBe(`created ${FILE}: a.py\n  bugs: + prints 1 (fixed in v2)\n`);
    expect((await loadAnnotations(root, FILE)).data.files).toEqual({ 'a.py': { bugs: [{ summary: 'prints 1', fixed_in: 'v2' }] } });
  });

  it('never rewrites an annotations file that does not validate', async () => {
    const bad = 'version: 1\nfiles:\n  a.py:\n    staus: active\n';
    const root = plain({ 'provenant.toml': '', 'a.py': 'print(1)\n', [FILE]: bad });
    const r = await cli(root, 'bug', 'add', 'a.py', '--summary', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${FILE}:4: unknown key 'files."a.py".staus' (did you mean 'status'?)`);
    expect(read(root)).toBe(bad);
  });
});

describe('registry import (CLI)', () => {
  function lab(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-lab-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(path.join(REPO, 'examples', 'stage1-lab'), dir, { recursive: true, filter: (src) => !src.includes('.provenant') });
    return dir;
  }

  it('prints the entries, the stale ones and the legacy coverage; --json matches the schema', async () => {
    const dir = lab();
    const dry = await cli(dir, 'import', 'docs/IMPLEMENTATION_REGISTRY.md', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('docs/IMPLEMENTATION_REGISTRY.md: 12 entries\n');
    expect(dry.stdout).toContain('stale: scripts/evaluate_stage1.py (docs/IMPLEMENTATION_REGISTRY.md:81): no such file\n');
    expect(dry.stdout).toContain(
      'stale: scripts/generate_stage1_data.py (docs/IMPLEMENTATION_REGISTRY.md:104): renamed to scripts/generate_stage1_data.py.DEPRECATED; the annotation goes there\n',
    );
    expect(dry.stdout).toContain('docs/IMPLEMENTATION_REGISTRY.md documented 11 of 34 registered files (32%)\n');
    expect(dry.stdout).toMatch(/dry run: would add \d+ fields for 11 files to provenant-registry\.yaml; nothing written\n$/);

    const json = await cli(path.join(dir, 'docs'), 'import', 'IMPLEMENTATION_REGISTRY.md', '--json');
    const report = LegacyImportReportSchema.parse(JSON.parse(json.stdout));
    expect(report).toMatchObject({ written: true, coverageLine: 'docs/IMPLEMENTATION_REGISTRY.md documented 11 of 34 registered files (32%)' });
    const text = await cli(dir, 'import', 'docs/IMPLEMENTATION_REGISTRY.md');
    expect(text.stdout).toMatch(/provenant-registry\.yaml already says all of it; nothing written\n$/);
  });

  it('exits 2 on a legacy file with no entries', async () => {
    const root = plain({ 'provenant.toml': '', 'R.md': '# Registry\n' });
    writeFileSync(path.join(root, 'bin.md'), Buffer.from([0, 1, 2]));
    expect((await cli(root, 'import', 'R.md')).code).toBe(2);
    const binary = await cli(root, 'import', 'bin.md');
    expect(binary).toMatchObject({ code: 2, stdout: '' });
    expect(binary.stderr).toContain('bin.md: is not a text file');
  });
});
