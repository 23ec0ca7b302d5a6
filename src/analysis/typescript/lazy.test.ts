/**
 * The compiler is a few hundred milliseconds of module loading: only runs that parse TS/JS may pay
 * for it. Module loads are seen through `NODE_DEBUG=module` in child processes running the build.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { languageOf, loadFrontEnds } from '../index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const COMPILER = /@ts-morph[\\/]common|ts-morph[\\/]dist[\\/]ts-morph\.js/;

function node(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, {
    cwd,
    env: { ...process.env, NODE_DEBUG: 'module', NO_COLOR: '1' },
    encoding: 'utf8',
    input: '',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('languages and dispatch', () => {
  it('maps TS and JS extensions to their languages', () => {
    expect(['a.ts', 'a.tsx', 'a.mts', 'a.cts', 'a.d.ts'].map(languageOf)).toEqual(Array(5).fill('typescript'));
    expect(['a.js', 'a.jsx', 'a.mjs', 'a.cjs'].map(languageOf)).toEqual(Array(4).fill('javascript'));
    expect(['a.py', 'run.sh', 'a.json', 'a.toml', 'a.tsv'].map(languageOf)).toEqual(['python', 'shell', 'json', 'toml', null]);
  });

  it('extracts TS/JS only when their front end was asked for', async () => {
    const src = '/** Pairs. */\n\nexport function pair(a, b) { return [a, b]; }\n';
    const without = await loadFrontEnds(new Set(['shell']));
    expect(without.scripts).toBeNull();
    expect(without.extract(src, 'src/pair.ts', 'typescript').defs).toEqual([]);
    const withScripts = await loadFrontEnds(new Set(['javascript']));
    const f = withScripts.extract(src, 'src/pair.js', 'javascript');
    expect(f).toMatchObject({ language: 'javascript', docstring: 'Pairs.' });
    expect(f.defs.map((d) => d.name)).toEqual(['pair']);
  });
});

describe('the audit path', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-ts-lazy-'));
    mkdirSync(path.join(dir, 'scripts'));
    writeFileSync(path.join(dir, 'scripts/load.py'), 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("gpt2")\n');
    // a TS file named on the command line, with a suppression comment, is still not parsed
    writeFileSync(path.join(dir, 'scripts/ui.ts'), '// provenant: ignore[LOAD001] not a loader\nexport const ui = () => 1;\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('never loads the TypeScript compiler', () => {
    const r = node([path.join(REPO, 'bin/provenant.js'), 'audit', '--no-cache', 'scripts/load.py', 'scripts/ui.ts'], dir);
    expect(r.stdout).toContain('LOAD001');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MODULE \d+: /);
    expect(r.stderr).not.toMatch(COMPILER);
  });

  it('sees the compiler load when TS is parsed (the check above can fail)', () => {
    const script = `const { loadFrontEnds } = await import(${JSON.stringify(path.join(REPO, 'dist/src/analysis/index.js'))});
const fe = await loadFrontEnds(new Set(['typescript']));
process.stdout.write(String(fe.extract('export const ui = () => 1;', 'ui.ts', 'typescript').defs.length));`;
    const r = node(['--input-type=module', '-e', script], dir);
    expect(r.stdout).toBe('1');
    expect(r.stderr).toMatch(COMPILER);
  });
});
