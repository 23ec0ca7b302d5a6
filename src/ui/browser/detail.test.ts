import { describe, expect, it } from 'vitest';
import type { Finding } from '../../schemas/finding.js';
import type { RegistryEntry } from '../../schemas/registry.js';
import { detailLines, findingLines } from './detail.js';

const text = (lines: ReturnType<typeof findingLines>): string[] => lines.map((l) => l.map((s) => s.text).join(''));

const base: Finding = {
  code: 'LOAD001',
  name: 'manual-model-load',
  severity: 'error',
  message: 'loads a model outside the sanctioned loader',
  path: 'nb.ipynb',
  span: { line: 57, col: 7, endLine: 57, endCol: 12 },
  frame: [
    { line: 1, text: 'import x' },
    { line: 2, text: 'tok = AutoTokenizer.from_pretrained(BASE)' },
  ],
  fingerprint: 'f',
};

describe('findingLines', () => {
  it('places a notebook finding by its cell and draws the carets under its line in the cell', () => {
    const lines = text(findingLines({ ...base, cell: { index: 3, line: 2 } }));
    expect(lines[0]).toMatch(/^ {2}cell 3:2:7 LOAD001 \[error\]/);
    expect(lines.slice(1)).toEqual(['    1 | import x', '    2 | tok = AutoTokenizer.from_pretrained(BASE)', '      |       ^^^^^ LOAD001']);
  });

  it('places a script finding by its line', () => {
    const lines = text(findingLines({ ...base, span: { line: 2, col: 7, endLine: 2, endCol: 12 } }));
    expect(lines[0]).toMatch(/^ {2}2:7 LOAD001/);
    expect(lines[3]).toBe('      |       ^^^^^ LOAD001');
  });
});

describe('detailLines anchors', () => {
  it('point at the row of each finding and its line in the file (in a notebook, the JSON line of its source line)', () => {
    const finding = (line: number, cell?: { index: number; line: number }): Finding => ({ ...base, path: 'x.py', span: { line, col: 7, endLine: line, endCol: 12 }, ...(cell ? { cell } : {}) });
    const extras = { findings: { ok: true as const, findings: [finding(2), finding(19, { index: 1, line: 2 }), finding(1)] } };
    const lines = detailLines('x.py', { entry: undefined, missing: false }, extras, false, 80);
    expect(lines.anchors).toEqual([]);
    const entry = { path: 'x.py', language: 'python', kind: 'script', purpose: 'p', purposeSource: 'docstring', docstring: null, entryPoint: true, cli: null, defs: [], imports: [], runs: [], dependents: [], reads: [], writes: [], git: null, status: 'active', statusSource: 'default', canonicalFor: [], replacedBy: null, reason: null, owner: null, notes: null, bugs: [], parseErrors: 0 } as unknown as RegistryEntry;
    const full = detailLines('x.py', { entry, missing: false }, extras, false, 80);
    expect(full.anchors.map((a) => a.line)).toEqual([2, 19, 1]);
    const [first, cell, last] = full.anchors;
    for (const a of [first, last]) expect(text([full[a?.row ?? -1] ?? []])[0]).toMatch(new RegExp(`^ {2}${a?.line}:7 LOAD001`));
    expect(text([full[cell?.row ?? -1] ?? []])[0]).toMatch(/^ {2}cell 1:2:7 LOAD001/);
  });
});
