/**
 * Code roles in the engine: test code reports nothing by default (`test-code-severity`), suppressions are
 * judged before findings are dropped, the cache remembers roles and is keyed by the setting; and the
 * zero-config severities (`unknown-model-severity`, LOAD001 without a loader).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audit } from '../../src/index.js';
import { makeGitDir } from '../helpers/gitdir.js';
import { tmpProject } from '../helpers/tmp.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

const REMOTE = 'from transformers import AutoConfig\ncfg = AutoConfig.from_pretrained("org/model", trust_remote_code=True)\n';

function lab(config: string, extra: Record<string, string> = {}): string {
  const p = tmpProject({
    'provenant.toml': config,
    'gen.py': REMOTE,
    // a test folder
    'tests/test_gen.py': REMOTE,
    // a test module by its code, not by its folder; one suppression used, one not
    'pkg/__init__.py': '',
    'pkg/checks_test.py':
      'import pytest\nfrom transformers import AutoConfig\n\ndef test_cfg():\n' +
      '    AutoConfig.from_pretrained("org/model", trust_remote_code=True)  # provenant: ignore[LOAD002] the test model is ours\n' +
      '    # provenant: ignore[LOAD002] nothing on the next line\n    assert True\n',
    // named as a test, but a research script
    'scripts/test_base_model.py': `${REMOTE}\nif __name__ == "__main__":\n    print(cfg)\n`,
    ...extra,
  });
  cleanups.push(p.cleanup);
  return p.dir;
}

const seen = (r: Awaited<ReturnType<typeof audit>>) => r.findings.map((f) => `${f.path}:${f.span.line} ${f.code} ${f.severity}`);

describe('test code', () => {
  it('reports nothing by default, while a research script named test_*.py is audited', async () => {
    const dir = lab('');
    expect(seen(await audit({ paths: [dir], cwd: dir, noCache: true }))).toEqual([
      'gen.py:2 LOAD002 warning',
      'scripts/test_base_model.py:2 LOAD002 warning',
    ]);
  });

  it('`info` lowers its findings, and a suppression that silenced one is not called unused', async () => {
    const dir = lab('test-code-severity = "info"\n');
    expect(seen(await audit({ paths: [dir], cwd: dir, noCache: true }))).toEqual([
      'gen.py:2 LOAD002 warning',
      'pkg/checks_test.py:6 SUPP001 info',
      'scripts/test_base_model.py:2 LOAD002 warning',
      'tests/test_gen.py:2 LOAD002 info',
    ]);
  });

  it('`inherit` reports it like any code', async () => {
    const dir = lab('test-code-severity = "inherit"\n');
    expect(seen(await audit({ paths: [dir], cwd: dir, noCache: true }))).toEqual([
      'gen.py:2 LOAD002 warning',
      'pkg/checks_test.py:6 SUPP001 warning',
      'scripts/test_base_model.py:2 LOAD002 warning',
      'tests/test_gen.py:2 LOAD002 warning',
    ]);
  });

  it('config globs give roles', async () => {
    const dir = lab('[roles]\ntest = ["gen.py"]\nscript = ["tests/**"]\n');
    expect(seen(await audit({ paths: [dir], cwd: dir, noCache: true }))).toEqual([
      'scripts/test_base_model.py:2 LOAD002 warning',
      'tests/test_gen.py:2 LOAD002 warning',
    ]);
  });

  it('a warm run keeps the roles it computed, and a change of the setting recomputes results', async () => {
    const dir = lab('');
    const cold = await audit({ paths: [dir], cwd: dir });
    const warm = await audit({ paths: [dir], cwd: dir });
    expect(warm.stats.filesParsed).toBe(0);
    expect(seen(warm)).toEqual(seen(cold));
    writeFileSync(path.join(dir, 'provenant.toml'), 'test-code-severity = "inherit"\n');
    expect(seen(await audit({ paths: [dir], cwd: dir }))).toContain('pkg/checks_test.py:6 SUPP001 warning');
    writeFileSync(path.join(dir, 'provenant.toml'), '');
    expect(seen(await audit({ paths: [dir], cwd: dir }))).toEqual(seen(cold));
  });
});

describe('test code in --staged mode (no walk: roles from the path, the staged code and the file system)', () => {
  it('drops what staged test code reports and keeps the rest', async () => {
    const r = makeGitDir({ 'provenant.toml': '', 'pkg/__init__.py': '', 'pkg/model.py': 'x = 1\n', 'tests/test_gen.py': 'x = 1\n', 'pkg/checks.py': 'x = 1\n' });
    cleanups.push(r.cleanup);
    r.commitFiles({});
    // a first run fills the cache, so --staged does not walk the tree
    await audit({ paths: [], cwd: r.root });
    r.write({
      'pkg/model.py': REMOTE,
      'tests/test_gen.py': REMOTE,
      'pkg/checks.py': `import pytest\n${REMOTE}\ndef test_cfg():\n    assert cfg\n`,
    });
    r.add();
    const staged = await audit({ paths: [], cwd: r.root, staged: true });
    expect(seen(staged)).toEqual(['pkg/model.py:2 LOAD002 warning']);
  });
});

const UNKNOWN = 'from transformers import AutoTokenizer\n\ndef run(name, m):\n    tok = AutoTokenizer.from_pretrained(name)\n    return tok.apply_chat_template(m)\n';

describe('zero-config severities', () => {
  it('an unknown model and a load by hand are info until the project names a base model or has a loader', async () => {
    const bare = lab('', { 'run.py': UNKNOWN });
    const found = (await audit({ paths: [bare], cwd: bare, noCache: true })).findings.filter((f) => f.path === 'run.py');
    expect(found.map((f) => `${f.code} ${f.severity}`)).toEqual(['LOAD001 info', 'TMPL001 info']);

    const named = lab('base-models = ["Qwen/Qwen2.5-7B"]\n', { 'run.py': UNKNOWN });
    const withBase = (await audit({ paths: [named], cwd: named, noCache: true })).findings.filter((f) => f.path === 'run.py');
    expect(withBase.map((f) => `${f.code} ${f.severity}`)).toEqual(['LOAD001 info', 'TMPL001 warning']);

    const loader = lab('', {
      'run.py': UNKNOWN,
      'clean_model_loader.py':
        'from transformers import AutoTokenizer\n\nclass CleanModelLoader:\n    def __init__(self, name):\n        self.tok = AutoTokenizer.from_pretrained(name)\n        self.tok.chat_template = None\n',
    });
    const withLoader = await audit({ paths: [loader], cwd: loader, noCache: true });
    expect(withLoader.sanctioned.map((l) => l.name)).toEqual(['clean_model_loader.CleanModelLoader']);
    expect(withLoader.findings.filter((f) => f.path === 'run.py').map((f) => `${f.code} ${f.severity}`)).toEqual(['LOAD001 error', 'TMPL001 warning']);

    const explicit = lab('unknown-model-severity = "error"\n', { 'run.py': UNKNOWN });
    const set = (await audit({ paths: [explicit], cwd: explicit, noCache: true })).findings.filter((f) => f.path === 'run.py');
    expect(set.map((f) => `${f.code} ${f.severity}`)).toEqual(['LOAD001 info', 'TMPL001 error']);
  });
});
