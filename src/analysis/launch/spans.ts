/**
 * Turns offsets in a launcher's text into the 1-based line/column spans of the facts model.
 */

import type { Span } from '../facts.js';

/** Offsets → 1-based line/column (UTF-16 units) for one source text. `endCol` is exclusive. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) this.starts.push(nl + 1);
  }

  /** Number of lines; a final newline does not open another one. */
  get lineCount(): number {
    if (this.text.length === 0) return 0;
    return this.starts.length - (this.text.endsWith('\n') ? 1 : 0);
  }

  position(offset: number): { line: number; col: number } {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: clamped - (this.starts[lo] as number) + 1 };
  }

  span(start: number, end: number): Span {
    const from = this.position(start);
    const to = this.position(Math.max(start, end));
    return { line: from.line, col: from.col, endLine: to.line, endCol: to.col };
  }
}
