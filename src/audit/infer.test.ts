import { beforeAll, describe, expect, it } from 'vitest';

import { loadFrontEnds, type FrontEnds } from '../analysis/index.js';
import { normalizeConfig } from '../schemas/config-normalize.js';
import { inferSanctionedLoaders, type LoaderInference } from './infer.js';
import { filesFromSet } from './project.js';
import { CodeRoles } from './roles.js';

let frontEnds: FrontEnds;
beforeAll(async () => {
  frontEnds = await loadFrontEnds(new Set(['python']));
});

/** Inference over a tree given as path → source, with roles as the engine gives them. */
function infer(tree: Record<string, string>, roles: Record<string, string[]> = {}): LoaderInference {
  const facts = Object.entries(tree).map(([p, text]) => frontEnds.extract(text, p, 'python'));
  const codeRoles = new CodeRoles(normalizeConfig({ roles }), filesFromSet(new Set(Object.keys(tree))));
  return inferSanctionedLoaders(facts, (s) => codeRoles.ofKnown(s.path, s));
}

const names = (r: LoaderInference) => r.chosen.map((l) => l.name);
const why = (r: LoaderInference, name: string) => r.rejected.find((l) => l.name === name)?.why;

const CLEAN_LOADER = `from transformers import AutoTokenizer, AutoModelForCausalLM

class CleanModelLoader:
    def __init__(self, name):
        self.tokenizer = AutoTokenizer.from_pretrained(name)
        self.tokenizer.chat_template = None
        self.model = AutoModelForCausalLM.from_pretrained(name)
`;

const MAIN = '\nif __name__ == "__main__":\n    main()\n';

describe('loader inference', () => {
  it('takes a loader that removes the chat template', () => {
    const r = infer({ 'utils/__init__.py': '', 'utils/clean_model_loader.py': CLEAN_LOADER });
    expect(names(r)).toEqual(['clean_model_loader.CleanModelLoader']);
    expect(r.chosen[0]?.reasons.join('\n')).toContain('chat_template = None');
  });

  it('rejects a trainer, a test and a class that only tokenizes without special tokens, saying why', () => {
    const r = infer({
      'train/trainer.py': `from transformers import Trainer, AutoTokenizer

class DistillTrainer(Trainer):
    def __init__(self, name):
        self.tok = AutoTokenizer.from_pretrained(name)
        self.tok.chat_template = None
`,
      'train/build.py': `from transformers import AutoTokenizer

def build_trainer(name):
    tok = AutoTokenizer.from_pretrained(name)
    tok.chat_template = None
`,
      'tests/test_rendering.py': `from transformers import AutoTokenizer

def test_render_messages():
    tok = AutoTokenizer.from_pretrained("Qwen/Qwen3-0.6B")
    tok.chat_template = None
    assert tok.encode("x", add_special_tokens=False)
`,
      'pkg/test_helpers_case.py': `import unittest
from transformers import AutoTokenizer

class LoaderCase(unittest.TestCase):
    def setUp(self):
        self.tok = AutoTokenizer.from_pretrained("gpt2")
        self.tok.chat_template = None
`,
      'eval/backend.py': `from transformers import AutoTokenizer

class InferenceBackend:
    def __init__(self, name):
        self.tok = AutoTokenizer.from_pretrained(name)

    def encode(self, text):
        return self.tok(text, add_special_tokens=False)
`,
    });
    expect(names(r)).toEqual([]);
    expect(why(r, 'trainer.DistillTrainer')).toMatch(/trainer/);
    expect(why(r, 'build.build_trainer')).toMatch(/trainer/);
    expect(why(r, 'test_rendering.test_render_messages')).toBe('it is test code');
    expect(why(r, 'test_helpers_case.LoaderCase')).toBe('it is test code');
    expect(why(r, 'backend.InferenceBackend')).toMatch(/only tokenizes with `add_special_tokens=False`/);
  });

  it('takes a loader by name only when several scripts import it, with its loader module siblings', () => {
    const loader = `from transformers import AutoTokenizer, AutoModelForCausalLM

def load_tokenizer(name):
    return AutoTokenizer.from_pretrained(name)

def load_model(name):
    return AutoModelForCausalLM.from_pretrained(name)
`;
    const script = (n: string) => `from lab.model.loader import load_tokenizer, load_model\n\ndef main():\n    load_model("${n}")\n${MAIN}`;
    const used = infer({ 'lab/__init__.py': '', 'lab/model/__init__.py': '', 'lab/model/loader.py': loader, 'scripts/a.py': script('a'), 'scripts/b.py': script('b') });
    expect(names(used).sort()).toEqual(['lab.model.loader.load_model', 'lab.model.loader.load_tokenizer']);

    // imported by the framework's own modules and by tests only: nothing says experiments load through it
    const library = (n: string) => `from lab.model.loader import load_tokenizer, load_model\n\ndef run_${n}():\n    return load_model("${n}")\n`;
    const internal = infer({
      'lab/__init__.py': '',
      'lab/model/__init__.py': '',
      'lab/model/loader.py': loader,
      'lab/train/__init__.py': '',
      'lab/train/sft.py': library('sft'),
      'lab/train/dpo.py': library('dpo'),
      'tests/test_loader.py': `from lab.model.loader import load_model\n\ndef test_load():\n    load_model("x")\n`,
      'tests/test_other.py': `from lab.model.loader import load_model\n\ndef test_other():\n    load_model("y")\n`,
      'scripts/a.py': script('a'),
    });
    expect(names(internal)).toEqual([]);
    expect(why(internal, 'lab.model.loader.load_model')).toMatch(/only 1 script imports it/);
  });

  it('does not take a data loader for a model loader, however many scripts import it', () => {
    const data = `from transformers import AutoTokenizer

def build_dataset(name, rows):
    tok = AutoTokenizer.from_pretrained(name)
    return [tok(r["text"], add_special_tokens=False) for r in rows]
`;
    const script = (n: string) => `from lab.data_loader import build_dataset\n\ndef main():\n    build_dataset("${n}", [])\n${MAIN}`;
    const r = infer({ 'lab/__init__.py': '', 'lab/data_loader.py': data, 'scripts/a.py': script('a'), 'scripts/b.py': script('b'), 'scripts/c.py': script('c') });
    expect(names(r)).toEqual([]);
  });

  it('a config glob can make a test folder hold the loader, or make a script test code', () => {
    expect(names(infer({ 'tests/clean_model_loader.py': CLEAN_LOADER }))).toEqual([]);
    expect(names(infer({ 'tests/clean_model_loader.py': CLEAN_LOADER }, { library: ['tests/clean_model_loader.py'] }))).toEqual([
      'clean_model_loader.CleanModelLoader',
    ]);
    expect(names(infer({ 'clean_model_loader.py': CLEAN_LOADER }, { test: ['clean_model_loader.py'] }))).toEqual([]);
  });

  it('lists the runners-up that had strong evidence first', () => {
    const r = infer({
      'utils/__init__.py': '',
      'utils/clean_model_loader.py': CLEAN_LOADER,
      'scripts/own_loader.py': `from transformers import AutoTokenizer\n\ndef get_tok(name):\n    tok = AutoTokenizer.from_pretrained(name)\n    tok.chat_template = None\n    return tok\n`,
      'scripts/a.py': `from utils.clean_model_loader import CleanModelLoader\n\ndef main():\n    CleanModelLoader("x")\n${MAIN}`,
      'eval/backend.py': `from transformers import AutoTokenizer\n\nclass Backend:\n    def __init__(self, name):\n        self.tok = AutoTokenizer.from_pretrained(name)\n        self.tok("x", add_special_tokens=False)\n`,
    });
    expect(names(r)).toEqual(['utils.clean_model_loader.CleanModelLoader']);
    expect(r.rejected.map((l) => l.name)).toEqual(['own_loader.get_tok', 'backend.Backend']);
    expect(r.rejected[0]?.why).toMatch(/weaker evidence than `utils.clean_model_loader.CleanModelLoader`/);
  });
});
