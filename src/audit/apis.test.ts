import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FileFacts } from '../analysis/facts.js';
import { loadPythonFrontEnd, type PythonFrontEnd } from '../analysis/python/index.js';
import { loadScriptFrontEnd, type ScriptFrontEnd } from '../analysis/typescript/index.js';
import { canonicalQname, LOAD_WORDS, modelLoadKind, TEMPLATE_WORDS, templateApplication } from './apis.js';
import { parsedCold } from './scan.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const abs = path.join(e.parentPath, e.name);
    if (e.isFile() && ext.test(e.name) && e.name !== 'rule.ts' && !abs.includes('node_modules')) out.push(abs);
  }
  return out;
}

let py: PythonFrontEnd;
let scripts: ScriptFrontEnd;
beforeAll(async () => {
  py = await loadPythonFrontEnd();
  scripts = await loadScriptFrontEnd();
});

/** What a file's calls ask of its text: each load and each template application, with the words it needs. */
function needs(facts: FileFacts): { call: string; words: readonly string[] }[] {
  const out: { call: string; words: readonly string[] }[] = [];
  for (const c of facts.calls) {
    if (modelLoadKind(c, facts)) out.push({ call: c.qname, words: LOAD_WORDS });
    if (templateApplication(c) || canonicalQname(c.qname) === 'transformers.pipeline()') out.push({ call: c.qname, words: TEMPLATE_WORDS });
  }
  return out;
}

/** The calls whose file holds none of the words their rule's prefilter requires, in its text or its path. */
function missed(text: string, facts: FileFacts): string[] {
  return needs(facts)
    .filter((n) => !n.words.some((w) => text.includes(w) || facts.path.includes(w)))
    .map((n) => n.call);
}

describe('the words LOAD001 and TMPL001 require', () => {
  it('are in every file where a load or a template application is found (Python sources of the repository)', () => {
    const files = ['audits', 'examples', 'test/fixtures'].flatMap((d) => sources(path.join(ROOT, d), /\.pyi?$/));
    expect(files.length).toBeGreaterThan(50);
    let found = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const facts = py.extract(text, path.relative(ROOT, f));
      found += needs(facts).length;
      expect(missed(text, facts), f).toEqual([]);
    }
    expect(found).toBeGreaterThan(50);
  });

  it('are in every such TypeScript and JavaScript file', () => {
    const files = ['audits', 'examples', 'test/fixtures'].flatMap((d) => sources(path.join(ROOT, d), /\.[cm]?[jt]sx?$/));
    let found = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const facts = scripts.extract(text, path.relative(ROOT, f), /\.[cm]?tsx?$/.test(f) ? 'typescript' : 'javascript');
      found += needs(facts).length;
      expect(missed(text, facts), f).toEqual([]);
    }
    expect(found).toBeGreaterThan(5);
  });

  it('survive aliases: the name a load or a chat call resolves to stays in the text', () => {
    const cases = [
      'from vllm import LLM as Engine2\nm = Engine2(model="Qwen/Qwen2.5-7B")\n',
      'import transformers as T\nm = T.AutoModelForCausalLM.from_pretrained("gpt2")\n',
      'from transformers import pipeline as make\np = make("text-generation", model="gpt2")\np([{"role": "user", "content": "hi"}])\n',
      'from openai import OpenAI\nc = OpenAI()\nr = c.chat.completions.create(model="m", messages=[])\n',
      'import litellm as L\nL.completion(model="m", messages=[])\n',
      'from trl import SFTTrainer as T\nt = T(model="Qwen/Qwen2.5-0.5B")\n',
      'from llama_cpp import Llama as L\nm = L(model_path="x.gguf")\nm.create_chat_completion(messages=[])\n',
      'from vllm import LLM\nllm = LLM(model="Qwen/Qwen2.5-7B")\nllm. chat([{"role": "user", "content": "hi"}])\n',
    ];
    for (const src of cases) {
      const facts = py.extract(src, 'scripts/x.py');
      expect(needs(facts).length, src).toBeGreaterThan(0);
      expect(missed(src, facts), src).toEqual([]);
    }
  });

  it('survive names a file takes from its own path: a relative import, a definition of its module', () => {
    const cases: [string, string][] = [
      ['svc/chat/completions/run.py', 'import transformers\nfrom . import create\ncreate(model="Qwen/Qwen2.5-7B", messages=[{"role": "user", "content": "hi"}])\n'],
      ['litellm/__init__.py', 'import transformers\ndef completion(**kw):\n    return kw\ncompletion(model="m", messages=[])\n'],
    ];
    for (const [file, src] of cases) {
      // the scan's prefilter reads the path too: such a file is parsed, though its text names no such call
      expect(parsedCold('python', src, file), file).toBe(true);
      expect(parsedCold('python', src, 'scripts/x.py'), file).toBe(false);
      const facts = py.extract(src, file);
      expect(needs(facts).length, src).toBeGreaterThan(0);
      expect(missed(src, facts), src).toEqual([]);
    }
  });
});
