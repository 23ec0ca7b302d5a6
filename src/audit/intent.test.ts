import { beforeAll, describe, expect, it } from 'vitest';
import type { CallFact, FileFacts } from '../analysis/facts.js';
import { loadPythonFrontEnd, type PythonFrontEnd } from '../analysis/python/index.js';
import { reachesModel, templateIntent } from './intent.js';

let fe: PythonFrontEnd;
beforeAll(async () => {
  fe = await loadPythonFrontEnd();
});

const facts = (src: string): FileFacts => fe.extract(src, 'scripts/x.py');

/** The intent of every template application, by line. */
function intents(src: string): Record<number, string> {
  const f = facts(src);
  const out: Record<number, string> = {};
  for (const c of f.calls) {
    if (!/apply_chat_template$|\.map$/.test(c.callee) || (c.callee.endsWith('.map') && !c.args.length)) continue;
    const i = templateIntent(c, f);
    out[c.span.line] = i.kind === 'inference' ? `inference ${i.via}` : i.kind === 'training' ? `training ${i.evidence}` : i.kind;
  }
  return out;
}

describe('reachesModel', () => {
  it('takes prompt slots of generation and forward passes, not configuring slots', () => {
    const f = facts(`
from vllm import LLM, SamplingParams
llm = LLM(model="m")
STOP = "<|im_end|>"
params = SamplingParams(stop=[STOP])
llm.generate("plain", params)
PROMPT = "<|im_start|>user\\n"
inputs = tok(PROMPT, return_tensors="pt")
scores = reward_model(**inputs).logits
`);
    const at = (fragment: string) => reachesModel(f.strings.find((s) => s.value.includes(fragment))?.flow, f);
    expect(at('<|im_end|>')).toBeNull();
    expect(at('<|im_start|>')?.how).toBe('a forward pass through `reward_model`');
  });

  it('reads a thread running generate as generation', () => {
    const f = facts(`
from threading import Thread
text = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
kwargs = {"inputs": tok(text, return_tensors="pt")["input_ids"], "streamer": streamer}
Thread(target=model.generate, kwargs=kwargs).start()
`);
    const call = f.calls.find((c: CallFact) => c.callee.endsWith('apply_chat_template'));
    expect(reachesModel(call?.flow, f)?.how).toBe('`model.generate` in a thread');
  });
});

describe('templateIntent', () => {
  it('tells generation, training records, wrappers and inspection apart', () => {
    expect(
      intents(`
from trl import apply_chat_template

def sample(llm, tok, q):
    prompt = tok.apply_chat_template([{"role": "user", "content": q}], tokenize=False, add_generation_prompt=True)
    out = llm.generate(prompt)
    return {"prompt": prompt, "response": out}

def to_text(row):
    return {"text": tok.apply_chat_template(row["messages"], tokenize=False)}

def to_pair(row):
    row["prompt"] = tok.apply_chat_template(row["p"], tokenize=False, add_generation_prompt=True)
    row["chosen"] = tok.apply_chat_template(row["c"], tokenize=False)
    return row

def prompt_only(row):
    return {"prompt": tok.apply_chat_template(row["p"], tokenize=False, add_generation_prompt=True)}

class Proxy:
    def apply_chat_template(self, *args, **kwargs):
        return self.inner.apply_chat_template(*args, **kwargs)

def check(tok):
    rendered = tok.apply_chat_template([{"role": "user", "content": "x"}], tokenize=False)
    return rendered.strip() != ""

ds = raw.map(apply_chat_template, fn_kwargs={"tokenizer": tok})
`),
    ).toEqual({
      5: 'inference `llm.generate`',
      10: 'training written into records as `text`',
      13: 'training written into records as `chosen`',
      14: 'training written into records as `chosen`',
      18: 'unknown',
      22: 'wrapper',
      25: 'inspected',
      28: 'training TRL formats example records',
    });
  });

  it('reads a result that is only printed or decoded back to text as inspected, as a tutorial cell does', () => {
    const src = `
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained("m")
msgs = [{"role": "user", "content": "hi"}]
ids = tok.apply_chat_template(msgs, tokenize=True, add_generation_prompt=True)
print("decoded:", tok.decode(ids))
text = tok.apply_chat_template(msgs, tokenize=False)
print("with template:", text)
`;
    expect(Object.values(intents(src))).toEqual(['inspected', 'inspected']);
  });

  it('does not take a project helper that writes data for generation because its name starts with generate', () => {
    const src = `
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained("m")
rows = []
for ex in examples:
    rows.append({"text": tok.apply_chat_template(ex["messages"], tokenize=False)})
generate_sft_file(rows, "data/sft.jsonl")
`;
    expect(Object.values(intents(src)).some((i) => i.startsWith('inference'))).toBe(false);
  });

  it('reads a template beside its function\'s records as training use', () => {
    expect(
      intents(`
def transform(row, tokenizer):
    full = tokenizer.apply_chat_template(row["messages"], tokenize=False)
    prefix = tokenizer.apply_chat_template(row["messages"][:-1], tokenize=False)
    n = len(tokenizer(prefix)["input_ids"])
    ids = tokenizer(full)["input_ids"]
    return {"input_ids": ids, "labels": [-100] * n + ids[n:]}
`),
    ).toEqual({ 3: 'training written into records as `input_ids`', 4: 'training beside the records built at line 3' });
  });
});

describe('templateIntent on results looked at', () => {
  it('reads a call made in a try body for its exception as a probe; a dropped result stays unknown', () => {
    expect(
      intents(`
def style(tokenizer):
    try:
        tokenizer.apply_chat_template([{"role": "user", "content": "x"}], tokenize=False)
        return "hf"
    except Exception:
        return None

tok.apply_chat_template(messages)
`),
    ).toEqual({ 4: 'inspected', 9: 'unknown' });
  });
});
