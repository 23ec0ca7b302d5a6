import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { DEFAULT_CONFIG, normalizeConfig, type Config } from '../schemas/config.js';
import { isRuleEnabled, loadConfig, ruleMatches, severityFor, writeConfigSection } from './config.js';
import { UserError } from './errors.js';

let tmp: string;

beforeEach(async () => {
  // realpath: on macOS os.tmpdir() is a symlink, and the loader reports resolved paths.
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'provenant-config-')));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Writes `files` (path → content; a trailing `/` makes a directory) under `tmp`. */
async function tree(files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(tmp, name);
    if (name.endsWith('/')) {
      await fs.mkdir(full, { recursive: true });
    } else {
      await fs.mkdir(path.dirname(full), { recursive: true });
      await fs.writeFile(full, content);
    }
  }
}

const read = (name: string): Promise<string> => fs.readFile(path.join(tmp, name), 'utf8');

/** The UserError a promise rejects with (failing the test if it resolves or throws something else). */
async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => expect.fail('expected a UserError'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

function defaults(): Config {
  return normalizeConfig({});
}

describe('loadConfig: discovery', () => {
  it('prefers provenant.toml over pyproject.toml in the same directory', async () => {
    await tree({
      '.git/': '',
      'provenant.toml': 'fail-on = "error"\n',
      'pyproject.toml': '[tool.provenant]\nfail-on = "info"\n',
    });
    const loaded = await loadConfig({ cwd: tmp });
    expect(loaded).toEqual({ config: { ...defaults(), failOn: 'error' }, root: tmp, source: path.join(tmp, 'provenant.toml') });
  });

  it('reads [tool.provenant] from pyproject.toml, walking up from a subdirectory', async () => {
    await tree({ '.git/': '', 'pyproject.toml': '[project]\nname = "lab"\n\n[tool.provenant]\nfail-on = "info"\n', 'src/pkg/': '' });
    const loaded = await loadConfig({ cwd: path.join(tmp, 'src/pkg') });
    expect(loaded.source).toBe(path.join(tmp, 'pyproject.toml'));
    expect(loaded.root).toBe(tmp);
    expect(loaded.config.failOn).toBe('info');
  });

  it('skips a pyproject.toml without [tool.provenant] and keeps walking', async () => {
    await tree({
      '.git/': '',
      'provenant.toml': 'ignore = ["LOAD002"]\n',
      'sub/pyproject.toml': '[project]\nname = "sub"\n# provenant is configured in the parent\n[tool.ruff]\nline-length = 100\n',
    });
    const loaded = await loadConfig({ cwd: path.join(tmp, 'sub') });
    expect(loaded.source).toBe(path.join(tmp, 'provenant.toml'));
    expect(loaded.root).toBe(tmp);
    expect(loaded.config.ignore).toEqual(['LOAD002']);
  });

  it('does not parse a pyproject.toml that never mentions provenant, so its TOML mistakes do not matter', async () => {
    await tree({ '.git/': '', 'pyproject.toml': '[project\nname = \n' });
    const loaded = await loadConfig({ cwd: tmp });
    expect(loaded).toEqual({ config: defaults(), root: tmp, source: null });
  });

  it('stops at the repository boundary (.git) and uses defaults rooted there', async () => {
    await tree({ 'provenant.toml': 'fail-on = "error"\n', 'repo/.git/': '', 'repo/src/': '' });
    const loaded = await loadConfig({ cwd: path.join(tmp, 'repo/src') });
    expect(loaded).toEqual({ config: defaults(), root: path.join(tmp, 'repo'), source: null });
  });

  it('treats a .git file (worktree, submodule) as a boundary too', async () => {
    await tree({ 'provenant.toml': 'fail-on = "error"\n', 'wt/.git': 'gitdir: /elsewhere\n', 'wt/a/': '' });
    const loaded = await loadConfig({ cwd: path.join(tmp, 'wt/a') });
    expect(loaded.source).toBeNull();
    expect(loaded.root).toBe(path.join(tmp, 'wt'));
  });

  it('finds a config in the repository root itself', async () => {
    await tree({ 'repo/.git/': '', 'repo/provenant.toml': 'select = ["TMPL"]\n', 'repo/a/b/': '' });
    const loaded = await loadConfig({ cwd: path.join(tmp, 'repo/a/b') });
    expect(loaded.source).toBe(path.join(tmp, 'repo/provenant.toml'));
    expect(loaded.root).toBe(path.join(tmp, 'repo'));
  });

  it('roots at the start directory when there is neither config nor repository', async () => {
    await tree({ 'plain/': '' });
    const loaded = await loadConfig({ cwd: path.join(tmp, 'plain') });
    expect(loaded).toEqual({ config: defaults(), root: path.join(tmp, 'plain'), source: null });
  });

  it('isolated: ignores every config file, roots at the repository', async () => {
    await tree({ '.git/': '', 'provenant.toml': 'fail-on = "error"\n', 'sub/provenant.toml': 'this is not TOML' });
    const loaded = await loadConfig({ cwd: path.join(tmp, 'sub'), isolated: true });
    expect(loaded).toEqual({ config: defaults(), root: tmp, source: null });
  });

  it('explicit config path: relative to cwd, rooted at its directory, no discovery', async () => {
    await tree({ '.git/': '', 'provenant.toml': 'fail-on = "error"\n', 'configs/strict.toml': 'fail-on = "info"\n' });
    const loaded = await loadConfig({ cwd: tmp, configPath: 'configs/strict.toml' });
    expect(loaded).toEqual({
      config: { ...defaults(), failOn: 'info' },
      root: path.join(tmp, 'configs'),
      source: path.join(tmp, 'configs/strict.toml'),
    });
  });

  it('explicit pyproject.toml: reads its [tool.provenant] table', async () => {
    await tree({ 'elsewhere/pyproject.toml': '[tool.provenant]\nselect = ["LOAD"]\n', 'work/': '' });
    const loaded = await loadConfig({ cwd: path.join(tmp, 'work'), configPath: path.join(tmp, 'elsewhere/pyproject.toml') });
    expect(loaded.config.select).toEqual(['LOAD']);
    expect(loaded.root).toBe(path.join(tmp, 'elsewhere'));
  });
});

describe('loadConfig: defaults and normalisation', () => {
  it('defaults match DEFAULT_CONFIG and are a fresh, mutable copy', async () => {
    await tree({ '.git/': '' });
    const { config } = await loadConfig({ cwd: tmp });
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config.exclude).not.toBe(DEFAULT_CONFIG.exclude);
    expect(Object.isFrozen(DEFAULT_CONFIG.exclude)).toBe(true);
    expect(config).toMatchObject({ select: ['ALL'], ignore: [], failOn: 'warning', unknownModelSeverity: null, testCodeSeverity: 'off', maxFileSize: 2_000_000 });
  });

  it('normalises every key to camelCase, merges extend-exclude, strips ./ and duplicates', async () => {
    await tree({
      '.git/': '',
      'pyproject.toml': `[project]
name = "lab"

[tool.provenant]
include = ["**/*.py", "./scripts/*.sh", "**/*.py"]
extend-exclude = ["data", "./ckpt/**"]
select = ["LOAD", "TMPL001"]
ignore = ["LOAD002"]
fail-on = "error"
sanctioned-loaders = [
  "utils.clean_model_loader.CleanModelLoader",
  { name = "lab.loaders.CleanModelLoader", call = "CleanModelLoader.load({model})", tokenizer-call = "load_tokenizer({args})", import = "from lab.loaders import CleanModelLoader, load_tokenizer" },
  { name = "lab.hub.fetch", call = "fetch({model}, clean=True)" },
]
base-models = ["Qwen/Qwen2.5-32B", "meta-llama/Llama-3.1-*"]
instruct-models = ["*-Instruct"]
deprecated-paths = ["scripts/legacy/**"]
unknown-model-severity = "off"
preview = true
respect-gitignore = false
test-code-severity = "info"
max-file-size = 1_000

[tool.provenant.severity]
LOAD002 = "info"
TMPL = "error"

[tool.provenant.per-file-ignores]
"tests/**" = ["LOAD001"]
"./tests/**" = ["TMPL", "LOAD001"]

[tool.provenant.roles]
test = ["./qa/**", "qa/**"]
script = ["tools/*.py"]

[tool.provenant.registry]
markdown = "docs/REGISTRY.md"
annotations = "docs/registry.yaml"
include = ["scripts/**/*.py", "./Makefile"]
min-coverage = 60
similarity-threshold = 0.9
min-tokens = 25

[tool.provenant.provenance]
stamps-dir = ".stamps"
require-signature = true
env = ["CUDA_*", "./SEED"]

[tool.provenant.provenance.qc.pairs]
kind = "preference"
paths = ["./data/pairs/*.jsonl"]
max-pairs-per-instruction = 4
`,
    });
    const { config } = await loadConfig({ cwd: tmp });
    expect(config).toEqual({
      include: ['**/*.py', 'scripts/*.sh'],
      exclude: [...DEFAULT_CONFIG.exclude, 'data', 'ckpt/**'],
      select: ['LOAD', 'TMPL001'],
      ignore: ['LOAD002'],
      failOn: 'error',
      sanctionedLoaders: ['utils.clean_model_loader.CleanModelLoader', 'lab.loaders.CleanModelLoader', 'lab.hub.fetch'],
      loaderCalls: [
        {
          loader: 'lab.loaders.CleanModelLoader',
          call: { template: 'CleanModelLoader.load({model})', import: 'from lab.loaders import CleanModelLoader, load_tokenizer' },
          tokenizerCall: { template: 'load_tokenizer({args})', import: 'from lab.loaders import CleanModelLoader, load_tokenizer' },
        },
        { loader: 'lab.hub.fetch', call: { template: 'fetch({model}, clean=True)', import: 'from lab.hub import fetch' }, tokenizerCall: null },
      ],
      baseModels: ['Qwen/Qwen2.5-32B', 'meta-llama/Llama-3.1-*'],
      instructModels: ['*-Instruct'],
      deprecatedPaths: ['scripts/legacy/**'],
      unknownModelSeverity: 'off',
      preview: true,
      respectGitignore: false,
      testCodeSeverity: 'info',
      roles: { test: ['qa/**'], example: [], library: [], script: ['tools/*.py'] },
      maxFileSize: 1000,
      severity: { LOAD002: 'info', TMPL: 'error' },
      perFileIgnores: { 'tests/**': ['LOAD001', 'TMPL'] },
      registry: {
        markdown: 'docs/REGISTRY.md',
        annotations: 'docs/registry.yaml',
        include: ['scripts/**/*.py', 'Makefile'],
        minCoverage: 60,
        similarityThreshold: 0.9,
        minTokens: 25,
      },
      provenance: {
        stampsDir: '.stamps',
        keysDir: '.provenant-keys',
        requireSignature: true,
        requireKnownProducer: false,
        env: ['CUDA_*', 'SEED'],
        qc: [
          {
            name: 'pairs',
            kind: 'preference',
            paths: ['data/pairs/*.jsonl'],
            requiredFields: [],
            maxEmptyRate: 0,
            maxDuplicateRate: 0.05,
            placeholderPatterns: ['[GENERATION FAILED]', '[PLACEHOLDER]', 'TODO', 'Error generating response', 'N/A'],
            maxPairsPerInstruction: 4,
            minMargin: null,
            maxBoilerplateRate: 0.2,
          },
        ],
        ledger: null,
        ledgerSchema: null,
      },
    } satisfies Config);
  });

  it('exclude replaces the default list; extend-exclude adds to it', async () => {
    await tree({ '.git/': '', 'provenant.toml': 'exclude = ["vendor"]\nextend-exclude = ["third_party"]\n' });
    const { config } = await loadConfig({ cwd: tmp });
    expect(config.exclude).toEqual(['vendor', 'third_party']);
  });

  it('accepts settings written as dotted keys or inline tables', async () => {
    await tree({
      '.git/': '',
      'pyproject.toml': '[tool]\nprovenant.fail-on = "info"\nprovenant.severity = { LOAD001 = "error" }\n',
    });
    const { config } = await loadConfig({ cwd: tmp });
    expect(config.failOn).toBe('info');
    expect(config.severity).toEqual({ LOAD001: 'error' });
  });
});

describe('loadConfig: errors', () => {
  beforeEach(async () => {
    await tree({ '.git/': '' });
  });

  it('malformed TOML: file:line:col and the parser reason, with the code excerpt as hint', async () => {
    await tree({ 'pyproject.toml': '[tool.provenant]\nselect = ["A"]\nfail-on = \n' });
    const error = await userError(loadConfig({ cwd: tmp }));
    expect(error.message).toBe('pyproject.toml:3:11: invalid TOML: invalid value');
    expect(error.hint).toContain('fail-on =');
    expect(error.cause).toBeDefined();
  });

  it('unknown key in pyproject.toml: full key path, line, and a suggestion', async () => {
    await tree({
      'pyproject.toml': '[project]\nname = "x"\n\n[tool.provenant]\nfail-on = "info"\nsanctioned-loader = ["a.B"]\n',
    });
    const error = await userError(loadConfig({ cwd: tmp }));
    expect(error.message).toBe(
      "pyproject.toml:6: unknown key 'tool.provenant.sanctioned-loader' (did you mean 'sanctioned-loaders'?)",
    );
  });

  it('registry table: a bad value and a path leaving the project, each with its line', async () => {
    await tree({
      'provenant.toml': '[registry]\nmin-coverage = 140\nmarkdown = "../REGISTRY.md"\n',
    });
    const error = await userError(loadConfig({ cwd: tmp }));
    expect(error.message).toContain('provenant.toml:2:');
    expect(error.message).toContain('registry.min-coverage');
    expect(error.message).toContain('provenant.toml:3:');
    expect(error.message).toContain('expected a path inside the project');
  });

  it('unknown key without a near match lists the valid keys', async () => {
    await tree({ 'provenant.toml': 'colour = true\n' });
    const error = await userError(loadConfig({ cwd: tmp }));
    expect(error.message).toBe("provenant.toml:1: unknown key 'colour'");
    expect(error.hint).toContain('valid keys: include, exclude, extend-exclude');
  });

  it('a [tool.provenant] header inside provenant.toml gets a pointed hint', async () => {
    await tree({ 'provenant.toml': '\n[tool.provenant]\nfail-on = "error"\n' });
    const error = await userError(loadConfig({ cwd: tmp }));
    expect(error.message).toBe("provenant.toml:2: unknown key 'tool'");
    expect(error.hint).toMatch(/top level, without a \[tool\.provenant\] header/);
  });

  it.each<[string, Record<string, string>, string[]]>([
    ['unknown key in provenant.toml: the key path is relative to the top level', { 'provenant.toml': '# settings\nfail_on = "error"\n' }, [
      "provenant.toml:2: unknown key 'fail_on' (did you mean 'fail-on'?)",
    ]],
    ['wrong enum value: expected values and what was found', { 'pyproject.toml': '[tool.provenant]\n\nfail-on = "fatal"\n' }, [
      'pyproject.toml:3: tool.provenant.fail-on: expected one of "info", "warning", "error", got "fatal"',
    ]],
    ['test-code-severity and roles: a wrong value and a role that does not exist', { 'provenant.toml': 'test-code-severity = "warning"\n\n[roles]\ntests = ["qa/**"]\n' }, [
      'provenant.toml:1: test-code-severity: expected one of "off", "info", "inherit", got "warning"',
      "provenant.toml:4: unknown key 'roles.tests'",
    ]],
    ['wrong type: a string where a list belongs', { 'provenant.toml': 'select = "LOAD"\n' }, [
      'provenant.toml:1: select: expected an array, got "LOAD"',
    ]],
    ['a malformed rule code inside a multi-line list points at the key', { 'pyproject.toml': '[tool.provenant]\nignore = [\n  "LOAD002",\n  "load3",\n]\n' }, [
      'pyproject.toml:2: tool.provenant.ignore[1]: expected a rule code or prefix such as "LOAD001" or "LOAD", got "load3"',
    ]],
    ['severity table: bad keys and bad values, each on its own line', { 'pyproject.toml': '[tool.provenant]\nselect = ["ALL"]\n\n[tool.provenant.severity]\nLOAD002 = "fatal"\n"load-1" = "info"\n' }, [
      'pyproject.toml:5: tool.provenant.severity.LOAD002: expected one of "info", "warning", "error", got "fatal"',
      'pyproject.toml:6: tool.provenant.severity: invalid key "load-1": expected a rule code or prefix such as "LOAD001" or "LOAD"',
    ]],
    ['per-file-ignores: a quoted glob key is found in the text', { 'provenant.toml': 'fail-on = "error"\n\n[per-file-ignores]\n"tests/**" = "LOAD001"\n' }, [
      'provenant.toml:4: per-file-ignores."tests/**": expected an array, got "LOAD001"',
    ]],
    ['several problems are reported together, in line order', { 'provenant.toml': 'max-file-size = -5\nsanctioned-loaders = ["utils/loader.py"]\nbogus = 1\n' }, [
      'provenant.toml:1: max-file-size: expected a positive number of bytes, got -5',
      'provenant.toml:2: sanctioned-loaders[0]: expected a dotted Python name such as "utils.loader.CleanModelLoader", got "utils/loader.py"',
      "provenant.toml:3: unknown key 'bogus'",
    ]],
    ['sanctioned-loaders tables: the replacement call, its placeholders and its import are checked', {
      'provenant.toml': [
        'sanctioned-loaders = [',
        '  { name = "lab.loaders.Clean", call = "Clean.load({model_id})" },',
        '  { name = "lab.loaders.Clean", call = "Clean.load" },',
        '  { name = "lab.loaders.Clean", call = "other.load({model})" },',
        '  { name = "lab.loaders.Clean", calls = "Clean.load({model})" },',
        ']',
        '',
      ].join('\n'),
    }, [
      'provenant.toml:1: sanctioned-loaders[0].call: unknown placeholder; the call may use {model} and {args}, got "Clean.load({model_id})"',
      'provenant.toml:1: sanctioned-loaders[1].call: expected a Python call such as "CleanModelLoader.load({model})", got "Clean.load"',
      'provenant.toml:1: sanctioned-loaders[2].call: `other` is not part of the name "lab.loaders.Clean", so the import it needs is not known; add `import = "…"`, got "other.load({model})"',
      "provenant.toml:1: unknown key 'sanctioned-loaders[3].calls'",
    ]],
    ['a float where an integer belongs', { 'provenant.toml': 'max-file-size = 1.5\n' }, [
      'provenant.toml:1: max-file-size: expected an integer, got 1.5',
    ]],
    ['[tool.provenant] that is not a table', { 'pyproject.toml': '[tool]\nprovenant = "yes"\n' }, [
      'pyproject.toml:2: tool.provenant: expected a table, got "yes"',
    ]],
  ])('%s', async (_title, files, lines) => {
    await tree(files);
    const error = await userError(loadConfig({ cwd: tmp }));
    expect(error.message.split('\n')).toEqual(lines);
  });

  it('names files outside cwd by absolute path', async () => {
    await tree({ 'provenant.toml': 'fail-on = 1\n', 'sub/': '' });
    const error = await userError(loadConfig({ cwd: path.join(tmp, 'sub') }));
    expect(error.message).toBe(`${path.join(tmp, 'provenant.toml')}:1: fail-on: expected one of "info", "warning", "error", got 1`);
  });

  it('explicit config path that does not exist', async () => {
    const error = await userError(loadConfig({ cwd: tmp, configPath: 'nope.toml' }));
    expect(error.message).toBe('nope.toml: config file not found');
  });

  it('explicit config path that is a directory', async () => {
    await tree({ 'conf/': '' });
    const error = await userError(loadConfig({ cwd: tmp, configPath: 'conf' }));
    expect(error.message).toBe('conf: is a directory, not a config file');
    expect(error.hint).toContain(path.join('conf', 'provenant.toml'));
  });

  it('explicit pyproject.toml without [tool.provenant]', async () => {
    await tree({ 'pyproject.toml': '[project]\nname = "x"\n' });
    const error = await userError(loadConfig({ cwd: tmp, configPath: 'pyproject.toml' }));
    expect(error.message).toBe('pyproject.toml: no [tool.provenant] table');
  });

  it('isolated together with an explicit config path', async () => {
    await userError(loadConfig({ cwd: tmp, configPath: 'provenant.toml', isolated: true }));
  });

  it.skipIf(process.getuid?.() === 0)('unreadable config file (permissions)', async () => {
    await tree({ 'provenant.toml': 'fail-on = "error"\n' });
    await fs.chmod(path.join(tmp, 'provenant.toml'), 0o000);
    const error = await userError(loadConfig({ cwd: tmp }));
    expect(error.message).toBe('provenant.toml: cannot read config file: permission denied');
  });

  it('unreadable config file (simulated EACCES, for runs as root where permissions do not bite)', async () => {
    await tree({ 'provenant.toml': 'fail-on = "error"\n' });
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    vi.spyOn(fs, 'readFile').mockRejectedValueOnce(denied);
    const error = await userError(loadConfig({ cwd: tmp }));
    expect(error.message).toBe('provenant.toml: cannot read config file: permission denied');
    expect(error.cause).toBe(denied);
  });
});

describe('writeConfigSection', () => {
  const settings = { sanctionedLoaders: ['utils.loader.CleanModelLoader'], baseModels: ['Qwen/Qwen2.5-32B'] };

  /** What the edit left in the folder: no temporary file (the gitignored .provenant/ holds the edit's lock). */
  async function entries(): Promise<string[]> {
    return (await fs.readdir(tmp)).filter((name) => name !== '.provenant').sort();
  }

  it('creates a pyproject.toml holding only the table, which loads back', async () => {
    await tree({ '.git/': '' });
    const file = path.join(tmp, 'pyproject.toml');
    expect(await writeConfigSection(file, settings)).toEqual({ created: true });
    expect(await read('pyproject.toml')).toBe(
      '[tool.provenant]\nsanctioned-loaders = ["utils.loader.CleanModelLoader"]\nbase-models = ["Qwen/Qwen2.5-32B"]\n',
    );
    const { config } = await loadConfig({ cwd: tmp });
    expect(config.sanctionedLoaders).toEqual(settings.sanctionedLoaders);
    expect(await entries()).toEqual(['.git', 'pyproject.toml']);
  });

  it('creates a provenant.toml with top-level keys', async () => {
    const file = path.join(tmp, 'provenant.toml');
    expect(await writeConfigSection(file, { instructModels: ['*-Instruct'] })).toEqual({ created: true });
    expect(await read('provenant.toml')).toBe('instruct-models = ["*-Instruct"]\n');
  });

  it('appends a [tool.provenant] table to a pyproject.toml, leaving every other byte alone', async () => {
    const original = '# build config\n[project]\nname = "lab"  # the lab\n\n[tool.ruff]\nline-length = 100\n';
    await tree({ 'pyproject.toml': original });
    expect(await writeConfigSection(path.join(tmp, 'pyproject.toml'), settings)).toEqual({ created: false });
    expect(await read('pyproject.toml')).toBe(
      `${original}\n[tool.provenant]\nsanctioned-loaders = ["utils.loader.CleanModelLoader"]\nbase-models = ["Qwen/Qwen2.5-32B"]\n`,
    );
  });

  it('merges into an existing [tool.provenant], keeping comments, sub-tables and later tables', async () => {
    await tree({
      'pyproject.toml': `[project]
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
`,
    });
    await writeConfigSection(path.join(tmp, 'pyproject.toml'), settings);
    expect(await read('pyproject.toml')).toBe(`[project]
name = "lab"

[tool.provenant]
# only the loader rules for now
select = [
    "LOAD",  # loaders
]
fail-on = "error"
sanctioned-loaders = ["utils.loader.CleanModelLoader"]
base-models = ["Qwen/Qwen2.5-32B"]

# per-rule overrides
[tool.provenant.severity]
LOAD002 = "info"

[tool.ruff]
line-length = 100
`);
    const { config } = await loadConfig({ cwd: tmp });
    expect(config).toMatchObject({ select: ['LOAD'], failOn: 'error', severity: { LOAD002: 'info' }, ...settings });
  });

  it('fills an empty [tool.provenant] header', async () => {
    await tree({ 'pyproject.toml': '[tool.provenant]\n[tool.provenant.severity]\nLOAD002 = "info"\n' });
    await writeConfigSection(path.join(tmp, 'pyproject.toml'), { deprecatedPaths: ['scripts/legacy/**'] });
    expect(await read('pyproject.toml')).toBe(
      '[tool.provenant]\ndeprecated-paths = ["scripts/legacy/**"]\n\n[tool.provenant.severity]\nLOAD002 = "info"\n',
    );
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
    await tree({ 'pyproject.toml': original.replace('"quoted.key" = 1\n', '') });
    await writeConfigSection(path.join(tmp, 'pyproject.toml'), { baseModels: ['gpt2'] });
    expect(await read('pyproject.toml')).toBe(
      original.replace('"quoted.key" = 1\n', 'base-models = ["gpt2"]\n'),
    );
  });

  it('puts a new [tool.provenant] above existing [tool.provenant.*] sub-tables', async () => {
    await tree({ 'pyproject.toml': '[project]\nname = "x"\n\n[tool.provenant.severity]\nLOAD002 = "info"\n' });
    await writeConfigSection(path.join(tmp, 'pyproject.toml'), { baseModels: ['gpt2'] });
    expect(await read('pyproject.toml')).toBe(
      '[project]\nname = "x"\n\n[tool.provenant]\nbase-models = ["gpt2"]\n\n[tool.provenant.severity]\nLOAD002 = "info"\n',
    );
  });

  it('provenant.toml: adds after the last top-level key, before any table', async () => {
    await tree({ 'provenant.toml': '# provenant settings\nfail-on = "error"\n\n[severity]\nLOAD002 = "info"\n' });
    await writeConfigSection(path.join(tmp, 'provenant.toml'), { baseModels: ['gpt2'] });
    expect(await read('provenant.toml')).toBe(
      '# provenant settings\nfail-on = "error"\nbase-models = ["gpt2"]\n\n[severity]\nLOAD002 = "info"\n',
    );
  });

  it('provenant.toml with only tables: adds at the top, below a leading comment', async () => {
    await tree({ 'provenant.toml': '# provenant settings\n\n[severity]\nLOAD002 = "info"' });
    await writeConfigSection(path.join(tmp, 'provenant.toml'), { baseModels: ['gpt2'] });
    expect(await read('provenant.toml')).toBe('# provenant settings\n\nbase-models = ["gpt2"]\n\n[severity]\nLOAD002 = "info"\n');
  });

  it('refuses to replace a key the table already sets, naming file, key and line; the file is untouched', async () => {
    const original = '[tool.provenant]\nfail-on = "error"\nbase-models = ["gpt2"]\n';
    await tree({ 'pyproject.toml': original });
    const error = await userError(writeConfigSection(path.join(tmp, 'pyproject.toml'), settings));
    expect(error.message).toBe(`${path.join(tmp, 'pyproject.toml')}:3: tool.provenant.base-models is already set`);
    expect(error.hint).toContain('--force');
    expect(await read('pyproject.toml')).toBe(original);
  });

  it('force: replaces the existing value in place, multi-line arrays included', async () => {
    await tree({
      'provenant.toml': 'base-models = [\n  "gpt2",  # old\n  "opt-125m",\n]\nfail-on = "error"\n',
    });
    await writeConfigSection(path.join(tmp, 'provenant.toml'), { baseModels: ['Qwen/Qwen2.5-32B'] }, { force: true });
    expect(await read('provenant.toml')).toBe('base-models = ["Qwen/Qwen2.5-32B"]\nfail-on = "error"\n');
  });

  it('wraps long lists one item per line', async () => {
    const loaders = ['research.loaders.guarded.CleanModelLoader', 'research.loaders.guarded.CleanTokenizerLoader', 'a.b'];
    await writeConfigSection(path.join(tmp, 'provenant.toml'), { sanctionedLoaders: loaders });
    expect(await read('provenant.toml')).toBe(
      'sanctioned-loaders = [\n    "research.loaders.guarded.CleanModelLoader",\n    "research.loaders.guarded.CleanTokenizerLoader",\n    "a.b",\n]\n',
    );
  });

  it('keeps CRLF line endings', async () => {
    await tree({ 'pyproject.toml': '[project]\r\nname = "x"\r\n\r\n[tool.provenant]\r\nfail-on = "error"\r\n' });
    await writeConfigSection(path.join(tmp, 'pyproject.toml'), { baseModels: ['gpt2'] });
    expect(await read('pyproject.toml')).toBe(
      '[project]\r\nname = "x"\r\n\r\n[tool.provenant]\r\nfail-on = "error"\r\nbase-models = ["gpt2"]\r\n',
    );
  });

  it('escapes strings for TOML', async () => {
    await writeConfigSection(path.join(tmp, 'provenant.toml'), { baseModels: ['we"ird\\name'] });
    const { config } = await loadConfig({ cwd: tmp, configPath: 'provenant.toml' });
    expect(config.baseModels).toEqual(['we"ird\\name']);
  });

  it('refuses a layout it cannot edit safely (dotted keys) instead of corrupting the file', async () => {
    const original = '[tool]\nprovenant.fail-on = "error"\n';
    await tree({ 'pyproject.toml': original });
    const error = await userError(writeConfigSection(path.join(tmp, 'pyproject.toml'), { baseModels: ['gpt2'] }));
    expect(error.message).toMatch(/cannot add the settings without disturbing the rest of the file/);
    expect(error.hint).toContain('base-models = ["gpt2"]');
    expect(await read('pyproject.toml')).toBe(original);
    expect(await entries()).toEqual(['pyproject.toml']);
  });

  it('rejects invalid settings before touching the file', async () => {
    const error = await userError(writeConfigSection(path.join(tmp, 'provenant.toml'), { sanctionedLoaders: ['utils/loader.py'] }));
    expect(error.message).toMatch(/sanctioned-loaders\[0\]: expected a dotted Python name/);
    expect(await entries()).toEqual([]);
  });

  it('reports malformed TOML in the file it would edit', async () => {
    await tree({ 'pyproject.toml': '[project\n' });
    const error = await userError(writeConfigSection(path.join(tmp, 'pyproject.toml'), settings));
    expect(error.message).toMatch(/pyproject\.toml:1:\d+: invalid TOML: /);
  });

  it('writes through a symlink to the real file', async () => {
    await tree({ 'real/pyproject.toml': '[project]\nname = "x"\n' });
    await fs.symlink(path.join(tmp, 'real/pyproject.toml'), path.join(tmp, 'pyproject.toml'));
    await writeConfigSection(path.join(tmp, 'pyproject.toml'), { baseModels: ['gpt2'] });
    expect((await fs.lstat(path.join(tmp, 'pyproject.toml'))).isSymbolicLink()).toBe(true);
    expect(await read('real/pyproject.toml')).toBe('[project]\nname = "x"\n\n[tool.provenant]\nbase-models = ["gpt2"]\n');
  });
});

describe('rule selection', () => {
  it('ruleMatches: ALL, exact codes and prefixes that end on a category or digit boundary', () => {
    expect(ruleMatches('LOAD001', ['ALL'])).toBe(true);
    expect(ruleMatches('LOAD001', ['LOAD001'])).toBe(true);
    expect(ruleMatches('LOAD001', ['LOAD'])).toBe(true);
    expect(ruleMatches('LOAD001', ['LOAD00'])).toBe(true);
    expect(ruleMatches('LOAD001', ['LOAD01'])).toBe(false);
    expect(ruleMatches('LOAD001', ['LOA'])).toBe(false);
    expect(ruleMatches('LOAD001', ['TMPL', 'LOAD002'])).toBe(false);
    expect(ruleMatches('LOAD001', [])).toBe(false);
  });

  it('isRuleEnabled applies select, then ignore', () => {
    const config = { select: ['LOAD', 'TMPL001'], ignore: ['LOAD002'] };
    expect(isRuleEnabled(config, 'LOAD001')).toBe(true);
    expect(isRuleEnabled(config, 'LOAD002')).toBe(false);
    expect(isRuleEnabled(config, 'TMPL001')).toBe(true);
    expect(isRuleEnabled(config, 'TMPL002')).toBe(false);
    expect(isRuleEnabled(defaults(), 'ANY999')).toBe(true);
  });

  it('severityFor: the most specific override wins, else the fallback', () => {
    const config = { severity: { ALL: 'info', LOAD: 'warning', LOAD002: 'error' } as const };
    expect(severityFor(config, 'LOAD002', 'warning')).toBe('error');
    expect(severityFor(config, 'LOAD001', 'error')).toBe('warning');
    expect(severityFor(config, 'TMPL001', 'error')).toBe('info');
    expect(severityFor({ severity: {} }, 'TMPL001', 'error')).toBe('error');
  });
});
