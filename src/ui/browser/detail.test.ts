import { describe, expect, it } from 'vitest';
import type { Finding } from '../../schemas/finding.js';
import { findingLines } from './detail.js';

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
