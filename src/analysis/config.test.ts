import { describe, expect, it } from 'vitest';
import { configLanguageForPath, extractConfigFacts } from './config.js';

describe('configLanguageForPath', () => {
  it.each([
    ['configs/model.json', 'json'],
    ['pyproject.toml', 'toml'],
    ['RUN.JSON', 'json'],
    ['a.jsonl', null],
    ['a.yaml', null],
  ])('%s → %s', (path, language) => {
    expect(configLanguageForPath(path)).toBe(language);
  });
});

describe('extractConfigFacts', () => {
  it('keeps trust_remote_code settings of a JSON file at any depth, with their spans', () => {
    const source = '{\n  "model": "deepseek-ai/DeepSeek-V2-Lite",\n  "model_kwargs": {"trust_remote_code": true},\n  "tokenizer": {"trust_remote_code" : false}\n}\n';
    const facts = extractConfigFacts(source, 'configs/run.json', 'json');
    expect(facts).toMatchObject({ language: 'json', lines: 5 });
    expect(facts.settings).toEqual([
      { key: 'trust_remote_code', value: { kind: 'bool', value: true }, span: { line: 3, col: 20, endLine: 3, endCol: 45 } },
      { key: 'trust_remote_code', value: { kind: 'bool', value: false }, span: { line: 4, col: 17, endLine: 4, endCol: 44 } },
    ]);
  });

  it('reads TOML tables and inline tables, and skips comments', () => {
    const source = '[model]\ntrust_remote_code = true # needed for DeepSeek\n# trust_remote_code = true\nloader = { "trust_remote_code" = false }\nname = "trust_remote_code = true"\n';
    const facts = extractConfigFacts(source, 'run.toml', 'toml');
    expect(facts.settings?.map((s) => [s.span.line, s.value])).toEqual([
      [2, { kind: 'bool', value: true }],
      [4, { kind: 'bool', value: false }],
    ]);
  });

  it('keeps string values as strings, and has no settings for a file without the key', () => {
    expect(extractConfigFacts('{"trust_remote_code": "${TRC}"}', 'a.json', 'json').settings).toEqual([
      { key: 'trust_remote_code', value: { kind: 'str', value: '${TRC}' }, span: { line: 1, col: 2, endLine: 1, endCol: 31 } },
    ]);
    expect(extractConfigFacts('{"lr": 1e-5}', 'a.json', 'json').settings).toBeUndefined();
  });

  it('copes with broken input', () => {
    expect(extractConfigFacts('{"trust_remote_code": tru', 'a.json', 'json').settings).toBeUndefined();
    expect(extractConfigFacts('', 'a.toml', 'toml')).toMatchObject({ lines: 0, scriptCalls: [] });
    expect(extractConfigFacts('trust_remote_code = "unterminated\n', 'a.toml', 'toml').settings).toBeUndefined();
  });
});
