import { promises as fs } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { useTempFolder, userError } from '../../test/helpers/temp-folder.js';
import { loadConfig } from './config.js';
import { writeConfigSection, type ConfigSectionSettings } from './config-write.js';

const folder = useTempFolder('provenant-config-');

describe('writeConfigSection', () => {
  const settings = { sanctionedLoaders: ['utils.loader.CleanModelLoader'], baseModels: ['Qwen/Qwen2.5-32B'] };

  /** What the edit left in the folder: no temporary file (the gitignored .provenant/ holds the edit's lock). */
  async function entries(): Promise<string[]> {
    return (await fs.readdir(folder.dir)).filter((name) => name !== '.provenant').sort();
  }

  it('creates a pyproject.toml holding only the table, which loads back', async () => {
    await folder.tree({ '.git/': '' });
    const file = path.join(folder.dir, 'pyproject.toml');
    expect(await writeConfigSection(file, settings)).toEqual({ created: true });
    expect(await folder.read('pyproject.toml')).toBe(
      '[tool.provenant]\nsanctioned-loaders = ["utils.loader.CleanModelLoader"]\nbase-models = ["Qwen/Qwen2.5-32B"]\n',
    );
    const { config } = await loadConfig({ cwd: folder.dir });
    expect(config.sanctionedLoaders).toEqual(settings.sanctionedLoaders);
    expect(await entries()).toEqual(['.git', 'pyproject.toml']);
  });

  it('creates a provenant.toml with top-level keys', async () => {
    const file = path.join(folder.dir, 'provenant.toml');
    expect(await writeConfigSection(file, { instructModels: ['*-Instruct'] })).toEqual({ created: true });
    expect(await folder.read('provenant.toml')).toBe('instruct-models = ["*-Instruct"]\n');
  });

  it('appends a [tool.provenant] table to a pyproject.toml, leaving every other byte alone', async () => {
    const original = '# build config\n[project]\nname = "lab"  # the lab\n\n[tool.ruff]\nline-length = 100\n';
    await folder.tree({ 'pyproject.toml': original });
    expect(await writeConfigSection(path.join(folder.dir, 'pyproject.toml'), settings)).toEqual({ created: false });
    expect(await folder.read('pyproject.toml')).toBe(
      `${original}\n[tool.provenant]\nsanctioned-loaders = ["utils.loader.CleanModelLoader"]\nbase-models = ["Qwen/Qwen2.5-32B"]\n`,
    );
  });

  it('merges into an existing [tool.provenant], keeping comments, sub-tables and later tables', async () => {
    const original = `[project]
name = "lab"

[tool.provenant]
# only the loader rules for now
select = [
    "LOAD",  # loaders
]
fail-on = "error"

# per-rule overrides
[tool.provenant.severity]
LOAD002 = "info"

[tool.ruff]
line-length = 100
`;
    await folder.tree({ 'pyproject.toml': original });
    await writeConfigSection(path.join(folder.dir, 'pyproject.toml'), settings);
    // the new keys go after the table's last key; every other byte stays as it was
    expect(await folder.read('pyproject.toml')).toBe(
      original.replace('fail-on = "error"\n', 'fail-on = "error"\nsanctioned-loaders = ["utils.loader.CleanModelLoader"]\nbase-models = ["Qwen/Qwen2.5-32B"]\n'),
    );
  });

  it.each<[string, string, string, ConfigSectionSettings, string]>([
    ['fills an empty [tool.provenant] header', 'pyproject.toml', '[tool.provenant]\n[tool.provenant.severity]\nLOAD002 = "info"\n', { deprecatedPaths: ['scripts/legacy/**'] }, '[tool.provenant]\ndeprecated-paths = ["scripts/legacy/**"]\n\n[tool.provenant.severity]\nLOAD002 = "info"\n'],
    ['puts a new [tool.provenant] above existing [tool.provenant.*] sub-tables', 'pyproject.toml', '[project]\nname = "x"\n\n[tool.provenant.severity]\nLOAD002 = "info"\n', { baseModels: ['gpt2'] }, '[project]\nname = "x"\n\n[tool.provenant]\nbase-models = ["gpt2"]\n\n[tool.provenant.severity]\nLOAD002 = "info"\n'],
    ['provenant.toml: adds after the last top-level key, before any table', 'provenant.toml', '# provenant settings\nfail-on = "error"\n\n[severity]\nLOAD002 = "info"\n', { baseModels: ['gpt2'] }, '# provenant settings\nfail-on = "error"\nbase-models = ["gpt2"]\n\n[severity]\nLOAD002 = "info"\n'],
    ['provenant.toml with only tables: adds at the top, below a leading comment', 'provenant.toml', '# provenant settings\n\n[severity]\nLOAD002 = "info"', { baseModels: ['gpt2'] }, '# provenant settings\n\nbase-models = ["gpt2"]\n\n[severity]\nLOAD002 = "info"\n'],
    ['keeps CRLF line endings', 'pyproject.toml', '[project]\r\nname = "x"\r\n\r\n[tool.provenant]\r\nfail-on = "error"\r\n', { baseModels: ['gpt2'] }, '[project]\r\nname = "x"\r\n\r\n[tool.provenant]\r\nfail-on = "error"\r\nbase-models = ["gpt2"]\r\n'],
  ])('%s', async (_title, file, before, settings, after) => {
    await folder.tree({ [file]: before });
    await writeConfigSection(path.join(folder.dir, file), settings);
    expect(await folder.read(file)).toBe(after);
  });


  it('reads the layout right around multi-line strings, odd spacing and comments', async () => {
    const original = `[project]
description = """
[tool.provenant]
fail-on = "info"
"""
name = "a#b"  # [not.a.table]

[ tool . provenant ]  # ours
select = ["LOAD"]  # loaders = ["x"]
"quoted.key" = 1
`;
    await folder.tree({ 'pyproject.toml': original.replace('"quoted.key" = 1\n', '') });
    await writeConfigSection(path.join(folder.dir, 'pyproject.toml'), { baseModels: ['gpt2'] });
    expect(await folder.read('pyproject.toml')).toBe(
      original.replace('"quoted.key" = 1\n', 'base-models = ["gpt2"]\n'),
    );
  });




  it('refuses to replace a key the table already sets, naming file, key and line; the file is untouched', async () => {
    const original = '[tool.provenant]\nfail-on = "error"\nbase-models = ["gpt2"]\n';
    await folder.tree({ 'pyproject.toml': original });
    const error = await userError(writeConfigSection(path.join(folder.dir, 'pyproject.toml'), settings));
    expect(error.message).toBe(`${path.join(folder.dir, 'pyproject.toml')}:3: tool.provenant.base-models is already set`);
    expect(error.hint).toContain('--force');
    expect(await folder.read('pyproject.toml')).toBe(original);
  });

  it('force: replaces the existing value in place, multi-line arrays included', async () => {
    await folder.tree({
      'provenant.toml': 'base-models = [\n  "gpt2",  # old\n  "opt-125m",\n]\nfail-on = "error"\n',
    });
    await writeConfigSection(path.join(folder.dir, 'provenant.toml'), { baseModels: ['Qwen/Qwen2.5-32B'] }, { force: true });
    expect(await folder.read('provenant.toml')).toBe('base-models = ["Qwen/Qwen2.5-32B"]\nfail-on = "error"\n');
  });

  it('wraps long lists one item per line', async () => {
    const loaders = ['research.loaders.guarded.CleanModelLoader', 'research.loaders.guarded.CleanTokenizerLoader', 'a.b'];
    await writeConfigSection(path.join(folder.dir, 'provenant.toml'), { sanctionedLoaders: loaders });
    expect(await folder.read('provenant.toml')).toBe(
      'sanctioned-loaders = [\n    "research.loaders.guarded.CleanModelLoader",\n    "research.loaders.guarded.CleanTokenizerLoader",\n    "a.b",\n]\n',
    );
  });


  it('escapes strings for TOML', async () => {
    await writeConfigSection(path.join(folder.dir, 'provenant.toml'), { baseModels: ['we"ird\\name'] });
    const { config } = await loadConfig({ cwd: folder.dir, configPath: 'provenant.toml' });
    expect(config.baseModels).toEqual(['we"ird\\name']);
  });

  it('refuses a layout it cannot edit safely (dotted keys) instead of corrupting the file', async () => {
    const original = '[tool]\nprovenant.fail-on = "error"\n';
    await folder.tree({ 'pyproject.toml': original });
    const error = await userError(writeConfigSection(path.join(folder.dir, 'pyproject.toml'), { baseModels: ['gpt2'] }));
    expect(error.message).toMatch(/cannot add the settings without disturbing the rest of the file/);
    expect(error.hint).toContain('base-models = ["gpt2"]');
    expect(await folder.read('pyproject.toml')).toBe(original);
    expect(await entries()).toEqual(['pyproject.toml']);
  });

  it('rejects invalid settings before touching the file', async () => {
    const error = await userError(writeConfigSection(path.join(folder.dir, 'provenant.toml'), { sanctionedLoaders: ['utils/loader.py'] }));
    expect(error.message).toMatch(/sanctioned-loaders\[0\]: expected a dotted Python name/);
    expect(await entries()).toEqual([]);
  });

  it('reports malformed TOML in the file it would edit', async () => {
    await folder.tree({ 'pyproject.toml': '[project\n' });
    const error = await userError(writeConfigSection(path.join(folder.dir, 'pyproject.toml'), settings));
    expect(error.message).toMatch(/pyproject\.toml:1:\d+: invalid TOML: /);
  });

  it('writes through a symlink to the real file', async () => {
    await folder.tree({ 'real/pyproject.toml': '[project]\nname = "x"\n' });
    await fs.symlink(path.join(folder.dir, 'real/pyproject.toml'), path.join(folder.dir, 'pyproject.toml'));
    await writeConfigSection(path.join(folder.dir, 'pyproject.toml'), { baseModels: ['gpt2'] });
    expect((await fs.lstat(path.join(folder.dir, 'pyproject.toml'))).isSymbolicLink()).toBe(true);
    expect(await folder.read('real/pyproject.toml')).toBe('[project]\nname = "x"\n\n[tool.provenant]\nbase-models = ["gpt2"]\n');
  });
});
