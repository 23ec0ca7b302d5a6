/**
 * What rules build fixes from: positions in a file's text and the edits of a fix. Spans count lines from 1
 * and columns from 1 in UTF-16 code units, the end exclusive (as the facts do); an offset is an index
 * into the JavaScript string. Applying fixes is elsewhere (audit/apply-fixes.ts), loaded only by `--fix`.
 */

import type { FileFacts, Span } from '../analysis/facts.js';
import { lineStarts, positionAt } from '../analysis/positions.js';
import type { FixEdit } from '../schemas/finding.js';

/** The offset of a line and column, or null when the text has no such position. */
export function offsetAt(starts: readonly number[], text: string, line: number, col: number): number | null {
  const start = starts[line - 1];
  if (start === undefined) return null;
  const next = starts[line];
  const end = next === undefined ? text.length : next - 1;
  const at = start + col - 1;
  return col >= 1 && at <= end ? at : null;
}

/** A text with its line index, to turn spans into offsets and back. */
export class SourceText {
  readonly starts: number[];
  constructor(readonly text: string) {
    this.starts = lineStarts(text);
  }

  /** The offsets of a span, or null when the text does not hold it (the file changed, or it is empty). */
  range(span: Span): { start: number; end: number } | null {
    const start = offsetAt(this.starts, this.text, span.line, span.col);
    const end = offsetAt(this.starts, this.text, span.endLine, span.endCol);
    return start === null || end === null || end < start ? null : { start, end };
  }

  /** The text a span covers, or null. */
  slice(span: Span): string | null {
    const r = this.range(span);
    return r ? this.text.slice(r.start, r.end) : null;
  }

  spanOf(start: number, end: number): Span {
    const a = positionAt(this.starts, start);
    const b = positionAt(this.starts, end);
    return { line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  }

  /** The text of a line, without its newline. */
  line(n: number): string {
    const start = this.starts[n - 1];
    if (start === undefined) return '';
    const next = this.starts[n];
    return this.text.slice(start, next === undefined ? this.text.length : next - 1).replace(/\r$/, '');
  }
}

/** The edit that replaces what a span covers with `content`. */
export function replace(span: Span, content: string): FixEdit {
  return { span, content };
}

/** The edit that inserts `content` at the start of a line. */
export function insertAtLine(line: number, content: string): FixEdit {
  return { span: { line, col: 1, endLine: line, endCol: 1 }, content };
}

/**
 * The one match of `pattern` inside `span` (group 1, or the whole match, is what the result's span covers),
 * or null when there is none or more than one: a fix never guesses which of two places was meant.
 */
export function uniqueMatchIn(source: SourceText, span: Span, pattern: RegExp): { span: Span; text: string } | null {
  const r = source.range(span);
  if (!r) return null;
  const inside = source.text.slice(r.start, r.end);
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  const matches = [...inside.matchAll(global)];
  const [m] = matches;
  if (!m || matches.length !== 1 || m.index === undefined) return null;
  const group = m[1];
  const at = r.start + m.index + (group === undefined ? 0 : m[0].indexOf(group));
  const text = group ?? m[0];
  return { span: source.spanOf(at, at + text.length), text };
}

/**
 * Where a new top-level import goes in a Python file: after the last module-level import, else after a
 * leading docstring and comments, else at line 1. The edit inserts `statement` on a line of its own.
 */
export function importEdit(source: SourceText, facts: Pick<FileFacts, 'imports'>, statement: string): FixEdit {
  const top = facts.imports.filter((i) => i.scope === '<module>');
  const last = top.reduce<number>((n, i) => Math.max(n, i.span.endLine), 0);
  if (last > 0) return insertAtLine(last + 1, `${statement}\n`);
  let line = 1;
  // a shebang, an encoding line, comments and a docstring stay first
  while (line <= source.starts.length && /^\s*(#.*)?$/.test(source.line(line)) && source.line(line) !== '') line++;
  const doc = /^\s*[rRuU]?("""|''')/.exec(source.line(line));
  if (doc?.[1]) {
    const quote = doc[1];
    const opened = source.line(line).indexOf(quote) + 3;
    let end = line;
    if (!source.line(line).slice(opened).includes(quote)) {
      while (end < source.starts.length && !source.line(end + 1).includes(quote)) end++;
      end++;
    }
    line = end + 1;
  }
  return insertAtLine(line, `${statement}\n`);
}

/** Whether a Python file already binds `name` at module level through an import. */
export function importsName(facts: Pick<FileFacts, 'imports'>, name: string): boolean {
  return facts.imports.some((i) => i.scope === '<module>' && (i.alias ?? i.name ?? i.module.split('.')[0]) === name);
}

/**
 * The arguments of a call as written, from the text of the call (`f(a, b=[1, 2])` → `a`, `b=[1, 2]`), or
 * null when the text is not one call. Commas inside brackets and strings do not split.
 */
export function callArguments(callText: string): { inner: string; parts: string[] } | null {
  const open = callText.indexOf('(');
  if (open < 0 || !callText.trimEnd().endsWith(')')) return null;
  const inner = callText.slice(open + 1, callText.trimEnd().length - 1);
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (inner.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      }
    } else if (c === '"' || c === "'") {
      quote = inner.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length - 1;
    } else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (--depth < 0) return null;
    } else if (c === ',' && depth === 0) {
      parts.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (depth !== 0 || quote) return null;
  const last = inner.slice(start).trim();
  if (last) parts.push(last);
  return { inner: inner.trim(), parts };
}
