import { promises as fs } from 'node:fs';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { useTempFolder, userError } from '../../test/helpers/temp-folder.js';
import { DEFAULT_CONFIG, type Config } from '../schemas/config.js';
import { normalizeConfig } from '../schemas/config-normalize.js';
import { loadConfig } from './config.js';

const folder = useTempFolder('provenant-config-');

afterEach(() => {
  vi.restoreAllMocks();
});

function defaults(): Config {
  return normalizeConfig({});
}

describe('loadConfig: discovery', () => {
  it('prefers provenant.toml over pyproject.toml in the same directory', async () => {
    await folder.tree({
      '.git/': '',
      'provenant.toml': 'fail-on = "error"\n',
      'pyproject.toml': '[tool.provenant]\nfail-on = "info"\n',
    });
    const loaded = await loadConfig({ cwd: folder.dir });
    expect(loaded).toEqual({ config: { ...defaults(), failOn: 'error' }, root: folder.dir, source: path.join(folder.dir, 'provenant.toml') });
  });

  it('reads [tool.provenant] from pyproject.toml, walking up from a subdirectory', async () => {
    await folder.tree({ '.git/': '', 'pyproject.toml': '[project]\nname = "lab"\n\n[tool.provenant]\nfail-on = "info"\n', 'src/pkg/': '' });
    const loaded = await loadConfig({ cwd: path.join(folder.dir, 'src/pkg') });
    expect(loaded.source).toBe(path.join(folder.dir, 'pyproject.toml'));
    expect(loaded.root).toBe(folder.dir);
    expect(loaded.config.failOn).toBe('info');
  });

  it('skips a pyproject.toml without [tool.provenant] and keeps walking', async () => {
    await folder.tree({
      '.git/': '',
      'provenant.toml': 'ignore = ["LOAD002"]\n',
      'sub/pyproject.toml': '[project]\nname = "sub"\n# provenant is configured in the parent\n[tool.ruff]\nline-length = 100\n',
    });
    const loaded = await loadConfig({ cwd: path.join(folder.dir, 'sub') });
    expect(loaded.source).toBe(path.join(folder.dir, 'provenant.toml'));
    expect(loaded.root).toBe(folder.dir);
    expect(loaded.config.ignore).toEqual(['LOAD002']);
  });

  it('does not parse a pyproject.toml that never mentions provenant, so its TOML mistakes do not matter', async () => {
    await folder.tree({ '.git/': '', 'pyproject.toml': '[project\nname = \n' });
    const loaded = await loadConfig({ cwd: folder.dir });
    expect(loaded).toEqual({ config: defaults(), root: folder.dir, source: null });
  });

  it('stops at the repository boundary (.git) and uses defaults rooted there', async () => {
    await folder.tree({ 'provenant.toml': 'fail-on = "error"\n', 'repo/.git/': '', 'repo/src/': '' });
    const loaded = await loadConfig({ cwd: path.join(folder.dir, 'repo/src') });
    expect(loaded).toEqual({ config: defaults(), root: path.join(folder.dir, 'repo'), source: null });
  });

  it('treats a .git file (worktree, submodule) as a boundary too', async () => {
    await folder.tree({ 'provenant.toml': 'fail-on = "error"\n', 'wt/.git': 'gitdir: /elsewhere\n', 'wt/a/': '' });
    const loaded = await loadConfig({ cwd: path.join(folder.dir, 'wt/a') });
    expect(loaded.source).toBeNull();
    expect(loaded.root).toBe(path.join(folder.dir, 'wt'));
  });

  it('finds a config in the repository root itself', async () => {
    await folder.tree({ 'repo/.git/': '', 'repo/provenant.toml': 'select = ["TMPL"]\n', 'repo/a/b/': '' });
    const loaded = await loadConfig({ cwd: path.join(folder.dir, 'repo/a/b') });
    expect(loaded.source).toBe(path.join(folder.dir, 'repo/provenant.toml'));
    expect(loaded.root).toBe(path.join(folder.dir, 'repo'));
  });

  it('roots at the start directory when there is neither config nor repository', async () => {
    await folder.tree({ 'plain/': '' });
    const loaded = await loadConfig({ cwd: path.join(folder.dir, 'plain') });
    expect(loaded).toEqual({ config: defaults(), root: path.join(folder.dir, 'plain'), source: null });
  });

  it('isolated: ignores every config file, roots at the repository', async () => {
    await folder.tree({ '.git/': '', 'provenant.toml': 'fail-on = "error"\n', 'sub/provenant.toml': 'this is not TOML' });
    const loaded = await loadConfig({ cwd: path.join(folder.dir, 'sub'), isolated: true });
    expect(loaded).toEqual({ config: defaults(), root: folder.dir, source: null });
  });

  it('explicit config path: relative to cwd, rooted at its directory, no discovery', async () => {
    await folder.tree({ '.git/': '', 'provenant.toml': 'fail-on = "error"\n', 'configs/strict.toml': 'fail-on = "info"\n' });
    const loaded = await loadConfig({ cwd: folder.dir, configPath: 'configs/strict.toml' });
    expect(loaded).toEqual({
      config: { ...defaults(), failOn: 'info' },
      root: path.join(folder.dir, 'configs'),
      source: path.join(folder.dir, 'configs/strict.toml'),
    });
  });

  it('explicit pyproject.toml: reads its [tool.provenant] table', async () => {
    await folder.tree({ 'elsewhere/pyproject.toml': '[tool.provenant]\nselect = ["LOAD"]\n', 'work/': '' });
    const loaded = await loadConfig({ cwd: path.join(folder.dir, 'work'), configPath: path.join(folder.dir, 'elsewhere/pyproject.toml') });
    expect(loaded.config.select).toEqual(['LOAD']);
    expect(loaded.root).toBe(path.join(folder.dir, 'elsewhere'));
  });
});

describe('loadConfig: defaults and normalisation', () => {
  it('defaults match DEFAULT_CONFIG and are a fresh, mutable copy', async () => {
    await folder.tree({ '.git/': '' });
    const { config } = await loadConfig({ cwd: folder.dir });
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config.exclude).not.toBe(DEFAULT_CONFIG.exclude);
    expect(Object.isFrozen(DEFAULT_CONFIG.exclude)).toBe(true);
    expect(config).toMatchObject({ select: ['ALL'], ignore: [], failOn: 'warning', unknownModelSeverity: null, testCodeSeverity: 'off', maxFileSize: 2_000_000 });
  });

  it('normalises every key to camelCase, merges extend-exclude, strips ./ and duplicates', async () => {
    await folder.tree({
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
    const { config } = await loadConfig({ cwd: folder.dir });
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
    await folder.tree({ '.git/': '', 'provenant.toml': 'exclude = ["vendor"]\nextend-exclude = ["third_party"]\n' });
    const { config } = await loadConfig({ cwd: folder.dir });
    expect(config.exclude).toEqual(['vendor', 'third_party']);
  });

  it('accepts settings written as dotted keys or inline tables', async () => {
    await folder.tree({
      '.git/': '',
      'pyproject.toml': '[tool]\nprovenant.fail-on = "info"\nprovenant.severity = { LOAD001 = "error" }\n',
    });
    const { config } = await loadConfig({ cwd: folder.dir });
    expect(config.failOn).toBe('info');
    expect(config.severity).toEqual({ LOAD001: 'error' });
  });
});

describe('loadConfig: errors', () => {
  beforeEach(async () => {
    await folder.tree({ '.git/': '' });
  });

  it('malformed TOML: file:line:col and the parser reason, with the code excerpt as hint', async () => {
    await folder.tree({ 'pyproject.toml': '[tool.provenant]\nselect = ["A"]\nfail-on = \n' });
    const error = await userError(loadConfig({ cwd: folder.dir }));
    expect(error.message).toBe('pyproject.toml:3:11: invalid TOML: invalid value');
    expect(error.hint).toContain('fail-on =');
    expect(error.cause).toBeDefined();
  });

  it('unknown key in pyproject.toml: full key path, line, and a suggestion', async () => {
    await folder.tree({
      'pyproject.toml': '[project]\nname = "x"\n\n[tool.provenant]\nfail-on = "info"\nsanctioned-loader = ["a.B"]\n',
    });
    const error = await userError(loadConfig({ cwd: folder.dir }));
    expect(error.message).toBe(
      "pyproject.toml:6: unknown key 'tool.provenant.sanctioned-loader' (did you mean 'sanctioned-loaders'?)",
    );
  });

  it('registry table: a bad value and a path leaving the project, each with its line', async () => {
    await folder.tree({
      'provenant.toml': '[registry]\nmin-coverage = 140\nmarkdown = "../REGISTRY.md"\n',
    });
    const error = await userError(loadConfig({ cwd: folder.dir }));
    expect(error.message).toContain('provenant.toml:2:');
    expect(error.message).toContain('registry.min-coverage');
    expect(error.message).toContain('provenant.toml:3:');
    expect(error.message).toContain('expected a path inside the project');
  });

  it('unknown key without a near match lists the valid keys', async () => {
    await folder.tree({ 'provenant.toml': 'colour = true\n' });
    const error = await userError(loadConfig({ cwd: folder.dir }));
    expect(error.message).toBe("provenant.toml:1: unknown key 'colour'");
    expect(error.hint).toContain('valid keys: include, exclude, extend-exclude');
  });

  it('a [tool.provenant] header inside provenant.toml gets a pointed hint', async () => {
    await folder.tree({ 'provenant.toml': '\n[tool.provenant]\nfail-on = "error"\n' });
    const error = await userError(loadConfig({ cwd: folder.dir }));
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
    await folder.tree(files);
    const error = await userError(loadConfig({ cwd: folder.dir }));
    expect(error.message.split('\n')).toEqual(lines);
  });

  it('names files outside cwd by absolute path', async () => {
    await folder.tree({ 'provenant.toml': 'fail-on = 1\n', 'sub/': '' });
    const error = await userError(loadConfig({ cwd: path.join(folder.dir, 'sub') }));
    expect(error.message).toBe(`${path.join(folder.dir, 'provenant.toml')}:1: fail-on: expected one of "info", "warning", "error", got 1`);
  });

  it('explicit config path that does not exist', async () => {
    const error = await userError(loadConfig({ cwd: folder.dir, configPath: 'nope.toml' }));
    expect(error.message).toBe('nope.toml: config file not found');
  });

  it('explicit config path that is a directory', async () => {
    await folder.tree({ 'conf/': '' });
    const error = await userError(loadConfig({ cwd: folder.dir, configPath: 'conf' }));
    expect(error.message).toBe('conf: is a directory, not a config file');
    expect(error.hint).toContain(path.join('conf', 'provenant.toml'));
  });

  it('explicit pyproject.toml without [tool.provenant]', async () => {
    await folder.tree({ 'pyproject.toml': '[project]\nname = "x"\n' });
    const error = await userError(loadConfig({ cwd: folder.dir, configPath: 'pyproject.toml' }));
    expect(error.message).toBe('pyproject.toml: no [tool.provenant] table');
  });

  it('isolated together with an explicit config path', async () => {
    await userError(loadConfig({ cwd: folder.dir, configPath: 'provenant.toml', isolated: true }));
  });

  it.skipIf(process.getuid?.() === 0)('unreadable config file (permissions)', async () => {
    await folder.tree({ 'provenant.toml': 'fail-on = "error"\n' });
    await fs.chmod(path.join(folder.dir, 'provenant.toml'), 0o000);
    const error = await userError(loadConfig({ cwd: folder.dir }));
    expect(error.message).toBe('provenant.toml: cannot read config file: permission denied');
  });

  it('unreadable config file (simulated EACCES, for runs as root where permissions do not bite)', async () => {
    await folder.tree({ 'provenant.toml': 'fail-on = "error"\n' });
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    vi.spyOn(fs, 'readFile').mockRejectedValueOnce(denied);
    const error = await userError(loadConfig({ cwd: folder.dir }));
    expect(error.message).toBe('provenant.toml: cannot read config file: permission denied');
    expect(error.cause).toBe(denied);
  });
});
