/**
 * Reads `# provenant: ignore[CODES] reason` comments into suppression facts, in every `#`-comment language.
 * The engine applies them after the rules have run; the SUPP rules check them.
 */

import type { SuppressionFact } from './facts.js';
import { lineStarts, positionAt } from './positions.js';

/** Cheap test before parsing suppressions at all. */
export const SUPPRESSION_MARKER = 'provenant:';

const COMMENT = /#[ \t]*provenant:[ \t]*ignore\[([^\]\n]*)\][ \t]*(?:[-:—][ \t]*)?([^\n]*)/g;

/**
 * Suppression comments in a `#`-comment language (Python, shell, Makefile, YAML). A comment after code
 * covers its own line; a comment alone on its line covers the next line (and its own).
 */
export function parseSuppressions(text: string): SuppressionFact[] {
  if (!text.includes(SUPPRESSION_MARKER)) return [];
  const out: SuppressionFact[] = [];
  const starts = lineStarts(text);
  const lineOf = (offset: number): number => positionAt(starts, offset).line;
  COMMENT.lastIndex = 0;
  for (let m = COMMENT.exec(text); m; m = COMMENT.exec(text)) {
    const line = lineOf(m.index);
    const start = starts[line - 1] ?? 0;
    const before = text.slice(start, m.index);
    const standalone = before.trim() === '';
    const codes = (m[1] ?? '')
      .split(',')
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean);
    const reason = (m[2] ?? '').replace(/\r$/, '').trim();
    out.push({
      span: { line, col: m.index - start + 1, endLine: line, endCol: m.index - start + 1 + m[0].replace(/\r$/, '').length },
      codes,
      reason: reason || null,
      lines: standalone ? [line, line + 1] : [line],
    });
  }
  return out;
}
