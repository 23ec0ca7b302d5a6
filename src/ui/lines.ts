/**
 * What the browser's panes say, as lines of styled segments cut to the terminal's width: pure functions
 * of the data and the width, so layout is tested without a terminal and every pane fits 80×24 (or
 * degrades below 40 columns) by construction. Components only turn segments into ink `Text`.
 */
import stringWidth from 'string-width';
import type { Status } from '../schemas/registry.js';
import type { BrowseRow } from './browser/data.js';

export type Tint = 'red' | 'yellow' | 'green' | 'cyan' | 'blue' | 'magenta' | 'gray';

export interface Seg {
  text: string;
  color?: Tint;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}

export type Line = Seg[];

/** Below this many columns the list drops its badge and purpose columns. */
export const NARROW = 40;
/** Below this many columns nothing useful fits. */
export const TOO_NARROW = 16;

export const BADGE: Record<Status, { text: string; symbol: string; tint: Seg }> = {
  canonical: { text: '★ canonical', symbol: '★', tint: { text: '', color: 'yellow', bold: true } },
  active: { text: 'active', symbol: '·', tint: { text: '', color: 'green' } },
  experimental: { text: 'experimental', symbol: '~', tint: { text: '', color: 'cyan' } },
  deprecated: { text: 'deprecated', symbol: '✗', tint: { text: '', color: 'red', dim: true } },
};

export function badge(status: Status, short = false): Seg {
  const b = BADGE[status];
  return { ...b.tint, text: short ? b.symbol : b.text };
}

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The columns a terminal gives `text`: CJK and most emoji take two, combining marks none. */
export const columnsOf = (text: string): number => stringWidth(text);

/** The longest start of `text` that fits in `columns` terminal columns, never splitting a character. */
function cut(text: string, columns: number): string {
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > columns) break;
    out += segment;
    used += w;
  }
  return out;
}

/** The line cut to `width` terminal columns, with an ellipsis where it was cut. */
export function fit(line: Line, width: number): Line {
  const out: Line = [];
  let left = Math.max(0, width);
  for (const raw of line) {
    // one screen line per Line: a newline or tab inside a purpose would break the layout
    const seg = /[\n\r\t]/.test(raw.text) ? { ...raw, text: raw.text.replace(/[\n\r\t]/g, ' ') } : raw;
    const w = stringWidth(seg.text);
    if (w <= left) {
      out.push(seg);
      left -= w;
      continue;
    }
    if (left > 0) out.push({ ...seg, text: cut(seg.text, left - 1) + ELLIPSIS });
    return out;
  }
  return out;
}

export function textOf(line: Line): string {
  return line.map((s) => s.text).join('');
}

/** Words wrapped to `width`, every line after the first indented by `indent` spaces. */
export function wrap(text: string, width: number, indent = 0): string[] {
  const room = Math.max(8, width);
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const limit = out.length === 0 ? room : room - indent;
    if (line && stringWidth(line) + 1 + stringWidth(word) > limit) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line || out.length === 0) out.push(line);
  return out.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l));
}

/** `text` with spaces after it up to `width` terminal columns. */
export function pad(text: string, width: number): string {
  const n = stringWidth(text);
  return n >= width ? text : text + ' '.repeat(width - n);
}

/** One row of the script list: cursor marker, status badge, path, purpose (as the width allows). */
export function listLine(row: BrowseRow, selected: boolean, width: number, pathWidth: number): Line {
  const marker: Seg = { text: selected ? '› ' : '  ', bold: selected };
  const sel = (seg: Seg): Seg => (selected ? { ...seg, inverse: true } : seg);
  if (width < NARROW) return fit([marker, badge(row.status, true), { text: ' ' }, sel({ text: row.path, bold: selected })], width);
  const b = badge(row.status);
  const bugs: Seg[] = row.bugs ? [{ text: `!${row.bugs} `, color: 'red', bold: true }] : [];
  const line: Line = [
    marker,
    { ...b, text: pad(b.text, 13) },
    sel({ text: pad(row.path, pathWidth), bold: selected, ...(row.status === 'deprecated' ? { dim: true } : {}) }),
    { text: '  ' },
    ...bugs,
    { text: row.purpose ?? '(undocumented)', color: row.purpose ? undefined : 'gray', dim: row.purpose === null },
  ];
  return fit(line, width);
}

/** The path column: as wide as the longest visible path, but never more than half the terminal. */
export function pathColumn(rows: readonly BrowseRow[], width: number): number {
  let longest = 0;
  for (const r of rows) longest = Math.max(longest, stringWidth(r.path));
  return Math.max(12, Math.min(longest, Math.floor(width * 0.5)));
}

export function coverageText(c: { documented: number; total: number; percent: number }): string {
  return `${c.documented}/${c.total} documented (${c.percent}%)`;
}
