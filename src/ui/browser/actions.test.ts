import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deprecateScript } from '../../index.js';
import { makeGitDir, type GitDir } from '../../../test/helpers/gitdir.js';
import { SMALL_LAB } from '../../../test/registry/lab.js';
import { browserActions, editorCall, type EditCommand } from './actions.js';
import { openBrowse } from './data.js';

let dirs: GitDir[] = [];
afterEach(() => {
  for (const d of dirs) d.cleanup();
  dirs = [];
});

function lab(): GitDir {
  const dir = makeGitDir(SMALL_LAB);
  dirs.push(dir);
  return dir;
}

describe('editorCall', () => {
  it('gives the line as each editor takes it, and says when no editor is set', () => {
    const call = (editor: string, visual?: string) => editorCall({ EDITOR: editor, ...(visual === undefined ? {} : { VISUAL: visual }) }, 'scripts/a b.py', 12);
    for (const name of ['vi', 'vim', '/usr/bin/nvim', 'nano', 'emacs', 'hx']) expect(call(name)).toMatchObject({ args: ['+12', 'scripts/a b.py'], lineIgnored: false });
    expect(call('code -w')).toMatchObject({ command: 'code -w', name: 'code', args: ['-g', 'scripts/a b.py:12'] });
    expect(call('subl')).toMatchObject({ args: ['scripts/a b.py:12'] });
    expect(call('ed')).toMatchObject({ args: ['scripts/a b.py'], lineIgnored: true });
    // $VISUAL wins; blank values count as unset
    expect(call('nano', 'code')).toMatchObject({ name: 'code' });
    expect(call('nano', '  ')).toMatchObject({ name: 'nano' });
    expect(editorCall({}, 'x.py', 1)).toBe('no editor: set $VISUAL or $EDITOR (e.g. export EDITOR=vim)');
    expect(editorCall({ EDITOR: ' ' }, 'x.py', 1)).toBe('no editor: set $VISUAL or $EDITOR (e.g. export EDITOR=vim)');
  });
});

describe('browserActions', () => {
  it('runs the editor in the project with the terminal suspended, and turns every failure into a message', async () => {
    const dir = lab();
    const record = path.join(dir.root, 'argv.txt');
    const vim = path.join(dir.root, 'vim');
    writeFileSync(vim, `#!/bin/sh\nprintf '%s\\n' "$PWD" "$@" > '${record}'\nexit "\${EDITOR_EXIT:-0}"\n`);
    chmodSync(vim, 0o755);
    let suspended = 0;
    const actions = (env: NodeJS.ProcessEnv) => browserActions({ root: dir.root, env: { PATH: process.env.PATH, ...env }, suspend: (run) => (suspended++, run()) });
    const request = { id: 1, kind: 'editor' as const, path: 'scripts/gen.py', line: 7 };

    expect(await actions({ EDITOR: `'${vim}'` }).perform(request)).toEqual({ message: 'back from vim (scripts/gen.py:7)', tone: 'note', changed: false });
    expect(readFileSync(record, 'utf8').split('\n')).toEqual([dir.root, '+7', 'scripts/gen.py', '']);
    expect(suspended).toBe(1);

    expect(await actions({ EDITOR: vim, EDITOR_EXIT: '3' }).perform(request)).toMatchObject({ message: `the editor \`${vim}\` exited with status 3 on scripts/gen.py:7`, tone: 'error' });
    expect(await actions({ EDITOR: path.join(dir.root, 'no-such-editor') }).perform(request)).toMatchObject({ tone: 'error', message: expect.stringContaining('was not found') });
    expect(await actions({}).perform(request)).toMatchObject({ tone: 'error', message: expect.stringContaining('set $VISUAL or $EDITOR') });
    // an unset editor never takes the terminal
    expect(suspended).toBe(3);
  });

  it('edits through the injected command, and says what failed without throwing', async () => {
    const dir = lab();
    const edit: EditCommand = async (request, root) => {
      if (request.kind !== 'deprecate') throw new Error('only deprecate here');
      const r = await deprecateScript({ cwd: root, path: request.path, replacedBy: request.replacedBy, reason: request.reason });
      return { summary: [`updated ${r.annotationsFile}: ${r.path}`, ...r.changes], warnings: r.warnings, changed: r.changed };
    };
    const actions = browserActions({ root: dir.root, env: {}, edit, suspend: (run) => run() });
    const done = await actions.perform({ id: 1, kind: 'deprecate', path: 'scripts/gen.py', replacedBy: 'scripts/utils/critic.py', reason: 'a second scorer' });
    expect(done).toEqual({
      message: 'updated provenant-registry.yaml: scripts/gen.py — status: (none) → deprecated; replaced_by: (none) → scripts/utils/critic.py; reason: (none) → a second scorer',
      tone: 'done',
      changed: true,
    });
    // the list read again shows it
    const session = await openBrowse({ cwd: dir.root });
    try {
      expect(session.rows.find((r) => r.path === 'scripts/gen.py')).toMatchObject({ status: 'deprecated', replacedBy: 'scripts/utils/critic.py' });
    } finally {
      session.close();
    }
    const refused = await actions.perform({ id: 2, kind: 'deprecate', path: 'scripts/utils/critic.py', replacedBy: 'scripts/gen.py', reason: 'x' });
    expect(refused).toEqual({ message: '--replaced-by scripts/gen.py is itself deprecated (its annotation says so)', tone: 'error', changed: false });
    expect(await actions.perform({ id: 3, kind: 'bug', path: 'scripts/gen.py', summary: 'x' })).toEqual({ message: 'only deprecate here', tone: 'error', changed: false });
    expect(await browserActions({ root: dir.root, env: {}, suspend: (run) => run() }).perform({ id: 4, kind: 'bug', path: 'scripts/gen.py', summary: 'x' })).toMatchObject({ tone: 'error' });
  });
});
