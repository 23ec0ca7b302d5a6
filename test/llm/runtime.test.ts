/**
 * How the runtime is asked for: `getLlama` always gets `build: "never"` (never a compile at run time),
 * `gpu: false` unless a GPU is asked for, and threads = the machine's cores. node-llama-cpp is replaced
 * here by a recorder, since what is checked is the call itself; the other tests load the real thing.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { UserError } from '../../src/core/errors.js';
import { openRuntime } from '../../src/llm/runtime.js';
import { tinyGguf } from '../helpers/gguf.js';
import { tmpProject } from '../helpers/tmp.js';

const calls = vi.hoisted(() => ({ options: [] as unknown[], fail: 'stop' as 'stop' | 'no-binary' }));

vi.mock('node-llama-cpp', () => {
  class NoBinaryFoundError extends Error {}
  return {
    NoBinaryFoundError,
    LlamaLogLevel: { error: 'error' },
    getLlama: vi.fn(async (options: unknown) => {
      calls.options.push(options);
      throw calls.fail === 'no-binary' ? new NoBinaryFoundError('no binary') : new Error('recorded');
    }),
  };
});

const project = tmpProject({});
const file = path.join(project.dir, 'tiny.gguf');
writeFileSync(file, tinyGguf());
afterAll(() => project.cleanup());
beforeEach(() => {
  calls.options.length = 0;
  calls.fail = 'stop';
});

describe('getLlama options', () => {
  it('CPU, never build, threads = cores by default', async () => {
    await expect(openRuntime(file, {})).rejects.toThrow(UserError);
    expect(calls.options).toEqual([{ gpu: false, build: 'never', maxThreads: os.availableParallelism(), logLevel: 'error', progressLogs: false }]);
  });

  it('a GPU only when asked, still never a build; threads as given', async () => {
    await expect(openRuntime(file, { gpu: true, threads: 3 })).rejects.toThrow(/could not start: recorded/);
    expect(calls.options).toEqual([expect.objectContaining({ gpu: 'auto', build: 'never', maxThreads: 3 })]);
  });

  it('no prebuilt binary is a usage error with the install hint', async () => {
    calls.fail = 'no-binary';
    const error = await openRuntime(file, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/no prebuilt binary.*never compiles/);
    expect((error as UserError).hint).toMatch(/npm install node-llama-cpp @node-llama-cpp\/linux-x64 --omit=optional/);
  });

  it('a broken file never reaches the runtime', async () => {
    const broken = path.join(project.dir, 'broken.gguf');
    writeFileSync(broken, tinyGguf({ omit: ['llama.feed_forward_length'] }));
    await expect(openRuntime(broken, {})).rejects.toThrow(/llama\.feed_forward_length is missing/);
    expect(calls.options).toEqual([]);
  });
});
