/**
 * Expressions as the facts model sees them: spans, string values, dotted names for callees and receivers,
 * and static values (`Literal`) for arguments and assigned values. Nothing is evaluated.
 */

import type { PyNode as Node } from './flat-tree.js';
import type { Literal, Span } from '../facts.js';
import type { Pending, Scope } from './scopes.js';

const MAX_LIST_ITEMS = 64;
const SIMPLE_DOTTED = /^[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*$/;
const MAX_EXPR_TEXT = 120;

/** What literal conversion needs from the extractor: source text, call indexes, and names to resolve later. */
export interface LiteralContext {
  text(node: Node): string;
  callIndex: ReadonlyMap<number, number>;
  pending: Pending[];
}

export function spanOf(node: Node): Span {
  const s = node.startPosition;
  const e = node.endPosition;
  return { line: s.row + 1, col: s.column + 1, endLine: e.row + 1, endCol: e.column + 1 };
}

const STRING_PREFIX = /^([A-Za-z]*)('''|"""|'|")/;

/** The value of a plain string literal; escapes decoded for the common cases. */
export function decodeString(raw: string): { value: string; fstring: boolean } {
  const m = STRING_PREFIX.exec(raw);
  if (!m) return { value: raw, fstring: false };
  const prefix = (m[1] ?? '').toLowerCase();
  const quote = m[2] ?? '"';
  const body = raw.slice(m[0].length, raw.endsWith(quote) ? raw.length - quote.length : raw.length);
  const fstring = prefix.includes('f') || prefix.includes('t');
  if (prefix.includes('r')) return { value: body, fstring };
  const value = body.replace(/\\(\r?\n|[\\'"abfnrtv0]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})/g, (all, esc: string) => {
    switch (esc[0]) {
      case '\n':
      case '\r':
        return '';
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '0':
        return '\0';
      case 'a':
        return '\x07';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case 'x':
      case 'u':
        return String.fromCharCode(parseInt(esc.slice(1), 16));
      default:
        return esc;
    }
  });
  return { value, fstring };
}

/** The first statement of a body, skipping comments, without marshalling the others. */
export function firstStatement(body: Node): Node | null {
  let c = body.firstNamedChild;
  while (c && c.type === 'comment') c = c.nextNamedSibling;
  return c;
}

/** The docstring of a module, class or function body: its first statement, when a lone string. */
export function docstringOf(body: Node | null, text: (node: Node) => string): string | null {
  const c = body ? firstStatement(body) : null;
  if (c?.type === 'expression_statement' && c.namedChildCount === 1) {
    const s = c.firstNamedChild;
    if (s && s.type === 'string') return decodeString(text(s)).value;
  }
  return null;
}

export function dotted(node: Node, textOf: (node: Node) => string): string {
  // most callees and references are plain dotted names: take the text, skip the walk
  const text = textOf(node);
  if (SIMPLE_DOTTED.test(text)) return text;
  switch (node.type) {
    case 'identifier':
      return textOf(node);
    case 'attribute': {
      const obj = node.childForFieldName('object');
      const attr = node.childForFieldName('attribute');
      return `${obj ? dotted(obj, textOf) : '?'}.${attr ? textOf(attr) : '?'}`;
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      return `${fn ? dotted(fn, textOf) : '?'}()`;
    }
    case 'subscript': {
      const value = node.childForFieldName('value');
      return `${value ? dotted(value, textOf) : '?'}[]`;
    }
    case 'parenthesized_expression': {
      const inner = node.namedChildCount === 1 ? node.namedChild(0) : null;
      return inner ? dotted(inner, textOf) : '?';
    }
    // the grammar reads `{*range(3)}` and `*a.b()` in a tuple as calling the starred name
    case 'list_splat':
    case 'dictionary_splat': {
      const inner = node.firstNamedChild;
      return inner ? dotted(inner, textOf) : '?';
    }
    default:
      return '?';
  }
}

export function literal(node: Node, scope: Scope, ctx: LiteralContext): Literal {
  const type = node.type;
  switch (type) {
    case 'string': {
      const { value, fstring } = decodeString(ctx.text(node));
      return fstring ? { kind: 'fstring', text: value } : { kind: 'str', value };
    }
    case 'concatenated_string': {
      let out = '';
      let fstring = false;
      for (const part of node.namedChildren) {
        if (!part || part.type !== 'string') continue;
        const d = decodeString(ctx.text(part));
        out += d.value;
        fstring ||= d.fstring;
      }
      return fstring ? { kind: 'fstring', text: out } : { kind: 'str', value: out };
    }
    case 'integer':
    case 'float': {
      const n = Number(ctx.text(node).replace(/_/g, ''));
      return Number.isFinite(n) ? { kind: 'num', value: n } : { kind: 'expr', text: ctx.text(node) };
    }
    case 'true':
      return { kind: 'bool', value: true };
    case 'false':
      return { kind: 'bool', value: false };
    case 'none':
      return { kind: 'none' };
    case 'unary_operator': {
      const arg = node.childForFieldName('argument');
      const op = node.child(0);
      if (arg && op?.type === '-' && (arg.type === 'integer' || arg.type === 'float')) {
        // `-1j`, `-1e999`: no JSON number (facts are kept as JSON), so the expression as written
        const n = -Number(ctx.text(arg).replace(/_/g, ''));
        if (Number.isFinite(n)) return { kind: 'num', value: n };
        return { kind: 'expr', text: ctx.text(node) };
      }
      break;
    }
    case 'list':
    case 'tuple':
    case 'set': {
      const items: Literal[] = [];
      for (const c of node.namedChildren) {
        if (!c || c.type === 'comment') continue;
        if (items.length >= MAX_LIST_ITEMS) break;
        items.push(literal(c, scope, ctx));
      }
      return { kind: 'list', items };
    }
    case 'dictionary': {
      const keys: string[] = [];
      let bools: Record<string, boolean> | undefined;
      for (const c of node.namedChildren) {
        const key = c?.type === 'pair' ? c.childForFieldName('key') : null;
        if (key?.type !== 'string') continue;
        const name = decodeString(ctx.text(key)).value;
        keys.push(name);
        const value = c?.childForFieldName('value');
        if (value?.type === 'true' || value?.type === 'false') (bools ??= {})[name] = value.type === 'true';
      }
      return bools ? { kind: 'dict', keys, bools } : { kind: 'dict', keys };
    }
    case 'identifier':
    case 'attribute': {
      const lit: Literal = { kind: 'name', text: dotted(node, ctx.text), qname: null };
      ctx.pending.push({ target: lit, text: lit.text, scope, line: node.startPosition.row + 1, kind: 'literal' });
      return lit;
    }
    case 'call': {
      const index = ctx.callIndex.get(node.id);
      if (index !== undefined) return { kind: 'call', call: index };
      break;
    }
    case 'parenthesized_expression': {
      const inner = node.namedChildCount === 1 ? node.namedChild(0) : null;
      if (inner) return literal(inner, scope, ctx);
      break;
    }
  }
  const text = ctx.text(node);
  return { kind: 'expr', text: text.length > MAX_EXPR_TEXT ? text.slice(0, MAX_EXPR_TEXT) + '…' : text };
}
