/**
 * Expressions as the facts model sees them: dotted names for callees and receivers, and static values
 * (`Literal`) for arguments and assigned values. Nothing is evaluated.
 */
import type { ts as T } from 'ts-morph';
import type { Literal } from '../facts.js';
import { compiler } from './compiler.js';

const MAX_LIST_ITEMS = 64;
const MAX_EXPR_TEXT = 120;

/** What literal conversion needs from the extractor: call indexes and name resolution. */
export interface LiteralContext {
  sf: T.SourceFile;
  callIndex: ReadonlyMap<T.Node, number>;
  /** The resolved qualified name of a dotted reference at `node`, or null when it does not resolve. */
  resolve(text: string, node: T.Node): string | null;
}

/** Wrappers that change nothing about the value: parentheses, `await`, `as`, `!`, `satisfies`. */
export function unwrap(node: T.Expression): T.Expression {
  const ts = compiler();
  let n = node;
  for (;;) {
    if (ts.isParenthesizedExpression(n) || ts.isAwaitExpression(n) || ts.isAsExpression(n) || ts.isNonNullExpression(n)) n = n.expression;
    else if (ts.isSatisfiesExpression(n) || ts.isTypeAssertionExpression(n)) n = n.expression;
    else return n;
  }
}

/** A property or member name as text, when it is static (`a`, `'a'`, `#a`, `[‘a’]`). */
export function nameText(name: T.PropertyName | T.MemberName | T.BindingName): string | null {
  const ts = compiler();
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name) && ts.isStringLiteralLike(name.expression)) return name.expression.text;
  return null;
}

/**
 * The dotted text of a reference, as the facts model writes callees: `a.b.c`, `this.tok.encode`,
 * `foo().bar`, `xs[].map`; `?` for what is not a name (`(a || b).c` → `?.c`).
 */
export function dotted(node: T.Expression): string {
  const ts = compiler();
  const n = unwrap(node);
  if (ts.isIdentifier(n)) return n.text;
  switch (n.kind) {
    case ts.SyntaxKind.ThisKeyword:
      return 'this';
    case ts.SyntaxKind.SuperKeyword:
      return 'super';
  }
  if (ts.isPropertyAccessExpression(n)) return `${dotted(n.expression)}.${n.name.text}`;
  if (ts.isElementAccessExpression(n)) return `${dotted(n.expression)}[]`;
  if (ts.isCallExpression(n) || ts.isNewExpression(n)) return `${dotted(n.expression)}()`;
  return '?';
}

function numberOf(node: T.Expression): number | null {
  const ts = compiler();
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPrefixUnaryExpression(node) && ts.isNumericLiteral(node.operand)) {
    const v = Number(node.operand.text);
    if (node.operator === ts.SyntaxKind.MinusToken) return -v;
    if (node.operator === ts.SyntaxKind.PlusToken) return v;
  }
  return null;
}

function exprText(node: T.Node, sf: T.SourceFile): string {
  // only the head is kept: collapsing a whole callback body per call argument would be quadratic
  const start = node.getStart(sf);
  const text = sf.text.slice(start, Math.min(node.end, start + 4 * MAX_EXPR_TEXT)).replace(/\s+/g, ' ');
  return text.length > MAX_EXPR_TEXT ? text.slice(0, MAX_EXPR_TEXT) + '…' : text;
}

/** The text of a template with substitutions, `${…}` kept as written: `out/${name}.jsonl`. */
export function templateText(node: T.TemplateExpression, sf: T.SourceFile): string {
  return node.getText(sf).slice(1, -1);
}

export function literal(node: T.Expression, ctx: LiteralContext): Literal {
  const ts = compiler();
  const n = unwrap(node);
  if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return { kind: 'str', value: n.text };
  if (ts.isTemplateExpression(n)) return { kind: 'fstring', text: templateText(n, ctx.sf) };
  const num = numberOf(n);
  if (num !== null && Number.isFinite(num)) return { kind: 'num', value: num };
  switch (n.kind) {
    case ts.SyntaxKind.TrueKeyword:
      return { kind: 'bool', value: true };
    case ts.SyntaxKind.FalseKeyword:
      return { kind: 'bool', value: false };
    case ts.SyntaxKind.NullKeyword:
      return { kind: 'none' };
  }
  if (ts.isIdentifier(n) && n.text === 'undefined') return { kind: 'none' };
  if (ts.isArrayLiteralExpression(n)) {
    return { kind: 'list', items: n.elements.slice(0, MAX_LIST_ITEMS).map((e) => literal(e, ctx)) };
  }
  if (ts.isObjectLiteralExpression(n)) {
    const keys: string[] = [];
    for (const p of n.properties) {
      const key = p.name ? nameText(p.name) : null;
      if (key !== null) keys.push(key);
    }
    return { kind: 'dict', keys };
  }
  if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
    const call = ctx.callIndex.get(n);
    if (call !== undefined) return { kind: 'call', call };
  }
  if (ts.isIdentifier(n) || ts.isPropertyAccessExpression(n) || n.kind === ts.SyntaxKind.ThisKeyword) {
    const text = dotted(n);
    if (!text.includes('?')) return { kind: 'name', text, qname: ctx.resolve(text, n) };
  }
  return { kind: 'expr', text: exprText(n, ctx.sf) };
}

/** The property initializers of an object literal by static name; spreads and computed names skipped. */
export function objectProperties(node: T.ObjectLiteralExpression): { props: Map<string, T.Expression>; spread: boolean } {
  const ts = compiler();
  const props = new Map<string, T.Expression>();
  let spread = false;
  for (const p of node.properties) {
    if (ts.isSpreadAssignment(p)) spread = true;
    else if (ts.isPropertyAssignment(p)) {
      const key = nameText(p.name);
      if (key !== null) props.set(key, p.initializer);
    } else if (ts.isShorthandPropertyAssignment(p)) props.set(p.name.text, p.name);
  }
  return { props, spread };
}
