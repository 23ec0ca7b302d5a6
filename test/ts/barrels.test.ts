/**
 * Re-exports followed across files: an importer of a local barrel sees the names the barrel passes on
 * (two- and three-file chains, `export *`, renamed and default re-exports, an imported name exported
 * again, tsconfig aliases), barrels that loop or do not exist end the search without a guess, and the
 * cache notices when only a barrel changed. Real parser, real SQLite cache, temp projects.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barrelTags } from '../../src/analysis/typescript/barrels.js';
import { audit, type AuditResult } from '../../src/index.js';
import { useTmpProjects } from '../helpers/tmp.js';

const CONFIG = 'include = ["**/*.ts", "**/*.js", "**/*.mjs"]\nbase-models = ["Qwen/Qwen2.5-7B"]\n';
/** An importer whose text names no package: only what it imports from `spec` can make it a candidate. */
const LOADS = (spec: string, names = '{ getLlama }') =>
  [`import ${names} from '${spec}';`, "const llama = await getLlama();", "export const model = await llama.loadModel({ modelPath: 'qwen2.5-7b.gguf' });", ''].join('\n');

const project = useTmpProjects({ 'provenant.toml': CONFIG });

async function run(dir: string, extra: { paths?: string[]; noCache?: boolean } = {}): Promise<AuditResult> {
  return audit({ paths: extra.paths ?? [], cwd: dir, noCache: extra.noCache ?? true, baseline: 'ignore' });
}

function found(result: AuditResult, code: string): string[] {
  return result.findings.filter((f) => f.code === code).map((f) => `${f.path}:${f.span.line}`);
}

describe('re-exports across files', () => {
  it('a two-file chain: `export { getLlama } from` in a barrel', async () => {
    const dir = project({
      'src/llm/index.ts': "export { getLlama } from 'node-llama-cpp';\n",
      'src/gen.ts': LOADS('./llm/index.js'),
    });
    const result = await run(dir);
    expect(found(result, 'LOAD001')).toEqual(['src/gen.ts:3']);
    expect(result.findings.find((f) => f.path === 'src/gen.ts')?.message).toContain('node-llama-cpp loadModel');
  });

  it('a three-file chain through `export *` and a directory import', async () => {
    const dir = project({
      'src/llm/index.ts': "export * from './runtime.js';\nexport const VERSION = 1;\n",
      'src/llm/runtime.ts': "export { getLlama, LlamaChatSession } from 'node-llama-cpp';\n",
      'src/gen.ts': LOADS('./llm'),
    });
    expect(found(await run(dir), 'LOAD001')).toEqual(['src/gen.ts:3']);
  });

  it('`export * from` a package, a renamed re-export, and an imported name exported again', async () => {
    const dir = project({
      'lib/star.ts': "export * from 'node-llama-cpp';\n",
      'lib/renamed.ts': "export { LlamaChatSession as Chat, getLlama as boot } from 'node-llama-cpp';\n",
      'lib/again.mjs': "import { LlamaChatSession } from 'node-llama-cpp';\nconst Session = LlamaChatSession;\nexport { Session };\n",
      'a.ts': LOADS('./lib/star.js'),
      'b.ts': [
        "import { boot, Chat } from './lib/renamed.js';",
        'const model = await (await boot()).loadModel({ modelPath: "qwen2.5-7b.gguf" });',
        'const session = new Chat({ contextSequence: (await model.createContext()).getSequence() });',
        "console.log(await session.prompt('Write a haiku'));",
        '',
      ].join('\n'),
      'c.mjs': "import { Session } from './lib/again.mjs';\nimport { getLlama } from 'node-llama-cpp';\nexport const s = new Session({});\nexport const l = getLlama;\n",
    });
    const result = await run(dir);
    expect(found(result, 'LOAD001')).toEqual(['a.ts:3', 'b.ts:2']);
    expect(found(result, 'TMPL001')).toEqual(['b.ts:3', 'c.mjs:3']);
  });

  it('a default re-export is read from the module, not guessed from the local name', async () => {
    const dir = project({
      'src/session.ts': "import { LlamaChatSession } from 'node-llama-cpp';\nexport default LlamaChatSession;\n",
      'src/chat.ts': "import Talk from './session.js';\nexport const s = new Talk({ contextSequence: null });\n",
    });
    expect(found(await run(dir), 'TMPL001')).toEqual(['src/chat.ts:2']);
  });

  it('a cycle between barrels ends the search; a missing barrel leaves the name alone', async () => {
    const dir = project({
      'src/a.ts': "export * from './b.js';\nexport { getLlama } from './b.js';\n",
      'src/b.ts': "export * from './a.js';\nexport { getLlama } from './a.js';\n",
      'src/gen.ts': LOADS('./a.js'),
      'src/gone.ts': LOADS('./missing/index.js'),
      'src/real.ts': LOADS('node-llama-cpp'),
    });
    const result = await run(dir);
    expect(found(result, 'LOAD001')).toEqual(['src/real.ts:3']);
  });

  it('two packages behind `export *` leave a name ambiguous: no guess', async () => {
    const dir = project({
      'src/llm.ts': "export * from 'node-llama-cpp';\nexport * from 'other-llama';\n",
      'src/gen.ts': LOADS('./llm.js'),
    });
    expect(found(await run(dir), 'LOAD001')).toEqual([]);
  });

  it('follows barrels behind tsconfig `paths` aliases', async () => {
    const dir = project({
      'tsconfig.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["src/*"] } } }',
      'src/llm/index.ts': "export * from '@/llm/runtime';\n",
      'src/llm/runtime.ts': "export { getLlama } from 'node-llama-cpp';\n",
      'scripts/gen.ts': LOADS('@/llm'),
    });
    expect(found(await run(dir), 'LOAD001')).toEqual(['scripts/gen.ts:3']);
  });

  it('an audit of one folder still reads a barrel outside it', async () => {
    const dir = project({
      'src/llm/index.ts': "export { getLlama } from 'node-llama-cpp';\n",
      'scripts/gen.ts': LOADS('../src/llm/index.js'),
    });
    expect(found(await run(dir, { paths: ['scripts'] }), 'LOAD001')).toEqual(['scripts/gen.ts:3']);
  });

  it('a warm run notices a barrel that changed while its importer did not', async () => {
    // the importer names the package itself, so it is a candidate whatever the barrel says
    const dir = project({
      'src/llm/index.ts': "export function getLlama() { return { loadModel: (o: object) => o }; }\n",
      'src/gen.ts': `import { LlamaLogLevel } from 'node-llama-cpp';\n${LOADS('./llm/index.js')}console.log(LlamaLogLevel);\n`,
    });
    expect(found(await run(dir, { noCache: false }), 'LOAD001')).toEqual([]);
    const barrel = path.join(dir, 'src/llm/index.ts');
    writeFileSync(barrel, "export { getLlama } from 'node-llama-cpp';\n");
    const later = new Date(Date.now() + 5_000);
    utimesSync(barrel, later, later);
    expect(found(await run(dir, { noCache: false }), 'LOAD001')).toEqual(['src/gen.ts:4']);
    // and back: the cached finding does not outlive the re-export
    writeFileSync(barrel, "export function getLlama() { return { loadModel: (o: object) => o }; }\n");
    const latest = new Date(Date.now() + 10_000);
    utimesSync(barrel, latest, latest);
    expect(found(await run(dir, { noCache: false }), 'LOAD001')).toEqual([]);
  });
});

describe('barrel tags (the text view kept per file)', () => {
  it('tells re-exports from imports, and a statement from a re-export quoted in a comment', () => {
    const text = [
      "/** Pass-through: `export { getLlama } from 'node-llama-cpp'` would do too. */",
      "import { readFileSync } from 'node:fs';",
      "import { a } from './a.js';",
      "export * from './runtime.js';",
      "export type { Llama } from 'node-llama-cpp';",
      '',
    ].join('\n');
    expect(barrelTags(text).sort()).toEqual(['from:./a.js', 'from:./runtime.js', 'from:node-llama-cpp', 'reexport:./runtime.js']);
    expect(barrelTags("import { x } from 'm';\nexport { x };\n")).toContain('reexports');
    expect(barrelTags("import x from 'm';\nexport default x;\n")).toContain('reexports');
    expect(barrelTags("export { x } from 'm';\nexport default function f() {}\n")).not.toContain('reexports');
  });
});
