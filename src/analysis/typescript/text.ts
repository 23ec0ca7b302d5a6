/**
 * Text-level facts of TS/JS sources: comments as docstrings, and body fingerprints from the scanner
 * (no tree walk, so a fingerprint costs one pass over the body's characters).
 */
import { createHash } from 'node:crypto';
import type { ts as T } from 'ts-morph';
import { shinglesOf, type BodyFingerprint } from '../python/fingerprint.js';
import { compiler, type TS } from './compiler.js';

/** Tool directives that open many files but say nothing about them. */
const DIRECTIVE = /^(?:eslint|@ts-|global\s|jshint|jslint|prettier-ignore|istanbul|c8\s|#region|@jsx|@vitest-environment|@license)/;

/** A comment's text without its markers and `*` gutters; blank edges trimmed, inner lines kept. */
export function cleanComment(raw: string): string {
  if (raw.startsWith('//')) return raw.replace(/^\/\/\/?[ \t]?/, '').trimEnd();
  const body = raw.replace(/^\/\*+/, '').replace(/\*+\/$/, '');
  const lines = body.split(/\r?\n/).map((l) => l.replace(/^\s*\*(?!\/)[ \t]?/, '').trimEnd());
  while (lines.length && !lines[0]?.trim()) lines.shift();
  while (lines.length && !lines[lines.length - 1]?.trim()) lines.pop();
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n');
}

interface Comment {
  text: string;
  pos: number;
  end: number;
}

/** The leading comments at `pos`, with runs of `//` lines on consecutive lines merged into one. */
export function leadingComments(src: string, pos: number): Comment[] {
  const ts = compiler();
  const ranges = ts.getLeadingCommentRanges(src, pos) ?? [];
  const out: Comment[] = [];
  let run: { lines: string[]; pos: number; end: number } | null = null;
  const flush = (): void => {
    if (run) out.push({ text: run.lines.join('\n').trim(), pos: run.pos, end: run.end });
    run = null;
  };
  for (const r of ranges) {
    const raw = src.slice(r.pos, r.end);
    if (r.kind === ts.SyntaxKind.SingleLineCommentTrivia) {
      const adjacent = run !== null && !/\n[ \t]*\r?\n/.test(src.slice((run as { end: number }).end, r.pos));
      if (!adjacent) flush();
      run ??= { lines: [], pos: r.pos, end: r.end };
      run.lines.push(cleanComment(raw));
      run.end = r.end;
    } else {
      flush();
      out.push({ text: cleanComment(raw), pos: r.pos, end: r.end });
    }
  }
  flush();
  return out.filter((c) => c.text && !DIRECTIVE.test(c.text));
}

/**
 * The file's docstring: its first comment (after a shebang and tool directives). When that comment is
 * glued to a declaration with no blank line between, it documents the declaration too (`shared`).
 */
export function fileDocComment(sf: T.SourceFile): (Comment & { shared: boolean }) | null {
  const src = sf.text;
  const comments = leadingComments(src, 0);
  const first = comments[0];
  if (!first) return null;
  const next = sf.statements[0];
  if (!next) return { ...first, shared: false };
  const gap = src.slice(first.end, next.getStart(sf));
  return { ...first, shared: comments.length === 1 && !/\n[ \t]*\r?\n/.test(gap) && isDeclaration(next, compiler()) };
}

function isDeclaration(node: T.Node, ts: TS): boolean {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isClassDeclaration(node) ||
    ts.isVariableStatement(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isEnumDeclaration(node)
  );
}

/** The JSDoc (`/** … *\/`) right before a statement, cleaned; null when there is none. */
export function jsDocOf(src: string, node: T.Node, skip: number | null): string | null {
  const comments = leadingComments(src, node.pos);
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i];
    if (c && c.pos !== skip && src.startsWith('/**', c.pos)) return c.text;
  }
  return null;
}

/** Line and column (1-based, UTF-16) of an offset. */
export function positionOf(sf: T.SourceFile, offset: number): { line: number; col: number } {
  const lc = sf.getLineAndCharacterOfPosition(offset);
  return { line: lc.line + 1, col: lc.character + 1 };
}

// ---- fingerprints ------------------------------------------------------------------------------

/** After these tokens a `/` starts a regular expression, not a division. */
function slashIsRegex(prev: T.SyntaxKind | null, ts: TS): boolean {
  if (prev === null) return true;
  const K = ts.SyntaxKind;
  if (prev === K.Identifier || prev === K.NumericLiteral || prev === K.StringLiteral || prev === K.BigIntLiteral) return false;
  if (prev === K.CloseParenToken || prev === K.CloseBracketToken || prev === K.CloseBraceToken) return false;
  if (prev === K.ThisKeyword || prev === K.SuperKeyword || prev === K.PlusPlusToken || prev === K.MinusMinusToken) return false;
  if (prev === K.NoSubstitutionTemplateLiteral || prev === K.TemplateTail || prev === K.RegularExpressionLiteral) return false;
  return true;
}

let scanner: T.Scanner | undefined;

/**
 * A fingerprint of a body that survives renames, token for token the Python front end's: names,
 * strings, templates, regexes and numbers normalised, a name after `.` kept as `.name`, keywords and
 * punctuation kept, comments dropped. Classes get no shingles, as in Python.
 */
export function fingerprintOf(src: string, start: number, end: number, jsx: boolean, withShingles: boolean): BodyFingerprint {
  const tokens = normalisedTokens(src, start, end, jsx);
  return {
    fingerprint: createHash('sha1').update(tokens.join('\u0001')).digest('hex').slice(0, 16),
    tokens: tokens.length,
    shingles: withShingles ? shinglesOf(tokens) : [],
  };
}

export function normalisedTokens(src: string, start: number, end: number, jsx: boolean): string[] {
  const ts = compiler();
  const K = ts.SyntaxKind;
  scanner ??= ts.createScanner(ts.ScriptTarget.Latest, true);
  scanner.setLanguageVariant(jsx ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard);
  scanner.setText(src, start, end - start);
  const out: string[] = [];
  const templates: number[] = [];
  let depth = 0;
  let prev: T.SyntaxKind | null = null;
  for (let kind = scanner.scan(); kind !== K.EndOfFileToken; kind = scanner.scan()) {
    if (kind === K.OpenBraceToken) depth++;
    else if (kind === K.CloseBraceToken) {
      if (templates.length && templates[templates.length - 1] === depth) {
        kind = scanner.reScanTemplateToken(false);
        if (kind === K.TemplateTail) templates.pop();
        out.push('S');
        prev = kind;
        continue;
      }
      depth--;
    } else if (kind === K.TemplateHead) templates.push(depth);
    else if ((kind === K.SlashToken || kind === K.SlashEqualsToken) && slashIsRegex(prev, ts)) kind = scanner.reScanSlashToken();
    const afterDot = prev === K.DotToken || prev === K.QuestionDotToken;
    if (afterDot && (kind === K.Identifier || kind === K.PrivateIdentifier || isKeyword(kind, ts))) out[out.length - 1] = `.${scanner.getTokenText()}`;
    else out.push(tokenClass(kind, ts, scanner));
    prev = kind;
  }
  return out;
}

function isKeyword(kind: T.SyntaxKind, ts: TS): boolean {
  return kind >= ts.SyntaxKind.FirstKeyword && kind <= ts.SyntaxKind.LastKeyword;
}

/**
 * Contextual keywords that shape code; the others (`type`, `out`, `from`, `get`, …) are mostly
 * ordinary names and count as names, so renaming a variable `out` changes nothing.
 */
const STRUCTURAL_CONTEXTUAL = new Set(['let', 'yield', 'await', 'async', 'of', 'static', 'as']);

function tokenClass(kind: T.SyntaxKind, ts: TS, s: T.Scanner): string {
  const K = ts.SyntaxKind;
  if (kind > K.LastReservedWord && kind <= K.LastKeyword) {
    const text = s.getTokenText();
    return STRUCTURAL_CONTEXTUAL.has(text) ? text : 'I';
  }
  switch (kind) {
    case K.Identifier:
    case K.PrivateIdentifier:
      return 'I';
    case K.StringLiteral:
    case K.NoSubstitutionTemplateLiteral:
    case K.TemplateHead:
    case K.RegularExpressionLiteral:
      return 'S';
    case K.NumericLiteral:
    case K.BigIntLiteral:
      return 'N';
    default:
      return ts.tokenToString(kind) ?? s.getTokenText();
  }
}
