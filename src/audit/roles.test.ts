import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { tmpProject } from '../../test/helpers/tmp.js';
import { languageOf, loadFrontEnds, type FrontEnds } from '../analysis/index.js';
import { discover, fileProbe } from '../core/files.js';
import { normalizeConfig } from '../schemas/config-normalize.js';
import { filesFromSet, type ProjectFiles } from './project.js';
import { CodeRoles, type CodeRole } from './roles.js';

const MAIN = 'if __name__ == "__main__":\n    main()\n';

/** Each role with the files that must get it; the content is what decides when the path leaves it open. */
const BY_ROLE: Record<CodeRole, Record<string, string>> = {
  test: {
    // a test folder that is also a package is test code, whatever else it holds
    'tests/__init__.py': '',
    'tests/helpers.py': 'def make_model():\n    return None\n',
    'tests/integration/run_all.py': `def main():\n    pass\n${MAIN}`,
    'tests_v1/test_rendering.py': 'def test_render():\n    assert True\n',
    'conftest.py': 'import pytest\n',
    // named so, and a real test module even with a main guard
    'scripts/test_widget.py': `import pytest\n\ndef test_widget():\n    assert True\n\nif __name__ == "__main__":\n    pytest.main()\n`,
    // named so without a main guard: the name decides
    'pkg/test_utils.py': 'def reference():\n    return 1\n',
    'pkg/widget_test.py': 'X = 1\n',
    // not named as a test, but its code says so
    'checks.py': 'import unittest\n\nclass Checks(unittest.TestCase):\n    def runTest(self):\n        pass\n',
    'pkg/fixtures.py': 'import pytest\n\n@pytest.fixture\ndef tiny_model():\n    return None\n',
    'pkg/absl_checks.py': 'from absl.testing import absltest\n\nclass ModelTest(absltest.TestCase):\n    pass\n',
    // a test inside examples is a test
    'examples/test_demo.py': 'import pytest\n\ndef test_demo():\n    pass\n',
    'web/app.test.ts': "import { it } from 'vitest';\nit('works', () => {});\n",
  },
  script: {
    // a research folder that merely starts with "test": its files are what their code says
    'test_time_scaling/best_of_n.py': `from vllm import LLM\n\nllm = LLM("Qwen/Qwen2.5-7B")\n${MAIN}`,
    'scripts/test_gsm8k.py': 'from vllm import LLM\n\nllm = LLM("Qwen/Qwen2.5-7B")\nprint(llm.generate(["Q: 1+1? A:"]))\n',
    'pkg/cli.py': `import argparse\n\ndef main():\n    argparse.ArgumentParser()\n${MAIN}`,
    'pkg/__main__.py': 'from pkg.cli import main\nmain()\n',
    // a notebook in a package folder is still run, never imported
    'pkg/explore.ipynb': JSON.stringify({ cells: [{ cell_type: 'code', metadata: {}, outputs: [], source: ['import pkg\n'] }], metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    // no __init__.py beside it: run as a script
    'run.py': 'print("hello")\n',
    'scripts/generate.py': 'import json\n',
    // named as pytest collects, but a research script: a main guard and no test framework
    'scripts/test_base_model.py': `import torch\n\ndef main():\n    pass\n${MAIN}`,
    'launch.sh': 'python run.py\n',
    // a folder whose name only starts with "test" is not a test folder
    'testbed/runner.py': 'x = 1\n',
  },
  library: {
    'pkg/__init__.py': '',
    'pkg/model.py': 'from transformers import AutoTokenizer\n\ndef load():\n    return AutoTokenizer.from_pretrained("gpt2")\n',
    // importing a test framework alone is not enough
    'pkg/patching.py': 'from unittest import mock\n\ndef patched():\n    return mock.MagicMock()\n',
    'web/lib.ts': 'export const x = 1;\n',
  },
  example: {
    'examples/demo.py': `def main():\n    pass\n${MAIN}`,
    'docs/source/conf.py': 'project = "x"\n',
    'notebooks/explore.py': 'x = 1\n',
  },
};

const TREE: Record<string, { text: string; role: CodeRole }> = Object.fromEntries(
  Object.entries(BY_ROLE).flatMap(([role, files]) => Object.entries(files).map(([p, text]) => [p, { text, role: role as CodeRole }])),
);

let root: string;
let cleanup: () => void;
let frontEnds: FrontEnds;

beforeAll(async () => {
  ({ dir: root, cleanup } = tmpProject(Object.fromEntries(Object.entries(TREE).map(([p, f]) => [p, f.text]))));
  frontEnds = await loadFrontEnds(new Set(['python', 'typescript']));
});
afterAll(() => cleanup());

function factsOf(file: string) {
  const language = languageOf(file);
  if (!language) throw new Error(`no language for ${file}`);
  return frontEnds.extract(readFileSync(path.join(root, file), 'utf8'), file, language);
}

/** The tree as a full walk sees it, or as `--staged` sees it (asked path by path, no walk). */
function tree(mode: 'walked' | 'staged'): ProjectFiles {
  const config = normalizeConfig({});
  if (mode === 'walked') return filesFromSet(discover({ root, targets: [root], include: config.include, exclude: config.exclude }).all);
  const probe = fileProbe(root, config.include, config.exclude);
  return { has: (p) => probe.has(p), holdsPackage: () => false };
}

describe('code roles', () => {
  for (const mode of ['walked', 'staged'] as const) {
    it(`gives every file its role from its path, its code and the tree (${mode})`, () => {
      const roles = new CodeRoles(normalizeConfig({}), tree(mode));
      const got = Object.fromEntries(Object.keys(TREE).map((p) => [p, roles.of(p, factsOf(p))]));
      expect(got).toEqual(Object.fromEntries(Object.entries(TREE).map(([p, f]) => [p, f.role])));
    });
  }

  it('decides from the path alone when no facts were read, and says which paths are test code outright', () => {
    const roles = new CodeRoles(normalizeConfig({}), tree('walked'));
    expect(roles.of('scripts/test_base_model.py', null)).toBe('test');
    expect(roles.of('pkg/cli.py', null)).toBe('library');
    expect(roles.of('run.py', null)).toBe('script');
    expect(roles.testByPath('tests/helpers.py')).toBe(true);
    expect(roles.testByPath('conftest.py')).toBe(true);
    // a name alone needs the code to confirm it
    expect(roles.testByPath('scripts/test_widget.py')).toBe(false);
  });

  it('tries the configured globs first', () => {
    const config = normalizeConfig({ roles: { script: ['tests/integration/**'], test: ['scripts/generate.py'], example: ['pkg/model.py'] } });
    const roles = new CodeRoles(config, tree('walked'));
    expect(roles.of('tests/integration/run_all.py', factsOf('tests/integration/run_all.py'))).toBe('script');
    expect(roles.testByPath('tests/integration/run_all.py')).toBe(false);
    expect(roles.of('scripts/generate.py', factsOf('scripts/generate.py'))).toBe('test');
    expect(roles.testByPath('scripts/generate.py')).toBe(true);
    expect(roles.of('pkg/model.py', factsOf('pkg/model.py'))).toBe('example');
    expect(roles.of('tests/helpers.py', factsOf('tests/helpers.py'))).toBe('test');
  });

  it('reads a notebook-like .py that does not parse by what it does hold', () => {
    const roles = new CodeRoles(normalizeConfig({}), tree('walked'));
    const notebook = '# %%\n!pip install transformers\n%matplotlib inline\nimport pytest\nx = pytest.approx(1)\n';
    const facts = frontEnds.extract(notebook, 'analysis.py', 'python');
    expect(facts.parseErrors.length).toBeGreaterThan(0);
    // it imports pytest but defines no test: a loose file, run as a script
    expect(roles.of('analysis.py', facts)).toBe('script');
    expect(roles.of('pkg/analysis.py', { ...facts, path: 'pkg/analysis.py' })).toBe('library');
  });
});
