import { describe, expect, it } from 'vitest';
import { listRules } from '../audit/catalog.js';
import { parseSuppressions } from '../analysis/suppressions.js';
import { commentOf, fixAll, fixChanges, REASON_PLACEHOLDER, suppressionEdit } from './actions.js';
import type { Fix } from '../schemas/finding.js';
import { ruleDoc, ruleHover } from './rule-docs.js';

/** `text` with one LSP edit applied (0-based lines and characters). */
function applied(text: string, edit: NonNullable<ReturnType<typeof suppressionEdit>>): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(0, offset(edit.range.start)) + edit.newText + text.slice(offset(edit.range.end));
}

describe('suppression edits (as audit --add-suppressions writes them)', () => {
  it('puts a comment the suppression parser reads alone on the line above, at its indent, reason placeholder included', () => {
    const text = 'def load():\n    tok = AutoTokenizer.from_pretrained(BASE)\n';
    const edit = suppressionEdit(text, 1, 'LOAD001', '#');
    if (!edit) throw new Error('no edit');
    const lines = applied(text, edit).split('\n');
    expect(lines[1]).toBe(`    # provenant: ignore[LOAD001] ${REASON_PLACEHOLDER}`);
    expect(lines[2]).toBe('    tok = AutoTokenizer.from_pretrained(BASE)');
    const [s] = parseSuppressions(lines.join('\n'));
    expect(s?.codes).toEqual(['LOAD001']);
    expect(s?.reason).toBe(REASON_PLACEHOLDER);
  });

  it('adds the code to a suppression already on the line or alone above it, once', () => {
    const trailing = 'x = f()  # provenant: ignore[TMPL001] judged by an instruct model';
    const edit = suppressionEdit(trailing, 0, 'LOAD001', '#');
    if (!edit) throw new Error('no edit');
    expect(applied(trailing, edit)).toBe('x = f()  # provenant: ignore[TMPL001, LOAD001] judged by an instruct model');
    expect(suppressionEdit(trailing, 0, 'TMPL001', '#')).toBeNull();
    const above = '# provenant: ignore[TMPL001] judged by an instruct model\nx = f()';
    const join = suppressionEdit(above, 1, 'LOAD001', '#');
    if (!join) throw new Error('no edit');
    expect(applied(above, join).split('\n')[0]).toBe('# provenant: ignore[TMPL001, LOAD001] judged by an instruct model');
  });

  it('offers nothing on a line continuing the one before with a backslash, where no comment can go', () => {
    expect(suppressionEdit('tok = load(BASE) + \\\n    other()', 1, 'LOAD001', '#')).toBeNull();
  });

  it('uses // in TS/JS and offers nothing where comments cannot go', () => {
    expect(commentOf('typescript')).toBe('//');
    expect(commentOf('python')).toBe('#');
    expect(commentOf('json')).toBeNull();
    expect(commentOf('notebook')).toBeNull();
  });
});

describe('rule documentation in hovers', () => {
  it('finds "Why is this bad?" and "Use instead" in every rule.md', () => {
    for (const { code } of listRules()) {
      const doc = ruleDoc(code);
      expect(doc?.why, code).toMatch(/\S/);
      expect(doc?.useInstead, code).toMatch(/\S/);
      expect(doc?.why, code).not.toContain('## ');
    }
  });

  it('names an unknown code without documentation', () => {
    expect(ruleDoc('NOPE999')).toBeNull();
    expect(ruleHover('NOPE999', 'something')).toBe('**NOPE999**: something');
  });
});

const fixOn = (line: number, col: number, endCol: number, applicability: Fix['applicability'] = 'safe', cell?: number): Fix => ({
  applicability,
  message: 'use add_special_tokens=False',
  edits: [{ span: { line, col, endLine: line, endCol }, content: 'False', ...(cell ? { cell } : {}) }],
});

describe('fixes as workspace edits', () => {
  it('turns 1-based, end-exclusive spans into LSP ranges on the right document', () => {
    expect(fixChanges(fixOn(5, 10, 14), () => 'file:///a.py')).toEqual({
      'file:///a.py': [{ range: { start: { line: 4, character: 9 }, end: { line: 4, character: 13 } }, newText: 'False' }],
    });
    const cells = (cell: number | undefined) => (cell === 2 ? 'cell-2' : null);
    expect(Object.keys(fixChanges(fixOn(1, 1, 5, 'safe', 2), cells) ?? {})).toEqual(['cell-2']);
    // a cell edit with no cell document (a notebook edited as JSON text) is no action at all
    expect(fixChanges(fixOn(1, 1, 5, 'safe', 3), cells)).toBeNull();
  });

  it('takes every safe fix that overlaps none taken before, never an unsafe one', () => {
    const first = fixOn(3, 5, 9);
    const overlapping = fixOn(3, 8, 12);
    const touching = fixOn(3, 9, 12);
    const otherCell = fixOn(3, 5, 9, 'safe', 2);
    expect(fixAll([first, overlapping, touching, fixOn(7, 1, 4, 'unsafe'), otherCell])).toEqual([first, touching, otherCell]);
  });
});
