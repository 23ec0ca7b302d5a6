/**
 * String literals worth keeping as facts, with the role their position gives them: script and data paths,
 * model ids, chat and special-token markers, prompt scaffolds and placeholders, and the dict keys that reveal
 * record shapes (`messages`, `role`, …). Everything else is dropped to keep facts small.
 */

import type { PyNode as Node } from './flat-tree.js';
import type { Literal, StringRole } from '../facts.js';
import { SEARCH_METHODS } from './flow-calls.js';
import { decodeString, firstStatement } from './literals.js';

/**
 * Strings worth keeping as facts: script and data paths, model ids, chat or special-token markers,
 * prompt scaffolds and placeholders. Everything else is dropped to keep facts small.
 */
const INTERESTING_STRING =
  /\.(?:py|sh|bash|jsonl?|csv|tsv|parquet|arrow|ya?ml|toml|txt|pt|pth|bin|safetensors|gguf|pkl|npy)\b|^[A-Za-z0-9][\w.-]*\/[\w.-]*[A-Za-z0-9]$|<\|[A-Za-z_]+\|>|\[\/?INST\]|<\/?s>|<\/?(?:start|end)_of_turn>|<<\/?SYS>>|\b(?:Instruction|Response|Assistant|Human|User|System|Question|Answer)\s*:|placeholder|lorem ipsum|dummy (?:response|answer|output|text)|TODO:? (?:generate|fill)/i;

/** Dict keys kept as `key` strings: they reveal record shapes (conversational data, stored prompts). */
const INTERESTING_KEYS = new Set([
  'messages',
  'conversations',
  'role',
  'content',
  'prompt',
  'chosen',
  'rejected',
  'completion',
  'text',
]);

/** What string selection needs from the extractor. */
export interface StringContext {
  text(node: Node): string;
  callIndex: ReadonlyMap<number, number>;
  /** The node's value as a literal (concatenated strings). */
  literal(node: Node): Literal;
}

/** Where a string stands: its role, the call it is an argument of, the key it is stored under. */
export interface StringPlace {
  role: StringRole;
  call?: number;
  key?: string;
}

export interface KeptString extends StringPlace {
  value: string;
  fstring: boolean;
}

/**
 * The fact a string node gives, or null when no rule may care: dict keys that reveal record shapes, and
 * interesting values with their role (docstrings dropped).
 */
export function keptString(node: Node, ctx: StringContext): KeptString | null {
  const raw = ctx.text(node);
  // cheap rejection before decoding; the model-id pattern is anchored, so test without the quotes
  if (raw.length > 24 && !INTERESTING_STRING.test(raw.slice(raw.search(/['"]/) + 1).replace(/['"]+$/, ''))) return null;
  const { value, fstring } =
    node.type === 'string'
      ? decodeString(raw)
      : (() => {
          const l = ctx.literal(node);
          return l.kind === 'str' ? { value: l.value, fstring: false } : { value: l.kind === 'fstring' ? l.text : '', fstring: true };
        })();

  const maybeKey = INTERESTING_KEYS.has(value);
  const interesting = INTERESTING_STRING.test(value);
  if (!maybeKey && !interesting) return null;
  const parent = node.parent;
  if (parent?.type === 'pair' && parent.childForFieldName('key')?.id === node.id) {
    return maybeKey ? { value, fstring, role: 'key' } : null;
  }
  if (!interesting) return null;
  if (isDocstring(node)) return null;
  return { value, fstring, ...roleOf(node, ctx) };
}

/** A string that is its body's docstring, not a value. */
export function isDocstring(stringNode: Node): boolean {
  const stmt = stringNode.parent;
  if (!stmt || stmt.type !== 'expression_statement' || stmt.namedChildCount !== 1) return false;
  const body = stmt.parent;
  if (!body) return false;
  if (body.type !== 'module' && body.type !== 'block') return false;
  return firstStatement(body)?.id === stmt.id;
}

/** The role a string's position gives it, with the call it is an argument of and the key it is stored under. */
export function roleOf(node: Node, ctx: StringContext): StringPlace {
  let child = node;
  let p = node.parent;
  let role: StringRole | undefined;
  // climb through containers to the construct that gives the string its purpose
  while (p) {
    switch (p.type) {
      case 'comparison_operator':
      case 'assert_statement':
        return { role: 'comparison' };
      case 'argument_list': {
        const callNode = p.parent;
        const call = callNode ? ctx.callIndex.get(callNode.id) : undefined;
        const fn = callNode?.childForFieldName('function');
        const last = fn?.type === 'attribute' ? fn.childForFieldName('attribute') : fn;
        if (last && SEARCH_METHODS.has(ctx.text(last))) return { role: 'comparison' };
        return { role: role ?? 'argument', ...(call !== undefined ? { call } : {}) };
      }
      case 'keyword_argument': {
        const name = p.childForFieldName('name');
        const callNode = p.parent?.parent;
        const call = callNode ? ctx.callIndex.get(callNode.id) : undefined;
        return {
          role: role ?? 'keyword',
          ...(call !== undefined ? { call } : {}),
          ...(name ? { key: ctx.text(name) } : {}),
        };
      }
      case 'assignment': {
        const left = p.childForFieldName('left');
        return { role: role ?? 'assignment', ...(left ? { key: ctx.text(left) } : {}) };
      }
      case 'pair': {
        const k = p.childForFieldName('key');
        role ??= 'collection';
        if (k && k.id !== child.id && k.type === 'string') {
          const outer = roleOf(p.parent ?? p, ctx);
          return { ...outer, role, key: decodeString(ctx.text(k)).value };
        }
        break;
      }
      case 'list':
      case 'tuple':
      case 'set':
      case 'dictionary':
      case 'expression_list':
        role ??= 'collection';
        break;
      case 'binary_operator':
      case 'return_statement':
      case 'conditional_expression':
      case 'interpolation':
        role ??= 'expression';
        break;
      case 'attribute':
        // "...".format(...), "...".join(...)
        role ??= 'expression';
        break;
      case 'parenthesized_expression':
      case 'concatenated_string':
        break;
      default:
        return { role: role ?? 'other' };
    }
    child = p;
    p = p.parent;
  }
  return { role: role ?? 'other' };
}
