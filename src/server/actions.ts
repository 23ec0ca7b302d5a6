/**
 * Code actions on provenant's diagnostics: the finding's fix (safe or unsafe, as `audit --fix` and
 * `--unsafe-fixes` apply it), and a suppression comment in the project's syntax (`# provenant:
 * ignore[CODE] reason`, `//` in TS/JS) with a reason placeholder to replace, written as
 * `audit --add-suppressions` writes it: alone on the line above, or added to a suppression already there.
 */

import type { Range, TextEdit } from 'vscode-languageserver/node';
import type { Language } from '../analysis/facts.js';
import { commentMarker, suppressionEdit as addSuppression } from '../audit/add-suppressions.js';
import { SourceText } from '../audit/fixes.js';
import type { Fix } from '../schemas/finding.js';

type Span = Fix['edits'][number]['span'];

/** A 1-based span with an exclusive end as an LSP range (0-based). */
function rangeOf(span: Span): Range {
  return { start: { line: span.line - 1, character: span.col - 1 }, end: { line: span.endLine - 1, character: span.endCol - 1 } };
}

/**
 * A fix's edits per document URI: `uriOf` names the document of a notebook cell (edits with `cell`) or of
 * the file (without); null when an edit has no document here (a notebook edited as JSON text).
 */
export function fixChanges(fix: Fix, uriOf: (cell: number | undefined) => string | null): Record<string, TextEdit[]> | null {
  const changes: Record<string, TextEdit[]> = {};
  for (const e of fix.edits) {
    const uri = uriOf(e.cell);
    if (!uri) return null;
    (changes[uri] ??= []).push({ range: rangeOf(e.span), newText: e.content });
  }
  return changes;
}

type Edit = Fix['edits'][number];

/** A place in a file as one number that orders places: cell, then line, then column (each under 2^20). */
function place(cell: number | undefined, line: number, col: number): number {
  return ((cell ?? 0) * 2 ** 20 + line) * 2 ** 20 + col;
}

function apart(a: Edit, b: Edit): boolean {
  const end = (e: Edit) => place(e.cell, e.span.endLine, e.span.endCol);
  const start = (e: Edit) => place(e.cell, e.span.line, e.span.col);
  return end(a) <= start(b) || end(b) <= start(a);
}

/** The fixes of one file that can be applied together: safe ones, in order, none overlapping another. */
export function fixAll(fixes: readonly Fix[]): Fix[] {
  const taken: Fix[] = [];
  for (const fix of fixes) {
    if (fix.applicability !== 'safe') continue;
    if (fix.edits.some((e) => taken.some((t) => t.edits.some((o) => !apart(e, o))))) continue;
    taken.push(fix);
  }
  return taken;
}

/** The text written where the reason goes; SUPP002 asks for a reason, so a real one must replace it. */
export const REASON_PLACEHOLDER = 'TODO: why this finding does not apply';

/** The comment opener of a language that has suppressions, or null (JSON has no comments). */
export function commentOf(language: Language): '#' | '//' | null {
  // a notebook open as JSON text takes no comment; its cells, open as Python, do
  return language === 'notebook' ? null : commentMarker(language);
}

/**
 * The edit that silences `code` on a line (0-based `line`) of `text`, with the reason placeholder; null
 * when the line's suppression already names the code or no comment can go there (after a `\`).
 */
export function suppressionEdit(text: string, line: number, code: string, comment: '#' | '//'): TextEdit | null {
  const source = new SourceText(text);
  const edit = addSuppression(source, line + 1, [code], REASON_PLACEHOLDER, comment);
  if (typeof edit === 'string') return null;
  const { span } = edit;
  if (span.line === span.endLine && source.line(span.line).slice(span.col - 1, span.endCol - 1) === edit.content) return null;
  return { range: rangeOf(span), newText: edit.content };
}
