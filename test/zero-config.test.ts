/**
 * What a project with no provenant configuration gets: only findings a default rule can stand behind.
 * Each case is a real project in a temp folder, audited through the library with the real parser.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit } from '../src/index.js';
import { renderText } from '../src/audit/reporters/text.js';
import { styleFor } from '../src/core/style.js';
import { useTmpProjects } from './helpers/tmp.js';

const project = useTmpProjects({});

const findings = async (dir: string) =>
  (await audit({ paths: [dir], cwd: dir, noCache: true })).findings.map((f) => `${f.path}:${f.span.line} ${f.code} ${f.severity}`);

describe('a project with no configuration', () => {
  it('does not report `chat_template = None` when there is no sanctioned loader to do it instead', async () => {
    const script = [
      'from transformers import AutoTokenizer',
      '',
      'tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")',
      'tok.chat_template = None',
      '',
    ].join('\n');
    expect((await findings(project({ 'gen.py': script }))).filter((f) => f.includes('TMPL002'))).toEqual([]);
    const guarded = project({
      'gen.py': script,
      'provenant.toml': 'sanctioned-loaders = ["loader.Clean"]\n',
      'loader.py': 'class Clean:\n    pass\n',
    });
    expect((await findings(guarded)).filter((f) => f.includes('TMPL002'))).toEqual(['gen.py:4 TMPL002 warning']);
  });

  it('reports a template installed on an instruct tokenizer nowhere, and on a base tokenizer as an error', async () => {
    const dir = project({
      'judge.py': 'from transformers import AutoTokenizer\n\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B-Instruct")\ntok.chat_template = "{{ messages }}"\n',
      'gen.py': 'from transformers import AutoTokenizer\n\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\ntok.chat_template = "{{ messages }}"\ntok.save_pretrained("out")\n',
    });
    expect((await findings(dir)).filter((f) => f.includes('TMPL002'))).toEqual(['gen.py:4 TMPL002 error']);
  });

  it('reports a YAML file the reader stops in once, at info', async () => {
    const yaml = ['steps:', '  - run: python gen.py', "  - context: 'a plain scalar", 'folded: over a line', "    that PyYAML accepts'", '  - name: a: b', ''].join('\n');
    const dir = project({ 'pipeline.yaml': yaml, 'gen.py': 'print(1)\n' });
    const parse = (await findings(dir)).filter((f) => f.includes('PARSE001'));
    expect(parse).toHaveLength(1);
    expect(parse[0]).toMatch(/^pipeline\.yaml:\d+ PARSE001 info$/);
  });

  it('roots at a project folder whose name has a dot, not at a config above it', async () => {
    const outer = project({ 'provenant.toml': 'select = ["LOAD002"]\n', 'Qwen2.5-Math/.git/HEAD': 'ref: refs/heads/main\n', 'Qwen2.5-Math/eval.py': 'print(1)\n' });
    const inner = path.join(outer, 'Qwen2.5-Math');
    const result = await audit({ paths: [inner], cwd: inner, noCache: true });
    expect(result.root).toBe(inner);
    expect(result.configSource).toBeNull();
  });

  it('notes a template installed in a file that trains, at info: the recipe for a chat model', async () => {
    const dir = project({
      'sft.py': [
        'from transformers import AutoModelForCausalLM, AutoTokenizer',
        'from trl import SFTTrainer, setup_chat_format',
        'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B")',
        'tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")',
        'model, tok = setup_chat_format(model, tok)',
        'SFTTrainer(model=model, processing_class=tok, train_dataset=None).train()',
        '',
      ].join('\n'),
    });
    expect((await findings(dir)).filter((f) => f.includes('TMPL002'))).toEqual(['sft.py:5 TMPL002 info']);
  });

  it('leaves a template whose result is only printed alone, and does not call a model base once a trainer ran on it', async () => {
    const head = ['from transformers import AutoModelForCausalLM, AutoTokenizer', 'from trl import SFTTrainer', 'BASE = "Qwen/Qwen2.5-7B"', 'tok = AutoTokenizer.from_pretrained(BASE)', 'model = AutoModelForCausalLM.from_pretrained(BASE)', 'msgs = [{"role": "user", "content": "hi"}]'];
    const dir = project({
      'demo.py': [...head, 'print(tok.apply_chat_template(msgs, tokenize=False))', ''].join('\n'),
      'before.py': [...head, 'ids = tok.apply_chat_template(msgs, return_tensors="pt")', 'model.generate(ids)', ''].join('\n'),
      'after.py': [...head, 'SFTTrainer(model=model, processing_class=tok, train_dataset=None).train()', 'ids = tok.apply_chat_template(msgs, return_tensors="pt")', 'model.generate(ids)', ''].join('\n'),
    });
    expect((await findings(dir)).filter((f) => f.includes('TMPL001'))).toEqual(['after.py:8 TMPL001 info', 'before.py:7 TMPL001 error']);
  });

  it('never says "All clear" when a file was skipped unread', async () => {
    const dir = project({ 'bad.ipynb': '{not json', 'ok.py': 'print(1)\n' });
    const result = await audit({ paths: [dir], cwd: dir, noCache: true });
    const text = renderText(result, { cwd: dir, style: styleFor({ isTTY: false }, {}) });
    expect(text).not.toContain('All clear');
    expect(text).toContain('1 file skipped');
  });
});

