import { describe, expect, it } from 'vitest';
import { importCandidates, importQname, moduleQname } from './paths.js';

describe('importCandidates', () => {
  it('maps a written .js extension to the sources it stands for', () => {
    expect(importCandidates('./x.js', 'src/a/b.ts')).toEqual(['src/a/x.ts', 'src/a/x.tsx', 'src/a/x.js', 'src/a/x.jsx', 'src/a/x.d.ts']);
    expect(importCandidates('../x.mjs', 'src/a/b.mts')).toEqual(['src/x.mts', 'src/x.mjs', 'src/x.d.mts']);
    expect(importCandidates('./x.cjs', 'b.cts')).toEqual(['x.cts', 'x.cjs', 'x.d.cts']);
  });

  it('tries extensions, then an index file, for an extensionless specifier', () => {
    const c = importCandidates('../lib/util', 'src/a/b.js');
    expect(c.slice(0, 4)).toEqual(['src/lib/util.ts', 'src/lib/util.tsx', 'src/lib/util.d.ts', 'src/lib/util.js']);
    expect(c).toContain('src/lib/util/index.ts');
    expect(c).toContain('src/lib/util/index.js');
    expect(importCandidates('./', 'src/a.ts')[0]).toBe('src/index.ts');
    expect(importCandidates('.', 'a.ts')[0]).toBe('index.ts');
  });

  it('keeps a specifier naming a data file as it is', () => {
    expect(importCandidates('./data.json', 'src/a.ts')[0]).toBe('src/data.json');
  });

  it('gives packages and paths above the root no candidates', () => {
    expect(importCandidates('zod', 'src/a.ts')).toEqual([]);
    expect(importCandidates('node:fs', 'src/a.ts')).toEqual([]);
    expect(importCandidates('@scope/pkg/sub.js', 'src/a.ts')).toEqual([]);
    expect(importCandidates('../../x.js', 'src/a.ts')).toEqual([]);
    expect(importCandidates('/abs/x.js', 'src/a.ts')).toEqual([]);
  });
});

describe('qualified-name roots', () => {
  it('meet between an import and the module it names', () => {
    expect(moduleQname('src/core/files.ts')).toBe('src/core/files');
    expect(moduleQname('src/index.ts')).toBe('src');
    expect(moduleQname('types.d.ts')).toBe('types');
    expect(importQname('../core/files.js', 'src/cli/main.ts')).toBe('src/core/files');
    expect(importQname('./index.js', 'src/cli/main.ts')).toBe('src/cli');
    expect(importQname('node:fs', 'a.ts')).toBe('fs');
    expect(importQname('@huggingface/transformers', 'a.ts')).toBe('@huggingface/transformers');
  });
});
