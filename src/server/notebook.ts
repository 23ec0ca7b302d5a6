/**
 * A notebook the editor holds as cells (LSP notebook sync), written back into the nbformat 4 JSON the
 * audit reads, one source line per JSON line, so a finding's cell and line in the cell place it in the
 * cell's own text document.
 */

import type { Finding } from '../schemas/finding.js';

export interface EditorCell {
  kind: 'code' | 'markdown';
  text: string;
}

/** The notebook's JSON: cells in the editor's order (markdown ones counted, as the audit counts them). */
export function notebookJson(cells: readonly EditorCell[]): string {
  return JSON.stringify(
    {
      cells: cells.map((c) => ({
        cell_type: c.kind,
        metadata: {},
        source: c.text.split(/(?<=\n)/).filter((l) => l !== ''),
        ...(c.kind === 'code' ? { execution_count: null, outputs: [] } : {}),
      })),
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  );
}

/** Where a notebook finding sits in its cell: 0-based cell, and the LSP range within the cell's text. */
export function cellPlace(f: Finding): { cell: number; start: { line: number; character: number }; end: { line: number; character: number } } | null {
  if (!f.cell) return null;
  const line = f.cell.line - 1;
  // the JSON written above has each source line on a line of its own, so lines of the span count alike
  const endLine = line + Math.max(0, f.span.endLine - f.span.line);
  return { cell: f.cell.index - 1, start: { line, character: f.span.col - 1 }, end: { line: endLine, character: Math.max(0, f.span.endCol - 1) } };
}
