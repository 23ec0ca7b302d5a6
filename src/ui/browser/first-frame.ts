/**
 * The browser's first screen as plain ANSI text, drawn from the same lines the components draw, so it
 * can be on the terminal while ink and React are still loading (they take longer to import than the
 * registry takes to read). ink then draws the identical frame over it.
 */
import type { BrowseSession } from './data.js';
import { footerLine, headerLines, listLines } from './chrome.js';
import { TOO_NARROW, type Line, type Seg } from '../lines.js';
import { initialState, listHeight, type Size } from './state.js';

const TINT: Record<NonNullable<Seg['color']>, number> = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90 };

function styled(seg: Seg, color: boolean): string {
  if (!color) return seg.text;
  const codes = [seg.bold ? 1 : 0, seg.dim ? 2 : 0, seg.inverse ? 7 : 0, seg.color ? TINT[seg.color] : 0].filter(Boolean);
  return codes.length ? `\u001b[${codes.join(';')}m${seg.text}\u001b[0m` : seg.text;
}

export function lineText(line: Line, color: boolean): string {
  return line.map((s) => styled(s, color)).join('');
}

/** Every line of the first frame, `\n`-joined, exactly as tall as the frame ink draws. */
export function firstFrame(session: Pick<BrowseSession, 'rows' | 'coverage' | 'unchecked' | 'include'>, size: Size, color: boolean): string {
  if (size.columns < TOO_NARROW) return `terminal too narrow (${size.columns} columns); q quits`;
  const state = initialState(session.rows, size);
  const [first, second] = headerLines(state, session);
  const list = listLines(state, session.include);
  const body = Array.from({ length: listHeight(size) }, (_, i) => list[i] ?? []);
  return [first, second, ...body, footerLine(state)].map((l) => lineText(l, color)).join('\n');
}
