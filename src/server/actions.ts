/**
 * Code actions on provenant's diagnostics: the finding's fix (safe or unsafe, as `audit --fix` and
 * `--unsafe-fixes` apply it), and a suppression comment in the project's syntax (`# provenant:
 * ignore[CODE] reason`, `//` in TS/JS) with a reason placeholder to replace, added to a suppression
 * already on the line when there is one.
 */

import type { TextEdit } from 'vscode-languageserver/node';
import type { Language } from '../analysis/facts.js';
import type { Fix } from '../schemas/finding.js';

/**
 * A fix's edits per document URI: `uriOf` names the document of a notebook cell (edits with `cell`) or of
 * the file (without); null when an edit has no document here (a notebook edited as JSON text).
 */
export function fixChanges(fix: Fix, uriOf: (cell: number | undefined) => string | null): Record<string, TextEdit[]> | null {
  const changes: Record<string, TextEdit[]> = {};
  for (const e of fix.edits) {
    const uri = uriOf(e.cell);
    if (!uri) return null;
    const range = { start: { line: e.span.line - 1, character: e.span.col - 1 }, end: { line: e.span.endLine - 1, character: e.span.endCol - 1 } };
    (changes[uri] ??= []).push({ range, newText: e.content });
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
  if (language === 'typescript' || language === 'javascript') return '//';
  if (language === 'json' || language === 'notebook') return null;
  return '#';
}

const EXISTING = /(provenant:[ \t]*ignore\[)([^\]\n]*)\]/;

/**
 * The edit that silences `code` on a line (0-based `line`, its text `lineText`): the code added to the line's
 * suppression, else a comment after the code, else (after a `\` continuation, where nothing may follow) a
 * comment alone on the line above, which covers the line below it.
 */
export function suppressionEdit(lineText: string, line: number, code: string, comment: '#' | '//'): TextEdit | null {
  const text = lineText.replace(/\r$/, '');
  const existing = EXISTING.exec(text);
  if (existing) {
    const codes = (existing[2] ?? '').split(',').map((c) => c.trim()).filter(Boolean);
    if (codes.includes(code)) return null;
    const at = existing.index + (existing[1] ?? '').length + (existing[2] ?? '').length;
    const insert = codes.length ? `, ${code}` : code;
    return { range: { start: { line, character: at }, end: { line, character: at } }, newText: insert };
  }
  const suppression = `${comment} provenant: ignore[${code}] ${REASON_PLACEHOLDER}`;
  if (text.trimEnd().endsWith('\\')) {
    const indent = /^[ \t]*/.exec(text)?.[0] ?? '';
    return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}${suppression}\n` };
  }
  const end = text.trimEnd().length;
  return { range: { start: { line, character: end }, end: { line, character: text.length } }, newText: `  ${suppression}` };
}
