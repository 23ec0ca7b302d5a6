import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { BrowseRow } from './browser/data.js';
import { fit, listLine, pathColumn, textOf, wrap } from './lines.js';

function row(path: string, purpose: string | null): BrowseRow {
  return { path, name: path, status: 'active', purpose, kind: 'python', replacedBy: null, bugs: 0, defs: [], canonicalFor: [] };
}

describe('terminal columns', () => {
  it('cuts wide characters by the columns they take, never past the width', () => {
    expect(textOf(fit([{ text: '数据清洗脚本' }], 7))).toBe('数据清…');
    expect(textOf(fit([{ text: 'ab' }, { text: '🚀🚀🚀' }], 6))).toBe('ab🚀…');
    expect(textOf(fit([{ text: 'plain ascii text' }], 8))).toBe('plain a…');
    for (let width = 1; width <= 14; width++) {
      expect(stringWidth(textOf(fit([{ text: 'x' }, { text: '訓練🚀データ' }], width)))).toBeLessThanOrEqual(width);
    }
  });

  it('aligns the purposes of a list whose paths hold CJK and emoji', () => {
    const rows = [row('scripts/train.py', 'ASCII purpose'), row('scripts/数据/清洗.py', '去重 and filtering'), row('scripts/🚀launch.sh', '🚀 one GPU session')];
    const column = pathColumn(rows, 100);
    expect(column).toBe(stringWidth('scripts/数据/清洗.py'));
    const starts = rows.map((r) => {
      const text = textOf(listLine(r, false, 100, column));
      return stringWidth(text.slice(0, text.indexOf(r.purpose as string)));
    });
    expect(new Set(starts).size).toBe(1);
    for (const r of rows) expect(stringWidth(textOf(listLine(r, true, 40, pathColumn(rows, 40))))).toBeLessThanOrEqual(40);
  });

  it('wraps by columns, so a line of CJK words stays within the width', () => {
    const lines = wrap('事前 学習 済み モデル の 読み込み は 一つ の 関数 だけ', 12, 2);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(12);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toBe('事前 学習 済み モデル の 読み込み は 一つ の 関数 だけ');
  });
});
