/**
 * String literals worth keeping as facts, with the role their position gives them. The same choice
 * as the Python front end: script and data paths, model ids, chat and special-token markers, and
 * the object keys that reveal record shapes (`messages`, `role`, …).
 */
import type { ts as T } from 'ts-morph';
import type { Span, StringFact, StringRole } from '../facts.js';
import { compiler } from './compiler.js';
import { dotted, nameText, templateText } from './literals.js';

const INTERESTING_STRING =
  /\.(?:py|sh|bash|jsonl?|csv|tsv|parquet|arrow|ya?ml|toml|txt|md|pt|pth|bin|safetensors|gguf|pkl|npy|sqlite|db)\b|^[A-Za-z0-9][\w.-]*\/[\w.-]*[A-Za-z0-9]$|<\|[A-Za-z_]+\|>|\[\/?INST\]|<\/?s>|<\/?(?:start|end)_of_turn>|<<\/?SYS>>|\b(?:Instruction|Response|Assistant|Human|User|System|Question|Answer)\s*:|placeholder|lorem ipsum|dummy (?:response|answer|output|text)|TODO:? (?:generate|fill)/i;

const INTERESTING_KEYS = new Set(['messages', 'conversations', 'role', 'content', 'prompt', 'chosen', 'rejected', 'completion', 'text']);

/** String methods whose argument is searched for, not produced: `text.includes('<|im_start|>')`. */
const SEARCH_METHODS = new Set(['includes', 'indexOf', 'lastIndexOf', 'startsWith', 'endsWith', 'replace', 'replaceAll', 'split', 'match', 'matchAll', 'search']);

export interface StringContext {
  sf: T.SourceFile;
  callIndex: ReadonlyMap<T.Node, number>;
  span(node: T.Node): Span;
}

interface Placed {
  role: StringRole;
  call?: number;
  key?: string;
}

function isCall(node: T.Node): node is T.CallExpression | T.NewExpression {
  const ts = compiler();
  return ts.isCallExpression(node) || ts.isNewExpression(node);
}

function isComparison(op: T.SyntaxKind): boolean {
  const K = compiler().SyntaxKind;
  return op === K.EqualsEqualsEqualsToken || op === K.ExclamationEqualsEqualsToken || op === K.EqualsEqualsToken || op === K.ExclamationEqualsToken;
}

function placeOf(node: T.Node, ctx: StringContext): Placed | null {
  const ts = compiler();
  const parent = node.parent;
  if (!parent) return { role: 'other' };
  // types, enum members and declaration names are not values
  if (ts.isLiteralTypeNode(parent) || ts.isImportTypeNode(parent) || ts.isExternalModuleReference(parent)) return null;
  if ('name' in parent && parent.name === node) return null;
  if (isCall(parent) && parent.arguments?.includes(node as T.Expression)) {
    const callee = dotted(parent.expression);
    if (SEARCH_METHODS.has(callee.slice(callee.lastIndexOf('.') + 1))) return { role: 'comparison' };
    const call = ctx.callIndex.get(parent);
    return call === undefined ? { role: 'argument' } : { role: 'argument', call };
  }
  if (ts.isPropertyAssignment(parent)) {
    const key = nameText(parent.name) ?? undefined;
    const object = parent.parent;
    const call = isCall(object.parent) ? ctx.callIndex.get(object.parent) : undefined;
    if (call !== undefined) return key === undefined ? { role: 'keyword', call } : { role: 'keyword', call, key };
    return key === undefined ? { role: 'collection' } : { role: 'collection', key };
  }
  if (ts.isArrayLiteralExpression(parent)) return { role: 'collection' };
  if (ts.isVariableDeclaration(parent)) return ts.isIdentifier(parent.name) ? { role: 'assignment', key: parent.name.text } : { role: 'assignment' };
  if (ts.isBinaryExpression(parent)) {
    const op = parent.operatorToken.kind;
    if (op === ts.SyntaxKind.EqualsToken) return { role: 'assignment', key: dotted(parent.left) };
    if (isComparison(op)) return { role: 'comparison' };
    if (op === ts.SyntaxKind.PlusToken) return { role: 'expression' };
  }
  if (ts.isCaseClause(parent)) return { role: 'comparison' };
  if (ts.isReturnStatement(parent) || ts.isTemplateSpan(parent) || ts.isArrowFunction(parent)) return { role: 'expression' };
  return { role: 'other' };
}

/** The fact for a string literal, template or object key, or null when it is not worth keeping. */
export function stringFact(node: T.StringLiteralLike | T.TemplateExpression | T.Identifier, ctx: StringContext, inExcept: boolean): StringFact | null {
  const ts = compiler();
  const parent = node.parent;
  const isKey = parent && (ts.isPropertyAssignment(parent) || ts.isShorthandPropertyAssignment(parent)) && parent.name === node;
  if (isKey) {
    if (!INTERESTING_KEYS.has(node.text)) return null;
    return { value: node.text, fstring: false, span: ctx.span(node), scope: '', role: 'key' };
  }
  if (ts.isIdentifier(node)) return null;
  const fstring = ts.isTemplateExpression(node);
  const value = fstring ? templateText(node, ctx.sf) : node.text;
  if (!INTERESTING_STRING.test(value)) return null;
  const placed = placeOf(node, ctx);
  if (!placed) return null;
  const fact: StringFact = { value, fstring, span: ctx.span(node), scope: '', role: placed.role };
  if (placed.call !== undefined) fact.call = placed.call;
  if (placed.key !== undefined) fact.key = placed.key;
  if (inExcept) fact.inExcept = true;
  return fact;
}
