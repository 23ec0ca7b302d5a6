/**
 * The layering lint (eslint/layers.js): an import that runs back up is reported, one down or sideways is
 * not (`npm run lint` checks the tree itself).
 */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

async function layerMessages(file: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'local/layers').map((m) => m.message);
}

describe('local/layers', () => {
  test.each([
    ['src/core/paths.ts', "import { loadConfig } from '../config/config.js';\n", 'src/core/paths.ts (core) may not import src/config/config.ts (config)'],
    ['src/schemas/finding.ts', "export type { FileFacts } from '../analysis/facts.js';\n", 'src/schemas/finding.ts (schemas) may not import src/analysis/facts.ts (analysis)'],
    ['src/audit/rule.ts', "const m = await import('./engine.js');\nexport { m };\n", 'src/audit/rule.ts (audit) may not import src/audit/engine.ts (audit run)'],
    ['audits/load/trust-remote-code/rule.ts', "import { audit } from '../../../src/audit/engine.js';\nexport { audit };\n", 'audits/load/trust-remote-code/rule.ts (audits) may not import src/audit/engine.ts (audit run)'],
    ['src/provenance/run.ts', "import { run } from '../cli/main.js';\nexport { run };\n", 'src/provenance/run.ts (provenance) may not import src/cli/main.ts (cli)'],
  ])('%s importing upward is reported', async (file, text, message) => {
    expect(await layerMessages(file, text)).toEqual([`${message}, a higher layer; move what both need down`]);
  });

  test.each([
    ['src/config/config.ts', "import { parseToml } from '../core/toml.js';\nexport { parseToml };\n"],
    ['src/registry/build.ts', "import { audit } from '../audit/rule.js';\nexport { audit };\n"],
    ['src/audit/engine.ts', "import { RULES } from '../../audits/index.js';\nexport { RULES };\n"],
    ['src/cli/main.ts', "import { audit } from '../index.js';\nexport { audit };\n"],
  ])('%s importing down or sideways is allowed', async (file, text) => {
    expect(await layerMessages(file, text)).toEqual([]);
  });
});
