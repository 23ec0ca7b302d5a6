/**
 * Code actions on provenant's diagnostics: a suppression comment in the project's syntax
 * (`# provenant: ignore[CODE] reason`, `//` in TS/JS) with a reason placeholder to replace, added to a
 * suppression already on the line when there is one.
 */

import type { TextEdit } from 'vscode-languageserver/node';
import type { Language } from '../analysis/facts.js';

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
