import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FileFacts } from '../facts.js';
import { loadScriptFrontEnd, type ScriptFrontEnd, type ScriptLanguage } from './index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let fe: ScriptFrontEnd;
beforeAll(async () => {
  fe = await loadScriptFrontEnd();
});

const facts = (src: string, file = 'src/x.ts', language: ScriptLanguage = 'typescript'): FileFacts => fe.extract(src, file, language);
const own = (rel: string): FileFacts => facts(readFileSync(path.join(REPO, rel), 'utf8'), rel);
const qnames = (f: FileFacts) => f.calls.map((c) => c.qname);

describe('provenant’s own sources', () => {
  it('takes the leading JSDoc as the file docstring and lists imports with candidates', () => {
    const f = own('src/analysis/launch/index.ts');
    expect(f.docstring?.split('\n')[0]).toBe('Launcher front ends: shell scripts, Makefiles and YAML files → script calls. Also the shell-word');
    expect(f.docstring).not.toMatch(/^\s*\*|\*\//m);
    const errors = f.imports.find((i) => i.module === '../../core/errors.js');
    expect(errors).toMatchObject({ name: 'BugError', alias: null, level: 0, scope: '<module>' });
    expect(errors?.candidates?.[0]).toBe('src/core/errors.ts');
    // a re-export is an import of the module too
    expect(f.imports.some((i) => i.module === './argv.js' && i.name === 'scriptCallsFromWords')).toBe(true);
    const dynamic = f.imports.find((i) => i.module === './yaml.js');
    expect(dynamic).toMatchObject({ name: null, scope: 'loadYamlFrontEnd' });
    expect(f.defs.map((d) => d.qualname)).toEqual(['loadYamlFrontEnd', 'languageForPath', 'extractLauncherFacts']);
    expect(f.parseErrors).toEqual([]);
    expect(f.lines).toBe(readFileSync(path.join(REPO, 'src/analysis/launch/index.ts'), 'utf8').split('\n').length);
  });

  it('reads parseArgs options with their help from the usage text', () => {
    const f = own('src/cli/commands/audit.ts');
    const format = f.cliArgs.find((a) => a.dest === 'format');
    expect(format).toMatchObject({ flags: ['--format'], type: 'string', help: 'output format (default: text)', default: null });
    const help = f.cliArgs.find((a) => a.dest === 'help');
    expect(help?.flags).toEqual(['--help', '-h']);
    expect(f.cliArgs.find((a) => a.dest === 'exit-zero')?.type).toBe('boolean');
    expect(f.calls.find((c) => c.callee === 'parseArgs')?.qname).toBe('util.parseArgs');
  });

  it('resolves calls through relative imports to the definition’s qualified name', () => {
    const f = own('src/analysis/launch/index.ts');
    expect(qnames(f)).toContain('src/analysis/launch/shell.extractShellFacts');
    expect(qnames(f)).toContain('src/core/errors.BugError');
  });
});

describe('qualified names', () => {
  it('follows a default import through a constructed client', () => {
    const f = facts(`
import OpenAI from 'openai';
const client = new OpenAI({ apiKey: 'k' });
export async function ask(messages) {
  return client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0 });
}
`);
    const create = f.calls.find((c) => c.callee === 'client.chat.completions.create');
    expect(create).toMatchObject({ qname: 'openai.OpenAI().chat.completions.create', resolved: true, scope: 'ask' });
    expect(create?.kwargs.model).toEqual({ kind: 'str', value: 'gpt-4o' });
    expect(create?.kwargs.temperature).toEqual({ kind: 'num', value: 0 });
    expect(create?.kwargs.messages).toEqual({ kind: 'name', text: 'messages', qname: null });
    expect(f.imports[0]).toMatchObject({ module: 'openai', name: 'default', alias: 'OpenAI', candidates: [] });
  });

  it('follows named, aliased and namespace imports and awaited results', () => {
    const f = facts(`
import { AutoTokenizer as AT } from '@huggingface/transformers';
import * as hf from '@huggingface/transformers';
import cp from 'node:child_process';
const tok = await AT.from_pretrained('Qwen/Qwen2.5-0.5B');
const text = tok.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true });
hf.AutoModel.from_pretrained('m');
cp.execSync('ls');
`);
    expect(qnames(f)).toEqual([
      '@huggingface/transformers.AutoTokenizer.from_pretrained',
      '@huggingface/transformers.AutoTokenizer.from_pretrained().apply_chat_template',
      '@huggingface/transformers.AutoModel.from_pretrained',
      'child_process.execSync',
    ]);
    const apply = f.calls[1];
    expect(apply?.kwargs.tokenize).toEqual({ kind: 'bool', value: false });
    expect(apply?.args).toEqual([{ kind: 'name', text: 'messages', qname: null }, { kind: 'dict', keys: ['tokenize', 'add_generation_prompt'] }]);
    expect(f.strings.find((s) => s.value === 'Qwen/Qwen2.5-0.5B')).toMatchObject({ role: 'argument', call: 0 });
  });

  it('gives this.x in any method what a method assigned to it', () => {
    const f = facts(`
import { AutoTokenizer } from '@huggingface/transformers';
export class Generator extends Base {
  /** Loads the tokenizer. */
  constructor(name) {
    super();
    this.tokenizer = AutoTokenizer.from_pretrained(name);
  }
  run(text) {
    return this.tokenizer.encode(text, { add_special_tokens: false });
  }
  score = (a, b) => a - b;
}
`);
    const encode = f.calls.find((c) => c.scope === 'Generator.run');
    expect(encode?.qname).toBe('@huggingface/transformers.AutoTokenizer.from_pretrained().encode');
    expect(f.defs.map((d) => [d.kind, d.qualname, d.params])).toEqual([
      ['class', 'Generator', []],
      ['function', 'Generator.constructor', ['name']],
      ['function', 'Generator.run', ['text']],
      ['function', 'Generator.score', ['a', 'b']],
    ]);
    expect(f.defs[0]?.bases).toEqual(['Base']);
    expect(f.defs[1]?.docstring).toBe('Loads the tokenizer.');
  });

  it('leaves unknown receivers as written', () => {
    const f = facts('function f(x) { x.y.z(1); (a || b).c(); }');
    expect(f.calls.map((c) => [c.callee, c.qname, c.resolved])).toEqual([
      ['x.y.z', 'x.y.z', false],
      ['?.c', '?.c', false],
    ]);
  });
});

describe('module forms', () => {
  it('reads CommonJS requires, destructuring and exports', () => {
    const f = facts(
      `#!/usr/bin/env node
'use strict';
const { spawnSync: run } = require('child_process');
const yaml = require('yaml').parse;
/** Runs the trainer. */
exports.train = function (cfg) { return run('python', ['scripts/train.py', '--config', cfg]); };
module.exports.load = (p) => yaml(p);
`,
      'tools/run.cjs',
      'javascript',
    );
    expect(f.imports.map((i) => [i.module, i.name, i.scope])).toEqual([
      ['child_process', null, '<module>'],
      ['yaml', null, '<module>'],
    ]);
    expect(f.defs.map((d) => [d.qualname, d.params, d.docstring])).toEqual([
      ['train', ['cfg'], 'Runs the trainer.'],
      ['load', ['p'], null],
    ]);
    expect(qnames(f)).toEqual(['child_process.spawnSync', 'yaml.parse']);
    expect(f.scriptCalls.map((s) => [s.runner, s.target, s.candidates[0]])).toEqual([['python', 'scripts/train.py', 'tools/scripts/train.py']]);
    expect(f.mainGuard).toBe(true);
  });

  it('knows an ES module run as a program by its argv[1] test', () => {
    const main = facts("import { pathToFileURL } from 'node:url';\nif (import.meta.url === pathToFileURL(process.argv[1]).href) main();\n");
    expect(main.mainGuard).toBe(true);
    expect(facts('export const x = 1;\n').mainGuard).toBeUndefined();
  });

  it('records re-exports, side-effect imports and dynamic imports with candidates', () => {
    const f = facts(`
import './polyfill.js';
export * from './a.js';
export { b as c, d } from '../lib/b.js';
export * as ns from 'pkg';
import type { T } from './types.js';
export async function later() {
  const { run } = await import('./dir/index.js');
  return run();
}
`, 'src/app/main.ts');
    expect(f.imports.map((i) => [i.module, i.name, i.alias, i.scope])).toEqual([
      ['./polyfill.js', null, null, '<module>'],
      ['./a.js', '*', null, '<module>'],
      ['../lib/b.js', 'b', 'c', '<module>'],
      ['../lib/b.js', 'd', null, '<module>'],
      ['pkg', '*', 'ns', '<module>'],
      ['./types.js', 'T', null, '<module>'],
      ['./dir/index.js', null, null, 'later'],
    ]);
    expect(f.imports[2]?.candidates?.slice(0, 3)).toEqual(['src/lib/b.ts', 'src/lib/b.tsx', 'src/lib/b.js']);
    expect(f.calls.find((c) => c.callee === 'run')?.qname).toBe('src/app/dir.run');
    expect(f.reexports?.map((r) => [r.exported, r.qname, r.candidates[0] ?? null])).toEqual([
      ['*', 'src/app/a', 'src/app/a.ts'],
      ['c', 'src/lib/b.b', 'src/lib/b.ts'],
      ['d', 'src/lib/b.d', 'src/lib/b.ts'],
      ['ns', 'pkg', null],
    ]);
  });

  it('records imported names exported again, renamed definitions and default exports as re-exports', () => {
    const f = facts(`
import { getLlama, LlamaChatSession } from 'node-llama-cpp';
import * as util from './util.js';
const Session = LlamaChatSession;
function load() {}
const plain = 1;
export { getLlama as boot, Session, load as loader, load, plain, util };
export type { Llama } from 'node-llama-cpp';
export default Session;
`, 'src/llm/index.ts');
    expect(f.reexports?.map((r) => [r.exported, r.qname, r.module])).toEqual([
      ['boot', 'node-llama-cpp.getLlama', 'node-llama-cpp'],
      ['Session', 'node-llama-cpp.LlamaChatSession', 'node-llama-cpp'],
      ['loader', 'src/llm.load', ''],
      ['util', 'src/llm/util', './util.js'],
      ['default', 'node-llama-cpp.LlamaChatSession', 'node-llama-cpp'],
    ]);
  });

  it('parses JSX in .tsx and .jsx files', () => {
    const tsx = facts(`
/** The run table. */
import React from 'react';
export function Table({ rows }: { rows: string[] }) {
  return <ul className="runs">{rows.map((r) => <li key={r}>{r}</li>)}</ul>;
}
`, 'ui/Table.tsx');
    expect(tsx.parseErrors).toEqual([]);
    expect(tsx.docstring).toBe('The run table.');
    expect(tsx.defs[0]).toMatchObject({ qualname: 'Table', params: ['{ rows }'] });
    const jsx = facts('export const App = () => <div>{load("data/train.jsonl")}</div>;', 'ui/App.jsx', 'javascript');
    expect(jsx.parseErrors).toEqual([]);
    expect(jsx.strings.map((s) => [s.value, s.role])).toEqual([['data/train.jsonl', 'argument']]);
  });
});

describe('docstrings', () => {
  it('joins a block of // lines after a shebang', () => {
    const f = facts('#!/usr/bin/env node\n// Scores preference pairs with a critic.\n// Second line.\n\nimport x from "y";\n', 'bin/x.mjs', 'javascript');
    expect(f.docstring).toBe('Scores preference pairs with a critic.\nSecond line.');
  });

  it('shares a lone JSDoc glued to the first declaration between the file and the declaration', () => {
    const f = facts('/** Adds two numbers. */\nexport function add(a: number, b: number) { return a + b; }\n');
    expect(f.docstring).toBe('Adds two numbers.');
    expect(f.defs[0]?.docstring).toBe('Adds two numbers.');
    const apart = facts('/** Arithmetic. */\n\nexport function add(a: number, b: number) { return a + b; }\n');
    expect(apart.docstring).toBe('Arithmetic.');
    expect(apart.defs[0]?.docstring).toBeNull();
  });

  it('gives an exported arrow function the JSDoc before its statement, and skips tool directives', () => {
    const f = facts(`/* eslint-disable no-console */
/**
 * Pair scoring.
 *
 * Uses log-probs.
 */

/**
 * Scores one pair
 * with the critic.
 */
export const scorePair = async (chosen: string, rejected: string): Promise<number> => chosen.length - rejected.length;
`);
    expect(f.docstring).toBe('Pair scoring.\n\nUses log-probs.');
    expect(f.defs[0]).toMatchObject({ name: 'scorePair', params: ['chosen', 'rejected'], docstring: 'Scores one pair\nwith the critic.' });
  });
});

describe('bad syntax', () => {
  it('reports parse errors and still analyses what parsed', () => {
    const f = facts(`import { a } from './a.js';
export function good() { return a(1); }
export function bad( {
  const x = ;
`);
    expect(f.parseErrors.length).toBeGreaterThan(0);
    expect(f.parseErrors[0]?.message).toMatch(/^syntax error: /);
    expect(f.parseErrors[0]?.span.line).toBeGreaterThanOrEqual(3);
    expect(f.defs.map((d) => d.name)).toContain('good');
    expect(f.imports).toHaveLength(1);
  });
});

describe('command-line options of other parsers', () => {
  it('reads commander and yargs options', () => {
    const f = facts(`
import { program } from 'commander';
import yargs from 'yargs';
program
  .option('-m, --model <name>', 'model to score with', 'gpt2')
  .option('--dry-run', 'print only')
  .requiredOption('-n, --num <n>', 'pairs', parseInt, 8);
yargs(process.argv.slice(2)).option('out', { alias: 'o', type: 'string', describe: 'output file', default: 'pairs.jsonl', demandOption: true });
`);
    expect(f.cliArgs.map((a) => [a.flags, a.dest, a.type, a.default, a.help, a.required])).toEqual([
      [['-m', '--model'], 'model', null, { kind: 'str', value: 'gpt2' }, 'model to score with', null],
      [['--dry-run'], 'dryRun', null, null, 'print only', null],
      [['-n', '--num'], 'num', 'parseInt', { kind: 'num', value: 8 }, 'pairs', true],
      [['--out', '-o'], 'out', 'string', { kind: 'str', value: 'pairs.jsonl' }, 'output file', true],
    ]);
  });

  it('reads parseArgs options declared apart from the call', () => {
    const f = facts(`
import { parseArgs } from 'node:util';
const HELP = \`usage: x [options]
  -o, --out FILE   where to write
\`;
const options = { out: { type: 'string', short: 'o', default: 'out.jsonl' }, verbose: { type: 'boolean', multiple: true } } as const;
const { values } = parseArgs({ options, allowPositionals: true });
`);
    expect(f.cliArgs.map((a) => [a.flags, a.type, a.default, a.help, a.action])).toEqual([
      [['--out', '-o'], 'string', { kind: 'str', value: 'out.jsonl' }, 'where to write', null],
      [['--verbose'], 'boolean', null, null, 'append'],
    ]);
  });
});

describe('fingerprints', () => {
  const def = (f: FileFacts, name: string) => f.defs.find((d) => d.name === name);

  it('are equal for bodies that differ only in names, literals and comments', () => {
    const f = facts(`
export function scorePair(model, prompt, answer) {
  const ids = model.encode(prompt + answer); // tokens
  const logits = model.forward(ids, { temperature: 1.0 });
  return logits.slice(-3).reduce((s, x) => s + Math.log(x), 0) / \`\${ids.length}\`.length;
}
export function tokenLogprobs(critic, question, response) {
  /* same thing */
  const tokens = critic.encode(question + response);
  const out = critic.forward(tokens, { temperature: 0.7 });
  return out.slice(-5).reduce((acc, v) => acc + Math.log(v), 0) / \`\${tokens.length}!\`.length;
}
export function other(a) { if (a) { return /a+b/g.test(a); } return a / 2; }
export class Holder { run() { return 1; } }
`);
    const a = def(f, 'scorePair');
    const b = def(f, 'tokenLogprobs');
    expect(a?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(a?.fingerprint).toBe(b?.fingerprint);
    expect(a?.shingles).toEqual(b?.shingles);
    expect(a?.tokens).toBeGreaterThan(40);
    expect(def(f, 'other')?.fingerprint).not.toBe(a?.fingerprint);
    expect(def(f, 'other')?.shingles.length).toBeGreaterThan(0);
    expect(def(f, 'Holder')?.shingles).toEqual([]);
  });

  it('keep the names of members called, so different library calls differ', () => {
    const f = facts('function a(x) { return x.logSoftmax(1); }\nfunction b(y) { return y.softmax(1); }');
    expect(def(f, 'a')?.fingerprint).not.toBe(def(f, 'b')?.fingerprint);
  });
});

describe('pathological input', () => {
  it('registers a file nested beyond the parser’s stack with a parse error instead of failing', () => {
    const src = 'f('.repeat(20_000) + ')'.repeat(20_000) + ';\n';
    const f = facts(src, 'gen/deep.js', 'javascript');
    expect(f.parseErrors.map((e) => e.message)).toEqual(['not analysed: expressions nested too deeply for the parser']);
    expect(f.lines).toBe(2);
  });
});
