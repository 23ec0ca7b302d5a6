import { beforeAll, describe, expect, it } from 'vitest';
import type { FileFacts, FlowFact } from '../facts.js';
import { loadPythonFrontEnd, type PythonFrontEnd } from './index.js';

let fe: PythonFrontEnd;
beforeAll(async () => {
  fe = await loadPythonFrontEnd();
});

const facts = (src: string): FileFacts => fe.extract(src, 'scripts/x.py');

/** `callee:slot` for every call a flow reaches. */
function reached(f: FileFacts, flow: FlowFact | undefined): string[] {
  return (flow?.calls ?? []).map((h) => `${f.calls[h.call]?.callee}:${h.slot}`);
}

function stringFlow(f: FileFacts, fragment: string): FlowFact | undefined {
  const s = f.strings.find((x) => x.value.includes(fragment));
  expect(s, `no string fact with ${fragment}`).toBeDefined();
  return s?.flow;
}

describe('string flow', () => {
  it('follows a name, a return and a tokenizer call to generate(**inputs)', () => {
    const f = facts(`
def build_prompt(instruction):
    prompt = f"<|im_start|>user\\n{instruction}<|im_end|>\\n<|im_start|>assistant\\n"
    return prompt

def answer(tokenizer, model, instruction):
    inputs = tokenizer(build_prompt(instruction), return_tensors="pt").to(model.device)
    out = model.generate(**inputs, max_new_tokens=64)
    return tokenizer.decode(out[0])
`);
    const flow = stringFlow(f, '<|im_start|>user');
    expect(reached(f, flow)).toEqual(expect.arrayContaining(['tokenizer:0', 'tokenizer().to:.', 'model.generate:**']));
    expect(flow?.returns).toEqual(expect.arrayContaining(['build_prompt', 'answer']));
  });

  it('follows a value into a parameter of a function of the same file', () => {
    const f = facts(`
TEMPLATE = "[INST] {q} [/INST]"

def run(llm, prompt):
    return llm.generate([prompt])

run(engine, TEMPLATE.format(q="x"))
`);
    expect(reached(f, stringFlow(f, '[INST]'))).toEqual(expect.arrayContaining(['TEMPLATE.format:.', 'llm.generate:0']));
  });

  it('ends at configuring slots and lookups: stop lists, eos lists, token ids, chat_template=', () => {
    const f = facts(`
STOP = ["<|im_end|>"]
params = SamplingParams(temperature=0.7, stop=STOP)
llm.generate(prompts, params)
ids = [tok.eos_token_id, tok.convert_tokens_to_ids("<|eot_id|>")]
model.generate(**inputs, eos_token_id=ids)
TEMPLATE = "{% for m in messages %}<|im_start|>{{ m['content'] }}{% endfor %}"
text = tok.apply_chat_template(msgs, chat_template=TEMPLATE, tokenize=False)
llm.generate(text)
`);
    expect(reached(f, stringFlow(f, '<|im_end|>'))).toEqual(['SamplingParams:stop']);
    expect(reached(f, stringFlow(f, '<|eot_id|>'))).toEqual([]);
    expect(reached(f, stringFlow(f, '{% for'))).toEqual(['tok.apply_chat_template:chat_template']);
  });

  it('does not follow class attributes (a format table is a definition)', () => {
    const f = facts(`
class ChatML:
    roles = ("<|im_start|>user", "<|im_start|>assistant")

    def render(self, turns):
        return self.roles[0] + turns[0]

llm.generate(ChatML().render(["hi"]))
`);
    expect(reached(f, stringFlow(f, '<|im_start|>user'))).toEqual([]);
  });

  it('records keys written into records and follows the record to a dataset map', () => {
    const f = facts(`
def to_text(row):
    row["text"] = tok.apply_chat_template(row["messages"], tokenize=False)
    return row

data = raw.map(to_text)
`);
    const call = f.calls.find((c) => c.callee.endsWith('apply_chat_template'));
    expect(call?.flow?.keys).toEqual(['text']);
    expect(call?.flow?.returns).toEqual(['to_text']);
    expect(reached(f, call?.flow)).toContain('raw.map:0');
  });

  it('keeps a module name apart from a function that binds the same name itself', () => {
    const f = facts(`
ids = tok.apply_chat_template(messages)

def score(text):
    ids = tok(text).input_ids
    return model(ids)
`);
    const call = f.calls.find((c) => c.callee.endsWith('apply_chat_template'));
    expect(reached(f, call?.flow)).toEqual([]);
  });

  it('sees a read in a nested function whose keyword argument has the same name', () => {
    const f = facts(`
def turn(self, conversation):
    input_ids = self.tokenizer.apply_chat_template(conversation, add_generation_prompt=True)

    def worker():
        self.model.generate(input_ids=input_ids)

    worker()
`);
    const call = f.calls.find((c) => c.callee.endsWith('apply_chat_template'));
    expect(reached(f, call?.flow)).toContain('self.model.generate:input_ids');
  });

  it('notes a value that ends in a raise', () => {
    const f = facts(`
try:
    x = run()
except OSError as exc:
    raise Fallback(f"no response; placeholder not written {exc}") from exc
`);
    expect(stringFlow(f, 'placeholder')?.raised).toBe(true);
  });

  it('survives recursion and self-reference', () => {
    const f = facts(`
def wrap(prompt):
    return wrap("<|im_start|>" + prompt)

p = "<|im_end|>"
p = p + p
llm.generate(p)
`);
    expect(stringFlow(f, '<|im_start|>')?.partial).toBeUndefined();
    expect(reached(f, stringFlow(f, '<|im_end|>'))).toContain('llm.generate:0');
  });
});

describe('placeholder guards', () => {
  it('names the value a placeholder stands in for', () => {
    const f = facts(`
def fill(llm, prompt):
    try:
        response = llm.generate(prompt)
    except Exception:
        response = ""
    if not response:
        response = "[placeholder response]"
    text = response or "placeholder text"
    if reply is not None:
        keep(reply)
    else:
        keep("dummy response")
    return response
`);
    const guards = f.strings.filter((s) => s.guard).map((s) => `${s.value}:${s.guard}`);
    expect(guards).toEqual(['[placeholder response]:response', 'placeholder text:response', 'dummy response:reply']);
    expect(f.assigns.find((a) => a.target === 'response' && a.inExcept)?.value).toEqual({ kind: 'str', value: '' });
  });
});

describe('rebinding', () => {
  it('leaves out reads after a later rebinding in the same block, keeps reads the rebinding itself makes', () => {
    const f = facts(`
def judge_then_generate(tok, llm, judge, q):
    text = tok.apply_chat_template([{"role": "user", "content": q}], tokenize=False)
    score = judge.score(text)
    text = "Instruction: " + q + "\\nResponse:"
    return llm.generate(text), score

def extend(llm, q):
    prompt = "<|im_start|>user\\n"
    prompt = prompt + q
    return llm.generate(prompt)
`);
    const call = f.calls.find((c) => c.callee.endsWith('apply_chat_template'));
    expect(reached(f, call?.flow)).toEqual(['judge.score:0']);
    expect(reached(f, stringFlow(f, '<|im_start|>'))).toEqual(['llm.generate:0']);
  });
});

describe('bad input', () => {
  it('follows names after non-ASCII text and through a file with syntax errors', () => {
    const f = facts(`
# 中文注释：提示词 🚀
%pip install vllm
greeting = "你好"
prompt = f"<|im_start|>user\\n{greeting}<|im_end|>\\n"
def broken(:
    pass
outputs = llm.generate(prompt)
`);
    expect(reached(f, stringFlow(f, '<|im_start|>'))).toEqual(['llm.generate:0']);
  });
});
