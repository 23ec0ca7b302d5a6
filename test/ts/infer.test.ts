/**
 * Zero-config loader inference in TS/JS: a function or class that loads a model and completes with
 * node-llama-cpp's `LlamaCompletion` (no chat template) is the sanctioned loader; loads inside it pass, loads elsewhere are reported against it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { audit } from '../../src/index.js';
import { tmpProject } from '../helpers/tmp.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const LOADER = [
  "import { getLlama, LlamaCompletion } from 'node-llama-cpp';",
  'export class CleanLoader {',
  '  async load(modelPath: string): Promise<LlamaCompletion> {',
  '    const model = await (await getLlama()).loadModel({ modelPath });',
  '    return new LlamaCompletion({ contextSequence: (await model.createContext()).getSequence() });',
  '  }',
  '}',
  '',
].join('\n');

describe('sanctioned loader inference in TS/JS', () => {
  it('infers the loader from LlamaCompletion and reports loads outside it', async () => {
    const p = tmpProject({
      'provenant.toml': 'include = ["**/*.ts"]\nbase-models = ["Qwen/Qwen2.5-7B"]\n',
      'src/llm/loader.ts': LOADER,
      'src/gen.ts': "import { CleanLoader } from './llm/loader.js';\nexport const lm = await new CleanLoader().load('qwen2.5-7b.gguf');\n",
      'src/bypass.ts': "import { getLlama } from 'node-llama-cpp';\nexport const m = await (await getLlama()).loadModel({ modelPath: 'qwen2.5-7b.gguf' });\n",
    });
    cleanup = p.cleanup;
    const result = await audit({ paths: [], cwd: p.dir, noCache: true, baseline: 'ignore' });
    // named as config would spell it: the module's last segment and the class, as for Python
    expect(result.sanctioned.map((l) => l.name)).toEqual(['loader.CleanLoader']);
    expect(result.sanctioned[0]?.reasons.join('; ')).toMatch(/`CleanLoader` in src\/llm\/loader.ts:2 .*LlamaCompletion.*line 5/);
    const loads = result.findings.filter((f) => f.code === 'LOAD001');
    expect(loads.map((f) => `${f.path}:${f.span.line}`)).toEqual(['src/bypass.ts:2']);
    expect(loads[0]?.message).toContain('outside the sanctioned loader `loader.CleanLoader`');
  });
});
