/**
 * `provenant audit --add-suppressions "reason"` (Ruff's `--add-noqa`): a suppression comment with the reason
 * on every current finding, an alternative to the baseline that lives next to the code. A comment goes on
 * a line of its own above the finding's line, indented like it (it covers the next line); when that line
 * or the one above already carries a suppression, the codes are added to it instead.
 */

import { languageOf } from '../analysis/front-ends.js';
import type { Language } from '../schemas/languages.js';
import { UserError } from '../core/errors.js';
import type { Finding, Fix } from '../schemas/finding.js';
import type { FixSource } from './apply-fixes.js';
import { insertAtLine, replace, SourceText } from './fixes.js';

const EXISTING = /(#|\/\/)[ \t]*provenant:[ \t]*ignore\[([^\]\n]*)\]([^\n]*)/;

/** The comment marker of a language, or null when it has no comments provenant reads. */
export function commentMarker(language: Language | null): '#' | '//' | null {
  if (language === 'typescript' || language === 'javascript') return '//';
  if (language === 'json' || language === null) return null;
  return '#';
}

export function suppressionSource(reason: string): FixSource {
  const why = reason.trim();
  if (!why || /[\r\n]/.test(why)) {
    throw new UserError('--add-suppressions needs a reason on one line', { hint: 'say why the findings are accepted, e.g. --add-suppressions "judge runs on an instruct model"' });
  }
  // a SUPP finding is about a suppression comment itself: the comment is what to change
  const suppressible = (f: Finding) => !f.code.startsWith('SUPP');
  return {
    wants: (findings) => findings.some(suppressible),
    fixes(findings, document, file) {
      const marker = commentMarker(languageOf(file));
      const own = findings.filter(suppressible);
      if (!own.length) return { fixes: [], skipped: [] };
      if (marker === null) return { fixes: [], skipped: [`its format has no comments; ${own.length} finding(s) left for the baseline`] };
      const groups = new Map<string, { part: number; line: number; codes: Set<string> }>();
      for (const f of own) {
        const part = f.cell?.index ?? 0;
        const line = f.cell?.line ?? f.span.line;
        const key = `${part}:${line}`;
        const group = groups.get(key) ?? { part, line, codes: new Set<string>() };
        group.codes.add(f.code);
        groups.set(key, group);
      }
      const fixes: Fix[] = [];
      const skipped: string[] = [];
      for (const { part, line, codes } of groups.values()) {
        const got = document.text(part);
        if (!got.ok) {
          skipped.push(got.reason);
          continue;
        }
        const edit = suppressionEdit(new SourceText(got.text), line, [...codes].sort(), why, marker);
        if (typeof edit === 'string') skipped.push(`line ${line}${part ? ` of cell ${part}` : ''}: ${edit}`);
        else fixes.push({ applicability: 'safe', message: `suppress ${[...codes].join(', ')}`, edits: [part ? { ...edit, cell: part } : edit] });
      }
      return { fixes, skipped };
    },
  };
}

/**
 * The edit that suppresses `codes` on `line` (1-based), or why none can be placed: the codes added to a
 * suppression on the line or alone on the line above, else a comment alone above the line. The editor
 * server's suppression action writes the same edit.
 */
export function suppressionEdit(source: SourceText, line: number, codes: string[], reason: string, marker: string): ReturnType<typeof replace> | string {
  for (const at of [line, line - 1]) {
    const text = source.line(at);
    const m = EXISTING.exec(text);
    // the line above counts only when the comment is alone on it (then it covers this line)
    if (!m || m.index === undefined || (at !== line && text.slice(0, m.index).trim() !== '')) continue;
    const written = (m[2] ?? '').split(',').map((c) => c.trim()).filter(Boolean);
    const merged = [...new Set([...written, ...codes])];
    const rest = (m[3] ?? '').trim() ? (m[3] ?? '') : ` ${reason}`;
    const start = m.index + m[0].indexOf('[');
    const span = { line: at, col: start + 1, endLine: at, endCol: m.index + m[0].length + 1 };
    return replace(span, `[${merged.join(', ')}]${rest}`);
  }
  if (line > 1 && /\\$/.test(source.line(line - 1))) return 'it continues the line before it, so no comment can go between them';
  const indent = /^[ \t]*/.exec(source.line(line))?.[0] ?? '';
  return insertAtLine(line, `${indent}${marker} provenant: ignore[${codes.join(', ')}] ${reason}\n`);
}
