import { beforeAll, describe, expect, it } from 'vitest';
import type { FileFacts } from '../facts.js';
import { loadPythonFrontEnd, type PythonFrontEnd } from './index.js';

let fe: PythonFrontEnd;
beforeAll(async () => {
  fe = await loadPythonFrontEnd();
});

const facts = (src: string, path = 'scripts/x.py'): FileFacts => fe.extract(src, path);
const qnames = (f: FileFacts) => f.calls.map((c) => c.qname);

describe('qualified names', () => {
  it('follows module aliases, member aliases and local rebinding', () => {
    const f = facts(`
import transformers as tf
from transformers import AutoTokenizer as T
import transformers
Auto = transformers.AutoTokenizer
tf.AutoModelForCausalLM.from_pretrained("m")
T.from_pretrained("m")
Auto.from_pretrained("m")
`);
    expect(qnames(f)).toEqual([
      'transformers.AutoModelForCausalLM.from_pretrained',
      'transformers.AutoTokenizer.from_pretrained',
      'transformers.AutoTokenizer.from_pretrained',
    ]);
    expect(f.calls.every((c) => c.resolved)).toBe(true);
  });

  it('gives a receiver bound to a call that call\'s name', () => {
    const f = facts(`
from transformers import AutoTokenizer
from vllm import LLM
tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-32B")
text = tok.apply_chat_template(msgs, tokenize=False)
llm = LLM(model="Qwen/Qwen2.5-32B")
llm.chat(msgs)
`);
    expect(qnames(f)).toContain('transformers.AutoTokenizer.from_pretrained().apply_chat_template');
    expect(qnames(f)).toContain('vllm.LLM().chat');
    const apply = f.calls.find((c) => c.qname.endsWith('apply_chat_template'));
    expect(apply?.kwargs.tokenize).toEqual({ kind: 'bool', value: false });
  });

  it('resolves self attributes set in any method of the class', () => {
    const f = facts(`
from transformers import AutoTokenizer
class Gen:
    def __init__(self, name):
        self.tokenizer = AutoTokenizer.from_pretrained(name)
        self.tokenizer.chat_template = None
    def run(self, text):
        return self.tokenizer(text, add_special_tokens=False)
`);
    const call = f.calls.find((c) => c.scope === 'Gen.run');
    expect(call?.qname).toBe('transformers.AutoTokenizer.from_pretrained()');
    expect(call?.kwargs.add_special_tokens).toEqual({ kind: 'bool', value: false });
    const assign = f.assigns.find((a) => a.target === 'self.tokenizer.chat_template');
    expect(assign?.targetQname).toBe('transformers.AutoTokenizer.from_pretrained().chat_template');
    expect(assign?.value).toEqual({ kind: 'none' });
    expect(assign?.scope).toBe('Gen.__init__');
  });

  it('does not resolve parameters, and a later local rebinding shadows an import', () => {
    const f = facts(`
from vllm import LLM
def f(tokenizer, LLM):
    tokenizer.apply_chat_template(m)
    LLM(model="x")
`);
    expect(f.calls.map((c) => [c.qname, c.resolved])).toEqual([
      ['tokenizer.apply_chat_template', false],
      ['LLM', false],
    ]);
  });

  it('resolves relative imports against the file\'s package', () => {
    const f = facts('from .utils.loader import Clean\nfrom .. import top\nClean()\ntop()\n', 'pkg/sub/mod.py');
    expect(qnames(f)).toEqual(['pkg.sub.utils.loader.Clean', 'pkg.top']);
  });
});

describe('facts', () => {
  it('records imports, docstring, defs and argparse arguments', () => {
    const f = facts(`"""Generate SFT data. Second sentence."""
import argparse
def main():
    """Entry point."""
    p = argparse.ArgumentParser()
    p.add_argument("--model", type=str, default="Qwen/Qwen2.5-32B", help="model id")
    p.add_argument("--n", type=int, default=500)
`);
    expect(f.docstring).toBe('Generate SFT data. Second sentence.');
    expect(f.imports).toMatchObject([{ module: 'argparse', name: null, alias: null, level: 0 }]);
    expect(f.defs).toMatchObject([{ name: 'main', qualname: 'main', kind: 'function', docstring: 'Entry point.' }]);
    expect(f.cliArgs).toMatchObject([
      { flags: ['--model'], type: 'str', default: { kind: 'str', value: 'Qwen/Qwen2.5-32B' }, help: 'model id' },
      { flags: ['--n'], type: 'int', default: { kind: 'num', value: 500 }, help: null },
    ]);
  });

  it('holds only what JSON keeps: a negative literal JSON has no number for stays an expression', () => {
    const f = facts('a = -1j\nb = -1e999\nc = -2.5\nd = -0x10\n');
    // facts are cached as JSON text: a cold run and a warm one must see the same values
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
    expect(f.assigns.map((a) => a.value)).toEqual([
      { kind: 'expr', text: '-1j' },
      { kind: 'expr', text: '-1e999' },
      { kind: 'num', value: -2.5 },
      { kind: 'num', value: -16 },
    ]);
  });

  it('fingerprints survive renaming identifiers and strings but not a changed structure', () => {
    const a = facts('def f(x):\n    return x.count("a") + 1\n').defs[0];
    const b = facts('def g(y):  # other\n    return y.count("b") + 2\n').defs[0];
    const c = facts('def h(y):\n    return y.count("b") - 2\n').defs[0];
    expect(a?.fingerprint).toBe(b?.fingerprint);
    expect(a?.fingerprint).not.toBe(c?.fingerprint);
    expect(a?.tokens).toBeGreaterThan(5);
  });

  it('gives strings their roles: docstring and help strings are not prompts', () => {
    const f = facts(`"""Mentions <|im_start|> in a docstring."""
p.add_argument("--x", help="never use <|im_start|>")
assert "<|im_start|>" not in out
PROMPT = "<|im_start|>user\\n"
gen(stop=["<|im_end|>"])
`);
    expect(f.strings.map((s) => [s.role, s.key ?? null, s.span.line])).toEqual([
      ['keyword', 'help', 2],
      ['comparison', null, 3],
      ['assignment', 'PROMPT', 4],
      ['collection', 'stop', 5],
    ]);
  });

  it('finds script calls in subprocess lists, strings and command lists', () => {
    const f = facts(`
import subprocess, os, sys
subprocess.run([sys.executable, "scripts/train.py", "--n", "5"], check=True)
os.system("bash scripts/launch.sh")
run_step("gen", ["python", "-m", "pkg.gen"])
shells = ["bash", "ksh"]
`);
    expect(f.scriptCalls.map((s) => [s.runner, s.target, s.module, s.via, s.span.line])).toEqual([
      ['python', 'scripts/train.py', false, 'subprocess', 3],
      ['bash', 'scripts/launch.sh', false, 'os.system', 4],
      ['python', 'pkg.gen', true, 'command-list', 5],
    ]);
  });

  it('analyses what parses in a broken file and reports the error', () => {
    const f = facts('from transformers import AutoTokenizer\ndef broken(:\n    pass\nAutoTokenizer.from_pretrained("m")\n');
    expect(f.parseErrors.length).toBeGreaterThan(0);
    expect(f.parseErrors[0]?.message).toMatch(/^syntax error/);
    expect(qnames(f)).toContain('transformers.AutoTokenizer.from_pretrained');
  });

  it('recovers calls the grammar misreads (starred calls, `type(x).attr = v`)', () => {
    const f = facts('s = {*range(3)}\nargs = *a, *kwargs.values()\ntype(self).saved = details\n');
    expect(f.calls.map((c) => [c.callee, c.span.line])).toEqual([
      ['range', 1],
      ['kwargs.values', 2],
      ['type', 3],
    ]);
    expect(f.assigns.find((a) => a.span.line === 3)).toMatchObject({ target: 'type().saved', value: { kind: 'name', text: 'details' } });
  });

  it('positions are 1-based lines and UTF-16 columns', () => {
    const f = facts('x = "é😀"; f(1)\n');
    expect(f.calls[0]?.span).toEqual({ line: 1, col: 12, endLine: 1, endCol: 16 });
  });
});

describe('chat-model guards', () => {
  it('records statements that stop unless the model is a chat model', () => {
    const f = facts(`
def run(model_name, tokenizer):
    if tokenizer.chat_template is None:
        raise ValueError("needs a chat model")
    assert tokenizer.chat_template, "no template"
    assert getattr(tokenizer, "chat_template", None) is not None
    if not tokenizer.chat_template: sys.exit(1)
    if "instruct" not in model_name.lower():
        raise SystemExit("pass an instruct model")
    elif (tok.chat_template is None):
        parser.error("no template")
    assert "chat" in args.model_name_or_path
`);
    expect(f.chatGuards?.map((g) => [g.span.line, g.on])).toEqual([
      [3, 'template'],
      [5, 'template'],
      [6, 'template'],
      [7, 'template'],
      [8, 'name'],
      [10, 'template'],
      [12, 'name'],
    ]);
  });

  it('leaves out tests that install a template, switch on it, or check something else', () => {
    const f = facts(`
if tokenizer.chat_template is None:
    tokenizer.chat_template = DEFAULT_TEMPLATE
if tokenizer.chat_template is None and args.use_chat_template:
    raise ValueError("no template")
if tokenizer.chat_template:
    raise ValueError("base models only")
is_chat = "instruct" in model_name.lower()
if "chat" not in args.mode:
    raise ValueError("unknown mode")
assert tokenizer.chat_template is None
`);
    expect(f.chatGuards).toBeUndefined();
  });
});

describe('splats', () => {
  it('names what is passed as *x or **x', () => {
    const f = facts('model.generate(**inputs, max_new_tokens=8)\nf(*self.args, **{"a": 1})\n');
    expect(f.calls.map((c) => c.splats)).toEqual([['inputs'], ['self.args']]);
  });
});

describe('copies marked `# Copied from`', () => {
  it('marks the def under the comment, above its decorators, and every method of a marked class', () => {
    const f = facts(`
# Copied from diffusers.models.attention.rotate_half
def rotate_half(x):
    return x

@torch.no_grad()
# Copied from diffusers.utils.not_this_one
def kept(x):
    return x

# Copied from diffusers.pipelines.flux.FluxPipeline.encode with Flux->Sana
@torch.no_grad()
def encode(x):
    return x

# Copied from transformers.models.llama.modeling_llama.LlamaMLP
class SanaMLP:
    def forward(self, x):
        return x

class Own:
    # Copied from transformers.models.llama.modeling_llama.LlamaAttention.forward
    def forward(self, x):
        return x

    def mine(self, x):
        return x
`);
    expect(f.defs.map((d) => [d.qualname, d.copiedFrom ?? null])).toEqual([
      ['rotate_half', 'diffusers.models.attention.rotate_half'],
      ['kept', null],
      ['encode', 'diffusers.pipelines.flux.FluxPipeline.encode'],
      ['SanaMLP', 'transformers.models.llama.modeling_llama.LlamaMLP'],
      ['SanaMLP.forward', 'transformers.models.llama.modeling_llama.LlamaMLP'],
      ['Own', null],
      ['Own.forward', 'transformers.models.llama.modeling_llama.LlamaAttention.forward'],
      ['Own.mine', null],
    ]);
  });
});
