/**
 * Values of Python expressions as far as a file shows them, for script-call resolution (commands.ts):
 * string literals and f-strings, `sys.executable`, lists, and paths built from `__file__` with `Path`,
 * `/`, `.parent` and `os.path.join`/`dirname`, which become exact repo paths (marked by `ROOT`). Anything
 * else is `UNKNOWN`. Bounded by depth and step budgets, so a value that fans out is unknown, never a hang.
 */

import type { PyNode as Node } from './flat-tree.js';
import type { Span } from '../facts.js';
import { dirnameOf, normalizeRel } from '../launch/paths.js';
import { resolveText, type Binding, type Scope } from './scopes.js';

/** Marks the start of an exact repo path inside evaluated text: `ROOT + "scripts/x.py"`. */
export const ROOT = '\u0000R\u0000';
export const MAX_EVAL_DEPTH = 24;
/**
 * Evaluation steps for one file, and the largest list and string a value may become: values are not
 * memoised, so `b = [a, a, a]; c = [b, b, b]; …` fans out exponentially; past either bound a value is
 * unknown, never a hang.
 */
export const MAX_EVAL_STEPS = 20_000;
export const MAX_LIST_ITEMS = 256;
export const MAX_STRING = 4096;
export const MAX_ITEMS = 64;

export type Val =
  /** Text, possibly holding `ROOT` where an exact repo path starts. */
  | { kind: 'str'; value: string }
  | { kind: 'python' }
  | { kind: 'list'; items: Val[]; nodes: Array<Node | null> }
  | { kind: 'unknown' };

export const UNKNOWN: Val = { kind: 'unknown' };
export const str = (value: string): Val => ({ kind: 'str', value });

/** What the extractor lends: source text and string decoding. */
export interface CommandHost {
  file: string;
  /** The file's text (for notebook magics the grammar cannot read). */
  source: string;
  /** Dotted module name of the file, the root of its own definitions' qualified names. */
  moduleName: string;
  text(node: Node): string;
  decode(raw: string): { value: string; fstring: boolean };
  span(node: Node): Span;
  /** The dotted callee text of a call's function node, as `CallFact.callee` spells it. */
  dotted(node: Node): string;
}

export interface Assignment {
  line: number;
  node: Node;
}

/** Evaluates expressions against the assignments the extractor recorded, within one file's step budget. */
export class ValueEvaluator {
  private evalDepth = 0;
  private evalSteps = 0;
  private readonly evaluating = new Set<number>();

  constructor(
    private readonly host: CommandHost,
    private readonly assignments: ReadonlyMap<Scope, Map<string, Assignment[]>>,
  ) {}

  /** A value as far as the file shows it; `UNKNOWN` for anything computed at run time. */
  evaluate(node: Node, scope: Scope): Val {
    if (this.evalDepth >= MAX_EVAL_DEPTH || ++this.evalSteps > MAX_EVAL_STEPS) return UNKNOWN;
    this.evalDepth++;
    try {
      const v = this.evaluateNode(node, scope);
      if (v.kind === 'list' && v.items.length > MAX_LIST_ITEMS) return UNKNOWN;
      if (v.kind === 'str' && v.value.length > MAX_STRING) return UNKNOWN;
      return v;
    } finally {
      this.evalDepth--;
    }
  }

  private evaluateNode(node: Node, scope: Scope): Val {
    const line = node.startPosition.row + 1;
    switch (node.type) {
      case 'string':
        return this.stringValue(node, scope);
      case 'concatenated_string': {
        let out = '';
        for (const part of node.namedChildren) {
          if (part?.type !== 'string') continue;
          const v = this.stringValue(part, scope);
          if (v.kind !== 'str') return UNKNOWN;
          out += v.value;
        }
        return str(out);
      }
      case 'parenthesized_expression': {
        const inner = node.namedChildCount === 1 ? node.namedChild(0) : null;
        return inner ? this.evaluate(inner, scope) : UNKNOWN;
      }
      case 'identifier': {
        const name = this.host.text(node);
        if (name === '__file__') return str(ROOT + this.host.file);
        return this.nameValue(name, scope, line);
      }
      case 'attribute': {
        if (resolveText(this.host.text(node), scope, line).qname === 'sys.executable') return { kind: 'python' };
        const object = node.childForFieldName('object');
        const attr = node.childForFieldName('attribute');
        if (object && attr && this.host.text(attr) === 'parent') return parentOf(this.evaluate(object, scope));
        return UNKNOWN;
      }
      case 'subscript': {
        // `Path(__file__).parents[1]`
        const value = node.childForFieldName('value');
        const index = node.childForFieldName('subscript');
        if (value?.type === 'attribute' && index?.type === 'integer' && this.host.text(value.childForFieldName('attribute') ?? value) === 'parents') {
          let v = this.evaluate(value.childForFieldName('object') ?? value, scope);
          for (let k = Number(this.host.text(index)); k >= 0 && v.kind === 'str'; k--) v = parentOf(v);
          return v;
        }
        return UNKNOWN;
      }
      case 'binary_operator': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        const op = node.childForFieldName('operator');
        if (!left || !right || !op) return UNKNOWN;
        const a = this.evaluate(left, scope);
        const b = this.evaluate(right, scope);
        const operator = this.host.text(op);
        if (operator === '/' && a.kind === 'str' && b.kind === 'str') return joinPath(a.value, b.value);
        if (operator === '+' && a.kind === 'str' && b.kind === 'str') return str(a.value + b.value);
        if (operator === '+' && a.kind === 'list' && b.kind === 'list') return { kind: 'list', items: [...a.items, ...b.items], nodes: [...a.nodes, ...b.nodes] };
        return UNKNOWN;
      }
      case 'list':
      case 'tuple':
        return this.listValue(node, scope);
      case 'call':
        return this.callValue(node, scope, line);
      default:
        return UNKNOWN;
    }
  }

  private stringValue(node: Node, scope: Scope): Val {
    const raw = this.host.text(node);
    const decoded = this.host.decode(raw);
    if (!decoded.fstring) return str(decoded.value);
    // an f-string: its literal parts, and each `{expr}` evaluated or left as an unknown expansion
    let out = '';
    for (const part of node.namedChildren) {
      if (!part) continue;
      if (part.type === 'string_content') out += this.host.text(part);
      else if (part.type === 'escape_sequence') out += this.host.decode(`"${this.host.text(part)}"`).value;
      else if (part.type === 'interpolation') {
        const expr = part.namedChildren.length === 1 ? part.firstNamedChild : null;
        const v = expr ? this.evaluate(expr, scope) : UNKNOWN;
        out += v.kind === 'str' ? v.value : v.kind === 'python' ? 'python' : '${_}';
      }
    }
    return str(out);
  }

  private listValue(node: Node, scope: Scope): Val {
    const items: Val[] = [];
    const nodes: Array<Node | null> = [];
    for (const child of node.namedChildren) {
      if (!child || child.type === 'comment') continue;
      if (items.length >= MAX_ITEMS) break;
      if (child.type === 'list_splat') {
        const inner = child.firstNamedChild;
        const v = inner ? this.evaluate(inner, scope) : UNKNOWN;
        if (v.kind === 'list') {
          items.push(...v.items);
          nodes.push(...v.nodes);
        } else {
          items.push(UNKNOWN);
          nodes.push(child);
        }
        continue;
      }
      items.push(this.evaluate(child, scope));
      nodes.push(child);
    }
    return { kind: 'list', items, nodes };
  }

  private callValue(node: Node, scope: Scope, line: number): Val {
    const fn = node.childForFieldName('function');
    if (!fn) return UNKNOWN;
    const args = argumentNodes(node);
    const first = args.positional[0];
    if (fn.type === 'attribute') {
      const method = this.host.text(fn.childForFieldName('attribute') ?? fn);
      const object = fn.childForFieldName('object');
      if (object && ['resolve', 'absolute', 'as_posix', 'expanduser', '__str__'].includes(method) && args.positional.length === 0) {
        return this.evaluate(object, scope);
      }
      if (object && method === 'joinpath') {
        let v = this.evaluate(object, scope);
        for (const a of args.positional) v = joinVal(v, this.evaluate(a, scope));
        return v;
      }
      if (object?.type === 'string' && method === 'join' && first !== undefined) {
        const sep = this.evaluate(object, scope);
        const items = this.evaluate(first, scope);
        if (sep.kind !== 'str' || items.kind !== 'list') return UNKNOWN;
        const parts = items.items.map((v) => (v.kind === 'str' ? v.value : v.kind === 'python' ? 'python' : '${_}'));
        return str(parts.join(sep.value));
      }
    }
    const qname = resolveText(this.host.dotted(fn), scope, line).qname;
    switch (qname) {
      case 'pathlib.Path':
      case 'pathlib.PurePath':
      case 'pathlib.PosixPath':
      case 'os.path.join': {
        if (args.positional.length === 0) return qname === 'os.path.join' ? UNKNOWN : str('.');
        let v = this.evaluate(args.positional[0] as Node, scope);
        for (const a of args.positional.slice(1)) v = joinVal(v, this.evaluate(a, scope));
        return v;
      }
      case 'os.path.abspath':
      case 'os.path.realpath':
      case 'os.path.normpath':
      case 'os.fspath':
      case 'str':
      case 'shlex.split':
        return first !== undefined && args.positional.length === 1 ? this.evaluate(first, scope) : UNKNOWN;
      case 'os.path.dirname':
        return first !== undefined ? parentOf(this.evaluate(first, scope)) : UNKNOWN;
      default:
        return UNKNOWN;
    }
  }

  /** The value bound to a name where it is used: the assignment Python's scoping would pick. */
  private nameValue(name: string, scope: Scope, line: number): Val {
    let s: Scope | null = scope;
    let own = true;
    while (s) {
      if (s.kind !== 'class' || own) {
        const list = s.bindings.get(name);
        if (list) {
          const binding = pickBinding(list, line, own);
          const assignment = binding && this.assignments.get(s)?.get(name)?.find((a) => a.line === binding.line);
          if (!assignment || this.evaluating.has(assignment.node.id)) return resolvedName(name, scope, line);
          this.evaluating.add(assignment.node.id);
          try {
            return this.evaluate(assignment.node, s);
          } finally {
            this.evaluating.delete(assignment.node.id);
          }
        }
      }
      own = false;
      s = s.parent;
    }
    return resolvedName(name, scope, line);
  }
}

/** `sys.executable` imported as a name (`from sys import executable`). */
export function resolvedName(name: string, scope: Scope, line: number): Val {
  return resolveText(name, scope, line).qname === 'sys.executable' ? { kind: 'python' } : UNKNOWN;
}

/** Same choice as name resolution (scopes.ts): the latest binding before the line. */
export function pickBinding(list: readonly Binding[], line: number, own: boolean): Binding | undefined {
  let before: Binding | undefined;
  for (const b of list) if (b.line < line) before = b;
  if (before) return before;
  return own ? list[0] : list[list.length - 1];
}

/** A call's argument nodes: positional ones in order, keyword ones by name. */
export function argumentNodes(call: Node): { positional: Node[]; keyword: Map<string, Node> } {
  const cached = argumentCache.get(call);
  if (cached !== undefined) return cached;
  const positional: Node[] = [];
  const keyword = new Map<string, Node>();
  const list = call.childForFieldName('arguments');
  if (list?.type !== 'argument_list') return { positional, keyword };
  for (const a of list.namedChildren) {
    if (!a || a.type === 'comment' || a.type === 'dictionary_splat') continue;
    if (a.type === 'keyword_argument') {
      const name = a.childForFieldName('name');
      const value = a.childForFieldName('value');
      if (name && value) keyword.set(name.text, value);
    } else positional.push(a);
  }
  const args = { positional, keyword };
  argumentCache.set(call, args);
  return args;
}

export const argumentCache = new WeakMap<Node, { positional: Node[]; keyword: Map<string, Node> }>();

export function joinVal(a: Val, b: Val): Val {
  return a.kind === 'str' && b.kind === 'str' ? joinPath(a.value, b.value) : UNKNOWN;
}

export function joinPath(a: string, b: string): Val {
  if (b.startsWith('/') || b.startsWith(ROOT)) return str(b);
  if (a === '' || a === '.') return str(b);
  return str(a.endsWith('/') || a.endsWith(ROOT) ? a + b : `${a}/${b}`);
}

/** The folder holding a path; unknown above the repo root or for what is not a path. */
export function parentOf(v: Val): Val {
  if (v.kind !== 'str' || v.value.includes('${_}')) return UNKNOWN;
  if (v.value.startsWith(ROOT)) {
    const rel = normalizeRel(v.value.slice(ROOT.length));
    if (rel === null || rel === '') return UNKNOWN;
    return str(ROOT + dirnameOf(rel));
  }
  if (v.value.includes(ROOT)) return UNKNOWN;
  const slash = v.value.replace(/\/+$/, '').lastIndexOf('/');
  return str(slash < 0 ? '.' : slash === 0 ? '/' : v.value.slice(0, slash));
}
