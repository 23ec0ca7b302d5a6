import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { editAnnotations, loadAnnotations } from '../../src/registry/annotations.js';
import { tmpProject } from '../helpers/tmp.js';

const FILE = 'provenant-registry.yaml';
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});
function project(files: Record<string, string> = {}): string {
  const p = tmpProject(files);
  cleanups.push(p.cleanup);
  return p.dir;
}

async function failure(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

const GOOD = `# who owns what
version: 1
files:
  # the shared judge
  scripts/utils/instruction_critic.py:
    purpose: Shared log-prob judge.
    status: canonical
    canonical_for: [log-prob critic]   # do not write another
  scripts/stage1_generate.py:
    status: deprecated
    replaced_by: scripts/generate_sample_data_v2.py
    reason: "no template removal"
    notes: >
      kept for the record
`;

describe('loadAnnotations', () => {
  it('a missing file is an empty registry', async () => {
    const dir = project();
    const loaded = await loadAnnotations(dir, FILE);
    expect(loaded).toMatchObject({ file: FILE, exists: false, data: { version: 1, files: {} } });
    expect(loaded.lineOf('a.py')).toBeNull();
  });

  it('reads a valid file and knows where each entry is', async () => {
    const dir = project({ [FILE]: GOOD });
    const loaded = await loadAnnotations(dir, FILE);
    expect(loaded.exists).toBe(true);
    expect(loaded.data.files['scripts/utils/instruction_critic.py']).toEqual({
      purpose: 'Shared log-prob judge.',
      status: 'canonical',
      canonical_for: ['log-prob critic'],
    });
    expect(loaded.data.files['scripts/stage1_generate.py']?.notes).toBe('kept for the record\n');
    expect(loaded.lineOf('scripts/stage1_generate.py')).toBe(9);
    expect(loaded.lineOf('nope.py')).toBeNull();
  });

  it('accepts an empty file and entries with nothing under them', async () => {
    expect((await loadAnnotations(project({ [FILE]: '# nothing yet\n' }), FILE)).data).toEqual({ version: 1, files: {} });
    const loaded = await loadAnnotations(project({ [FILE]: 'version: 1\nfiles:\n  a.py:\n' }), FILE);
    expect(loaded.data.files).toEqual({ 'a.py': {} });
  });

  it('names the line and key of an unknown key, with a suggestion', async () => {
    const dir = project({ [FILE]: 'version: 1\nfiles:\n  scripts/a.py:\n    purpse: x\n' });
    const error = await failure(loadAnnotations(dir, FILE));
    expect(error.message).toBe(`${FILE}:4: unknown key 'files."scripts/a.py".purpse' (did you mean 'purpose'?)`);
  });

  it('refuses a path outside the project', async () => {
    const dir = project({ [FILE]: 'version: 1\nfiles:\n  a.py: {}\n  ../other/b.py:\n    purpose: x\n' });
    const error = await failure(loadAnnotations(dir, FILE));
    expect(error.message).toBe(`${FILE}:4: files: invalid key "../other/b.py": expected a path inside the project (relative, without \`..\`)`);
  });

  it('lists the valid statuses for a bad one', async () => {
    const dir = project({ [FILE]: 'version: 1\nfiles:\n  a.py:\n    status: primary\n' });
    const error = await failure(loadAnnotations(dir, FILE));
    expect(error.message).toBe(
      `${FILE}:4: files."a.py".status: expected one of "active", "canonical", "experimental", "deprecated", got "primary"`,
    );
  });

  it('refuses a file written by a newer provenant', async () => {
    const dir = project({ [FILE]: '# x\nversion: 2\nfiles: {}\n' });
    const error = await failure(loadAnnotations(dir, FILE));
    expect(error.message).toBe(`${FILE}:2: version 2 was written by a newer provenant (this one reads version 1)`);
    expect(error.hint).toMatch(/upgrade provenant/);
  });

  it('reports YAML syntax errors with line and column', async () => {
    const dir = project({ [FILE]: 'version: 1\nfiles:\n  a.py:\n    purpose: "unterminated\n' });
    const error = await failure(loadAnnotations(dir, FILE));
    expect(error.message).toBe(`${FILE}:5:1: invalid YAML: Missing closing "quote`);
    const dup = await failure(loadAnnotations(project({ [FILE]: 'version: 1\nfiles:\n  a.py: {}\n  a.py: {}\n' }), FILE));
    expect(dup.message).toMatch(new RegExp(`^${FILE}:4:3: invalid YAML: Map keys must be unique`));
  });

  it('reports several problems together, in line order', async () => {
    const dir = project({
      [FILE]: [
        'version: 1',
        'files:',
        '  ./b.py:',
        '    status: gone',
        '  a.py:',
        '    replaced_by: /abs/c.py',
        '    bugs:',
        '      - summary: broke',
        '        fixed_on: abc',
        '      - found: yesterday',
        '',
      ].join('\n'),
    });
    const error = await failure(loadAnnotations(dir, FILE));
    const lines = error.message.split('\n');
    expect(lines.map((l) => l.split(': ')[0])).toEqual([`${FILE}:4`, `${FILE}:6`, `${FILE}:9`, `${FILE}:10`, `${FILE}:10`]);
    expect(lines[2]).toBe(`${FILE}:9: unknown key 'files."a.py".bugs[0].fixed_on' (did you mean 'fixed_in'?)`);
    expect(error.message).toContain('expected a date like 2025-09-13');
    expect(lines[3]).toBe(`${FILE}:10: files."a.py".bugs[1].summary: missing (a string is required here)`);
  });

  it('asks for normalised paths and for version 1', async () => {
    const error = await failure(loadAnnotations(project({ [FILE]: 'files:\n  ./a.py: {}\n' }), FILE));
    expect(error.message).toBe(`${FILE}: version: expected 1, got nothing`);
    const dots = await failure(loadAnnotations(project({ [FILE]: 'version: 1\nfiles:\n  ./a.py: {}\n' }), FILE));
    expect(dots.message).toBe(`${FILE}:3: files."./a.py": write the path as 'a.py' (relative to the project root, with /)`);
  });
});

describe('editAnnotations', () => {
  it('keeps comments, order and untouched entries byte-identical', async () => {
    const dir = project({ [FILE]: GOOD });
    const outcome = await editAnnotations(dir, FILE, (editor) => {
      editor.set('scripts/stage1_generate.py', 'purpose', 'Old generator.');
      editor.set('scripts/a_new.py', 'status', 'experimental');
      editor.addBug('scripts/stage1_generate.py', { summary: 'chat template left on', fixed_in: 'abc1234' });
    });
    expect(outcome).toEqual({ result: undefined, created: false, changed: true });
    const text = readFileSync(path.join(dir, FILE), 'utf8');
    expect(text).toBe(`# who owns what
version: 1
files:
  # the shared judge
  scripts/utils/instruction_critic.py:
    purpose: Shared log-prob judge.
    status: canonical
    canonical_for: [log-prob critic]   # do not write another
  scripts/stage1_generate.py:
    purpose: Old generator.
    status: deprecated
    replaced_by: scripts/generate_sample_data_v2.py
    reason: "no template removal"
    notes: >
      kept for the record
    bugs:
      - summary: chat template left on
        fixed_in: abc1234
  scripts/a_new.py:
    status: experimental
`);
  });

  it('puts a new entry in path order when the entries are sorted, in 4-space files too', async () => {
    const dir = project({ [FILE]: 'version: 1\nfiles:\n    a.py:\n        purpose: A.\n    c.py:\n        purpose: C.\n' });
    await editAnnotations(dir, FILE, (editor) => editor.set('b.py', 'owner', 'sam'));
    expect(readFileSync(path.join(dir, FILE), 'utf8')).toBe(
      'version: 1\nfiles:\n    a.py:\n        purpose: A.\n    b.py:\n        owner: sam\n    c.py:\n        purpose: C.\n',
    );
  });

  it('creates a missing file with a header that says what it is', async () => {
    const dir = project();
    const outcome = await editAnnotations(dir, 'docs/registry.yaml', (editor) => editor.set('x.py', 'purpose', 'Does x.'));
    expect(outcome.created).toBe(true);
    const text = readFileSync(path.join(dir, 'docs/registry.yaml'), 'utf8');
    expect(text).toMatch(/^# provenant registry annotations: what people say about this project's scripts/);
    expect(text.endsWith('version: 1\nfiles:\n  x.py:\n    purpose: Does x.\n')).toBe(true);
    expect((await loadAnnotations(dir, 'docs/registry.yaml')).data.files).toEqual({ 'x.py': { purpose: 'Does x.' } });
  });

  it('keeps CRLF line endings', async () => {
    const dir = project({ [FILE]: 'version: 1\r\nfiles:\r\n  a.py:\r\n    purpose: A.\r\n' });
    await editAnnotations(dir, FILE, (editor) => editor.set('a.py', 'owner', 'kim'));
    expect(readFileSync(path.join(dir, FILE), 'utf8')).toBe('version: 1\r\nfiles:\r\n  a.py:\r\n    purpose: A.\r\n    owner: kim\r\n');
  });

  it('never rewrites a file that does not validate, nor one whose edit failed', async () => {
    const bad = 'version: 1\nfiles:\n  a.py:\n    purpse: x   # typo\n';
    const dir = project({ [FILE]: bad });
    await failure(editAnnotations(dir, FILE, (editor) => editor.set('a.py', 'owner', 'kim')));
    expect(readFileSync(path.join(dir, FILE), 'utf8')).toBe(bad);

    writeFileSync(path.join(dir, FILE), GOOD);
    await expect(
      editAnnotations(dir, FILE, (editor) => {
        editor.set('a.py', 'owner', 'kim');
        throw new UserError('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    // an edit that would make the file invalid is refused before anything is written
    const invalid = await failure(editAnnotations(dir, FILE, (editor) => editor.set('a.py', 'found' as 'owner', 'x')));
    expect(invalid.message).toMatch(/unknown key 'files."a.py".found'/);
    expect(readFileSync(path.join(dir, FILE), 'utf8')).toBe(GOOD);
    // no temporary file left beside it (the gitignored .provenant/ holds the edit's lock)
    expect(readdirSync(dir).filter((name) => name !== '.provenant')).toEqual([FILE]);
  });

  it('writes nothing when the edit changes nothing', async () => {
    const dir = project({ [FILE]: GOOD });
    const outcome = await editAnnotations(dir, FILE, (editor) => editor.set('scripts/stage1_generate.py', 'status', 'deprecated'));
    expect(outcome.changed).toBe(false);
    expect(readFileSync(path.join(dir, FILE), 'utf8')).toBe(GOOD);
  });
});
