import { describe, expect, it } from 'vitest';
import { plainText, regionText, repositoryUrl, ruleDoc } from './sarif.js';

describe('ruleDoc', () => {
  it('splits a rule.md at its ## headings, never inside fenced code', () => {
    const md = '# x (X001)\n\n## What it does\nFlags `a`.\n\n## Example\n```python\n## not a heading\nx = 1\n```\n\nUse instead:\n```python\ny = 2\n```\n';
    const { sections } = ruleDoc(md);
    expect([...sections.keys()]).toEqual(['What it does', 'Example']);
    expect(sections.get('What it does')).toBe('Flags `a`.');
    expect(sections.get('Example')).toContain('## not a heading');
  });
});

describe('plainText', () => {
  it('unwraps paragraphs, keeps list items apart, drops code spans, emphasis and link syntax', () => {
    const md = 'Flags `tok.apply_chat_template`\nwhen the model is **base**.\n\n- one `a`\n- two, see [docs](https://example.org/x)\n\nA *word* and snake_case_name stay.';
    expect(plainText(md)).toBe(
      'Flags tok.apply_chat_template when the model is base.\n- one a\n- two, see docs (https://example.org/x)\nA word and snake_case_name stay.',
    );
  });
});

describe('regionText', () => {
  const frame = [
    { line: 4, text: 'x = call(' },
    { line: 5, text: '    arg)  # done' },
  ];
  it('cuts the span out of the frame, across lines, with an exclusive end column', () => {
    expect(regionText({ span: { line: 4, col: 5, endLine: 5, endCol: 9 }, frame })).toBe('call(\n    arg)');
    expect(regionText({ span: { line: 5, col: 5, endLine: 5, endCol: 8 }, frame })).toBe('arg');
  });
  it('gives nothing when the frame does not hold the whole span', () => {
    expect(regionText({ span: { line: 4, col: 1, endLine: 9, endCol: 2 }, frame })).toBeUndefined();
  });
});

describe('repositoryUrl', () => {
  it('reads the forms package.json allows', () => {
    expect(repositoryUrl({ type: 'git', url: 'git+https://github.com/acme/provenant.git' })).toBe('https://github.com/acme/provenant');
    expect(repositoryUrl('github:acme/provenant')).toBe('https://github.com/acme/provenant');
    expect(repositoryUrl('acme/provenant')).toBe('https://github.com/acme/provenant');
    expect(repositoryUrl('https://gitlab.com/acme/provenant')).toBe('https://gitlab.com/acme/provenant');
  });
  it('omits what it cannot turn into a URL', () => {
    expect(repositoryUrl(undefined)).toBeUndefined();
    expect(repositoryUrl({ type: 'git' })).toBeUndefined();
    expect(repositoryUrl('ssh://git@host:acme/x.git')).toBeUndefined();
  });
});
