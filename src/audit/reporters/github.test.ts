import { describe, expect, it } from 'vitest';
import type { Finding } from '../../schemas/finding.js';
import { annotation, escapeData, escapeProperty, worstFirst } from './github.js';

function finding(over: Partial<Finding> & Pick<Finding, 'severity' | 'path'>, line = 3): Finding {
  return {
    code: 'LOAD001',
    name: 'manual-model-load',
    message: 'm',
    span: { line, col: 5, endLine: line, endCol: 9 },
    frame: [],
    fingerprint: 'f',
    ...over,
  };
}

describe('workflow command escaping', () => {
  it('escapes %, CR and LF in data, and also : and , in properties', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('C:\\x,y%\n')).toBe('C%3A\\x%2Cy%25%0A');
    // % first, so an escape is never escaped twice
    expect(escapeData('%0A')).toBe('%250A');
  });

  it('builds an annotation with every position property and the rule as title', () => {
    const f = finding({ severity: 'error', path: 'a, b/x:y.py', message: 'loads `m`\nhere: 50%' });
    expect(annotation(f, '/repo', '/repo')).toBe(
      '::error file=a%2C b/x%3Ay.py,line=3,col=5,endLine=3,endColumn=9,title=LOAD001 manual-model-load::loads `m`%0Ahere: 50%25',
    );
  });

  it('uses ::warning and ::notice, and drops columns on a multi-line span (GitHub rejects them)', () => {
    const warning = annotation(finding({ severity: 'warning', path: 'x.py' }), '/r', '/r');
    expect(warning.startsWith('::warning file=x.py,')).toBe(true);
    const multi = finding({ severity: 'info', path: 'x.py', span: { line: 3, col: 5, endLine: 6, endCol: 2 } });
    expect(annotation(multi, '/r', '/r')).toBe('::notice file=x.py,line=3,endLine=6,title=LOAD001 manual-model-load::m');
  });

  it('names files relative to the working directory', () => {
    expect(annotation(finding({ severity: 'error', path: 'src/x.py' }), '/w/proj', '/w')).toContain('file=proj/src/x.py,');
  });
});

describe('worstFirst', () => {
  it('orders errors, warnings, infos, then path and line', () => {
    const fs = [
      finding({ severity: 'info', path: 'a.py' }),
      finding({ severity: 'warning', path: 'a.py' }),
      finding({ severity: 'error', path: 'b.py' }, 1),
      finding({ severity: 'error', path: 'a.py' }, 9),
      finding({ severity: 'error', path: 'a.py' }, 2),
    ];
    expect(worstFirst(fs).map((f) => `${f.severity} ${f.path}:${f.span.line}`)).toEqual([
      'error a.py:2',
      'error a.py:9',
      'error b.py:1',
      'warning a.py:3',
      'info a.py:3',
    ]);
  });
});
