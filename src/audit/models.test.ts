import { beforeAll, describe, expect, test } from 'vitest';
import { loadPythonFrontEnd, type PythonFrontEnd } from '../analysis/python/index.js';
import { DEFAULT_CONFIG } from '../schemas/config-values.js';
import { FileModels } from './models.js';
import { Project, filesFromSet } from './project.js';

let fe: PythonFrontEnd;
beforeAll(async () => {
  fe = await loadPythonFrontEnd();
});

const project = new Project('/repo', { ...DEFAULT_CONFIG }, filesFromSet(new Set()), []);

/** The verdict for the first `apply_chat_template` call of a file. */
function verdictOf(src: string) {
  const facts = fe.extract(src, 'scripts/x.py');
  const call = facts.calls.find((c) => c.callee.endsWith('apply_chat_template'));
  if (!call) throw new Error('no apply_chat_template call');
  return new FileModels(facts, project).verdictForCall(call);
}

/** The verdict for the first OpenAI-compatible chat request of a file. */
function requestVerdict(src: string) {
  const facts = fe.extract(src, 'scripts/x.py');
  const call = facts.calls.find((c) => c.callee.endsWith('chat.completions.create'));
  if (!call) throw new Error('no chat.completions.create call');
  return new FileModels(facts, project).verdictForCall(call);
}

describe('a chat request\'s model', () => {
  test('a hub id is a checkpoint: its name says base or instruct', () => {
    expect(requestVerdict('r = client.chat.completions.create(model="meta-llama/Llama-3.1-8B", messages=m)\n').kind).toBe('base');
    expect(requestVerdict('r = client.chat.completions.create(model="meta-llama/Llama-3.1-8B-Instruct", messages=m)\n').kind).toBe('instruct');
  });

  test('a name without a slash is what a server calls its model: its checkpoint naming says nothing', () => {
    expect(requestVerdict('r = client.chat.completions.create(model="llama3-70b-8192", messages=m)\n')).toMatchObject({
      kind: 'unknown',
      model: 'llama3-70b-8192',
      reason: '`llama3-70b-8192` is the name a server gives the model it serves, not a checkpoint\'s',
    });
    // given through a name, or only named elsewhere in the file while the request takes a parameter
    expect(requestVerdict('MODEL = "llama3-8b-8192"\nr = client.chat.completions.create(model=MODEL, messages=m)\n').kind).toBe('unknown');
    expect(requestVerdict('MODEL = "llama3-8b-8192"\ndef ask(model, m):\n    return client.chat.completions.create(model=model, messages=m)\n').kind).toBe('unknown');
  });

  test('a bare name the file also loads as a checkpoint keeps the checkpoint\'s verdict', () => {
    const src = 'from transformers import AutoModelForCausalLM\nBASE = "Meta-Llama-3-8B"\nlm = AutoModelForCausalLM.from_pretrained(BASE)\ndef ask(model, m):\n    return client.chat.completions.create(model=model, messages=m)\n';
    expect(requestVerdict(src)).toMatchObject({ kind: 'base', model: 'Meta-Llama-3-8B' });
  });
});

describe('FileModels', () => {
  test('a model taken as a parameter is unknown', () => {
    expect(verdictOf('def f(tok, msgs):\n    return tok.apply_chat_template(msgs, tokenize=False)\n')).toMatchObject({
      kind: 'unknown',
      reason: 'the file names no model',
    });
  });

  test('a guard that demands a chat template makes it instruct', () => {
    const v = verdictOf(`
def f(tok, msgs):
    if tok.chat_template is None:
        raise ValueError("this script needs a chat model")
    return tok.apply_chat_template(msgs, tokenize=False)
`);
    expect(v).toMatchObject({ kind: 'instruct', reason: 'the file stops unless the model has a chat template (line 3)' });
  });

  test('a guard on the name makes it instruct', () => {
    const v = verdictOf(`
def f(model_name, tok, msgs):
    assert "instruct" in model_name.lower(), "pass an instruct model"
    return tok.apply_chat_template(msgs, tokenize=False)
`);
    expect(v).toMatchObject({ kind: 'instruct', reason: 'the file stops unless the model has an instruct/chat name (line 3)' });
  });

  test('a base model the file loads by name wins over a guard', () => {
    const v = verdictOf(`
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained("meta-llama/Llama-3.1-8B")
assert tok.chat_template
text = tok.apply_chat_template(msgs, tokenize=False)
`);
    expect(v.kind).toBe('base');
  });

  test('a hub id no family knows stays unknown, and says which id', () => {
    const v = verdictOf(`
MODEL_NAME = "my-lab/policy-v3"
def f(tok, msgs):
    return tok.apply_chat_template(msgs, tokenize=False)
`);
    expect(v).toMatchObject({ kind: 'unknown' });
    expect(v.reason).toMatch(/my-lab\/policy-v3/);
  });
});
