/**
 * GGUF reading and inspection without the runtime: the fixture's metadata, the base-vs-instruct
 * assessment, and every broken file refused with a UserError that names the problem before llama.cpp
 * could abort on it.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { UserError } from '../../src/core/errors.js';
import { readGguf } from '../../src/llm/gguf.js';
import { inspectModel, templateFamily } from '../../src/llm/inspect.js';
import { checkLoadable } from '../../src/llm/runtime.js';
import { ModelReportSchema } from '../../src/schemas/llm.js';
import { CONTROL_TOKENS, tinyGguf, type TinyGgufOptions } from '../helpers/gguf.js';
import { tmpProject } from '../helpers/tmp.js';

const project = tmpProject({});
afterAll(() => project.cleanup());
const write = (name: string, content: Buffer | string): string => {
  const file = path.join(project.dir, name);
  writeFileSync(file, content);
  return file;
};
const model = (name: string, options: TinyGgufOptions = {}): string => write(name, tinyGguf(options));

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('inspect', () => {
  it('reads the fixture: architecture, tokenizer, BOS/EOS, template, a base model despite the template', () => {
    const report = inspectModel(model('base.gguf'));
    expect(ModelReportSchema.parse(report)).toEqual(report);
    expect(report).toMatchObject({ architecture: 'llama', name: 'tiny-random-llama', contextLength: 512, layers: 2, fileType: 'F32' });
    expect(report.tokenizer).toMatchObject({ model: 'gpt2', addBosToken: false, addBos: false, bos: { text: '<|begin_of_text|>' }, eos: { text: '<|endoftext|>' } });
    expect(report.tokenizer?.controlTokens).toEqual([...CONTROL_TOKENS]);
    expect(report.chatTemplate).toMatchObject({ present: true, family: 'chatml' });
    expect(report.assessment.kind).toBe('base');
    expect(report.assessment.reasons.join('\n')).toMatch(/not evidence either way/);
    expect(report.parameters).toBeGreaterThan(100_000);
  });

  it('is byte-for-byte deterministic, so digests are stable', () => {
    expect(inspectModel(model('a.gguf')).sha256).toBe(inspectModel(model('b.gguf')).sha256);
    expect(inspectModel(model('c.gguf', { seed: 7 })).sha256).not.toBe(inspectModel(model('a.gguf')).sha256);
  });

  it('calls an instruct conversion instruct, for its name and its turn-end EOS', () => {
    const report = inspectModel(model('it.gguf', { name: 'Tiny-Chat-Instruct', eosImEnd: true }));
    expect(report.assessment.kind).toBe('instruct');
    expect(report.assessment.reasons.join('\n')).toMatch(/names an instruction-tuned variant/);
    expect(report.assessment.reasons.join('\n')).toMatch(/turn-end token <\|im_end\|>/);
  });

  it('without a template or telling names the verdict is unknown, and add_bos absent falls back to the default', () => {
    const report = inspectModel(model('plain.gguf', { template: 'none', addBos: null }));
    expect(report.chatTemplate).toEqual({ present: false });
    expect(report.tokenizer).toMatchObject({ addBosToken: null, addBos: false });
    expect(report.assessment.kind).toBe('unknown');
  });

  it('recognises the common template families', () => {
    expect(templateFamily('{{ "<|start_header_id|>" }}')).toBe('llama-3');
    expect(templateFamily('[INST] {{ m }} [/INST]')).toBe('mistral/llama-2');
    expect(templateFamily('<start_of_turn>user')).toBe('gemma');
    expect(templateFamily('{{ m }}')).toBeNull();
  });
});

describe('bad model files', () => {
  const good = tinyGguf();

  it('a missing path and a directory', () => {
    expect(userError(() => readGguf(path.join(project.dir, 'nope.gguf'), 'nope.gguf')).message).toBe('nope.gguf: no such file');
    expect(userError(() => readGguf(project.dir, 'dir')).message).toBe('dir: not a file');
  });

  it('a file that is not GGUF, and a legacy GGML one', () => {
    expect(userError(() => readGguf(write('x.gguf', '{"not": "a model"}'))).message).toMatch(/not a GGUF file \(starts with "\{\\"no"\)/);
    expect(userError(() => readGguf(write('empty.gguf', ''))).message).toMatch(/not a GGUF file/);
    expect(userError(() => readGguf(write('old.bin', Buffer.concat([Buffer.from('ggjt'), Buffer.alloc(60)])))).message).toMatch(/legacy ggjt format/);
  });

  it('truncated in the metadata and in the tensor data', () => {
    const inMeta = userError(() => readGguf(write('t1.gguf', good.subarray(0, 2000)), 't1.gguf'));
    expect(inMeta.message).toMatch(/^t1\.gguf: truncated GGUF: metadata key tokenizer\.ggml\.\w+ needs bytes up to \d+ but the file has 2000$/);
    expect(inMeta.hint).toMatch(/cut short/);
    const inData = userError(() => readGguf(write('t2.gguf', good.subarray(0, good.length - 100)), 't2.gguf'));
    expect(inData.message).toMatch(/^t2\.gguf: truncated GGUF: tensor output\.weight needs bytes up to \d+ but the file has \d+$/);
  });

  it('no tokenizer: inspect warns, loading refuses', () => {
    const file = model('notok.gguf', { omit: ['tokenizer.'] });
    const report = inspectModel(file);
    expect(report.tokenizer).toBeNull();
    expect(report.warnings[0]).toMatch(/no tokenizer/);
    expect(userError(() => checkLoadable(readGguf(file), 'notok.gguf')).message).toMatch(/^notok\.gguf: the GGUF has no tokenizer \(tokenizer\.ggml\.model, tokenizer\.ggml\.tokens missing\)$/);
  });

  it('keys whose absence aborts llama.cpp are refused before loading', () => {
    for (const key of ['llama.feed_forward_length', 'llama.attention.head_count', 'general.architecture', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges']) {
      const file = model(`no-${key}.gguf`, { omit: [key] });
      expect(userError(() => checkLoadable(readGguf(file), 'm.gguf')).message).toContain(key);
    }
    expect(() => checkLoadable(readGguf(model('ok.gguf')), 'ok.gguf')).not.toThrow();
  });
});
