/**
 * Where a value goes within one Python file: from a string literal or a call, through names, `self`
 * attributes, containers, string operations, returns and calls to the file's own functions, to the calls
 * that receive it and the record keys it is written under. Rules read the result to tell a prompt sent to
 * a model from a template definition, a stop list or a training record.
 *
 * Followed lazily from a few seeds only (marker-bearing strings, `apply_chat_template` calls), so a file
 * without them pays nothing. Names are found by a text search over their scope checked against the tree,
 * not by marshalling every identifier. Over-approximate on purpose: a container carries whatever it
 * holds, and statement order only counts for a later rebinding in the same block (a function binding the
 * same name has its own variable); bounded by step budgets, a walk cut short says so (`partial`).
 */

import type { PyNode as Node } from './flat-tree.js';
import type { FlowFact } from '../facts.js';
import { CARRIERS, CONFIG_SLOT, CONTAINER_ADD, LIBRARY_METHODS, OPAQUE_CALLS, SEARCH_CALLS, TEST_METHODS } from './flow-calls.js';
import { Scopes, attributeRead, isBinding, isRead, statementOf } from './flow-tree.js';

/** What the tracer needs from the extractor: the source, the tree and the index of every call. */
export interface FlowHost {
  readonly src: string;
  readonly root: Node;
  /** Call node id → index into `FileFacts.calls`. */
  readonly callIndex: ReadonlyMap<number, number>;
  /** `def` nodes by name, for calls to functions of the same file. */
  readonly defsByName: ReadonlyMap<string, Node[]>;
  /** Every `def` and `class` node of the file. */
  readonly scopes: readonly Node[];
  /** The value of a string literal node. */
  stringValue(node: Node): string;
}

/**
 * Steps (tree moves and name occurrences) one value may spend, and one file: enough to follow a prompt
 * through a script; a value that fans out through a whole framework module stops early (`partial`).
 */
const TRACE_BUDGET = 1_500;
const FILE_BUDGET = 12_000;
const MAX_CALLS = 48;
const MAX_KEYS = 12;
/** Nested follows (name → use → name …) before giving up, so a long chain cannot exhaust the stack. */
const MAX_DEPTH = 64;

class Acc {
  readonly calls = new Map<string, { call: number; slot: string }>();
  readonly keys = new Set<string>();
  readonly returns = new Set<string>();
  raised = false;
  tested = false;
  partial = false;

  call(call: number, slot: string): void {
    this.add(`${call}:${slot}`, { call, slot });
  }

  /** Records a destination; past the cap the walk says it is incomplete rather than drop one quietly. */
  private add(key: string, hit: { call: number; slot: string }): void {
    if (this.calls.has(key)) return;
    if (this.calls.size < MAX_CALLS) this.calls.set(key, hit);
    else this.partial = true;
  }

  merge(other: Acc): void {
    for (const [k, v] of other.calls) this.add(k, v);
    for (const k of other.keys) if (this.keys.size < MAX_KEYS) this.keys.add(k);
    for (const r of other.returns) this.returns.add(r);
    this.raised ||= other.raised;
    this.tested ||= other.tested;
    this.partial ||= other.partial;
  }

  fact(): FlowFact {
    const fact: FlowFact = { calls: [...this.calls.values()], keys: [...this.keys], returns: [...this.returns] };
    if (this.raised) fact.raised = true;
    if (this.tested) fact.tested = true;
    if (this.partial) fact.partial = true;
    return fact;
  }
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class FlowTracer {
  private steps = 0;
  private traceSteps = 0;
  private depth = 0;
  /** What following a node's value reached, by node id. */
  private readonly memo = new Map<number, Acc>();
  /** Nodes being followed now: a cycle (`p = p + x`) adds nothing new. */
  private readonly active = new Set<number>();
  private readonly occurrences = new Map<string, Node[]>();
  private readonly local = new Map<string, boolean>();
  private readonly signatures = new Map<number, { positional: string[]; all: string[]; bound: boolean }>();

  private readonly scopes: Scopes;

  constructor(private readonly host: FlowHost) {
    this.scopes = new Scopes(host.scopes);
  }

  /** Where the value of `node` (a string literal or a call) goes. */
  trace(node: Node): FlowFact {
    this.traceSteps = 0;
    const fact = this.from(node).fact();
    // the file's budget ran out during this walk or an earlier one: occurrence lists may be cut short
    if (this.steps > FILE_BUDGET) fact.partial = true;
    return fact;
  }

  private from(node: Node): Acc {
    const done = this.memo.get(node.id);
    if (done) return done;
    const acc = new Acc();
    if (this.active.has(node.id)) return acc;
    if (this.depth >= MAX_DEPTH) {
      acc.partial = true;
      return acc;
    }
    this.active.add(node.id);
    this.depth++;
    try {
      this.climb(node, acc);
    } finally {
      this.active.delete(node.id);
      this.depth--;
    }
    this.memo.set(node.id, acc);
    return acc;
  }

  private spend(acc: Acc): boolean {
    if (++this.steps <= FILE_BUDGET && ++this.traceSteps <= TRACE_BUDGET) return true;
    acc.partial = true;
    return false;
  }

  private text(node: Node): string {
    return this.host.src.slice(node.startIndex, node.endIndex);
  }

  /** Climbs from a value to what consumes it, following names and calls on the way. */
  private climb(start: Node, acc: Acc): void {
    let child = start;
    let p = start.parent;
    while (p) {
      if (!this.spend(acc)) return;
      const type = p.type;
      if (CARRIERS.has(type)) {
        child = p;
        p = p.parent;
        continue;
      }
      switch (type) {
        case 'conditional_expression':
          if (p.namedChild(1)?.id === child.id) return;
          break;
        case 'for_in_clause':
          // the iterable of a comprehension: its items feed the comprehension's body
          if (p.childForFieldName('right')?.id !== child.id) return;
          break;
        case 'keyword_argument':
          if (p.childForFieldName('value')?.id !== child.id) return;
          break;
        case 'pair': {
          const key = p.childForFieldName('key');
          if (key?.id === child.id) return;
          if (key?.type === 'string' && acc.keys.size < MAX_KEYS) acc.keys.add(this.host.stringValue(key));
          // the record's other columns tell what kind of record it is
          if (p.parent?.type === 'dictionary') this.shapeOfDict(p.parent, acc);
          break;
        }
        case 'subscript':
          // `value[…]` carries the value; `x[value]` uses it as an index
          if (p.childForFieldName('value')?.id !== child.id) return;
          break;
        case 'attribute': {
          if (p.childForFieldName('object')?.id !== child.id) return;
          const call = p.parent;
          if (call?.type === 'call' && call.childForFieldName('function')?.id === p.id) {
            // a method called on the value: `"…".format(x)`, `prompt.strip()`, `tok(x).to(device)`
            const method = this.text(p.childForFieldName('attribute') ?? p);
            if (TEST_METHODS.has(method)) {
              acc.tested = true;
              return;
            }
            const index = this.host.callIndex.get(call.id);
            if (index !== undefined) acc.call(index, '.');
            child = call;
            p = call.parent;
            continue;
          }
          break;
        }
        case 'call': {
          // `f(…)` where the value is `f` itself (a function or method followed to its calls): the result
          if (p.childForFieldName('function')?.id === child.id) break;
          // `f(x for x in xs)`: a generator as the only argument
          if (!this.intoCall(p, '0', acc)) return;
          break;
        }
        case 'argument_list': {
          const call = p.parent;
          if (call?.type !== 'call' || !this.intoCall(call, this.slotOf(child, p), acc)) return;
          child = call;
          p = call.parent;
          continue;
        }
        case 'assignment':
        case 'augmented_assignment': {
          if (p.childForFieldName('right')?.id !== child.id) return;
          const left = p.childForFieldName('left');
          if (left) this.intoTarget(left, acc);
          // `a = b = value`: the outer assignment binds it too
          if (p.parent?.type !== 'assignment') return;
          break;
        }
        case 'named_expression': {
          const name = p.childForFieldName('name');
          if (p.childForFieldName('value')?.id !== child.id) return;
          if (name) this.intoTarget(name, acc);
          break;
        }
        case 'for_statement': {
          const left = p.childForFieldName('left');
          if (p.childForFieldName('right')?.id === child.id && left) this.intoTarget(left, acc);
          return;
        }
        case 'return_statement':
        case 'yield':
          this.intoReturn(p, acc);
          return;
        case 'raise_statement':
          acc.raised = true;
          return;
        case 'comparison_operator':
        case 'not_operator':
        case 'assert_statement':
        case 'if_statement':
        case 'elif_clause':
        case 'while_statement':
        case 'if_clause':
          // compared or tested: looked at, not consumed
          acc.tested = true;
          return;
        case 'expression_statement': {
          // a call made in a `try` body for its exception only: probing (`try: tok.apply_chat_template(…)`)
          const block = p.parent;
          const trial = block?.parent;
          if (block?.type === 'block' && trial?.type === 'try_statement' && trial.childForFieldName('body')?.id === block.id) acc.tested = true;
          return;
        }
        default:
          // statements, decorators: the value ends here
          return;
      }
      child = p;
      p = p.parent;
    }
  }

  /** A positional index, a keyword name, or `*`/`**` for a splat. */
  private slotOf(child: Node, args: Node): string {
    if (child.type === 'keyword_argument') return this.text(child.childForFieldName('name') ?? child);
    if (child.type === 'list_splat') return '*';
    if (child.type === 'dictionary_splat') return '**';
    let i = 0;
    for (const c of args.namedChildren) {
      if (!c || c.id === child.id) break;
      if (c.type !== 'keyword_argument' && c.type !== 'comment' && c.type !== 'dictionary_splat') i++;
    }
    return String(i);
  }

  /** Records the call, follows the argument into a function of this file; true when the result carries it. */
  private intoCall(call: Node, slot: string, acc: Acc): boolean {
    const fn = call.childForFieldName('function');
    const name = fn?.type === 'attribute' ? this.text(fn.childForFieldName('attribute') ?? fn) : fn ? this.text(fn) : '';
    // lookups, tests and messages end the walk and say nothing a rule asks about: not even recorded
    if (OPAQUE_CALLS.has(name) || SEARCH_CALLS.has(name)) {
      acc.tested = true;
      return false;
    }
    const index = this.host.callIndex.get(call.id);
    if (index !== undefined) acc.call(index, slot);
    if (CONFIG_SLOT.test(slot)) return false;
    const receiver = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
    if (receiver && CONTAINER_ADD.has(name)) {
      // `prompts.append(p)`: follow `prompts`, not the `None` the method returns
      this.intoTarget(receiver, acc);
      return false;
    }
    const defs = this.host.defsByName.get(name);
    if (!defs || !fn) return true;
    // a function of this file: follow the parameter; its returns lead back to this call's result
    let followed = false;
    for (const def of defs) {
      const param = this.paramFor(def, slot, fn.type === 'attribute');
      if (param) {
        acc.merge(this.followName(param, def));
        followed = true;
      }
    }
    return !followed;
  }

  private paramFor(def: Node, slot: string, method: boolean): string | null {
    const sig = this.signatureOf(def);
    if (/^\d+$/.test(slot)) return sig.positional[Number(slot) + (method && sig.bound ? 1 : 0)] ?? null;
    return sig.all.includes(slot) ? slot : null;
  }

  /** The string keys of a dict display. */
  private shapeOfDict(dict: Node, acc: Acc): void {
    for (const pair of dict.namedChildren) {
      if (acc.keys.size >= MAX_KEYS) return;
      const key = pair?.type === 'pair' ? pair.childForFieldName('key') : null;
      if (key?.type === 'string') acc.keys.add(this.host.stringValue(key));
    }
  }

  /** The string keys written into a container in its scope: `row["chosen"] = …`. */
  private shapeOfWrites(container: Node, acc: Acc): void {
    const scope = this.scopes.around(container, 'function_definition') ?? this.host.root;
    for (const n of this.occurrencesOf(this.text(container), scope)) {
      if (acc.keys.size >= MAX_KEYS) return;
      const sub = n.parent;
      if (sub?.type !== 'subscript' || sub.childForFieldName('value')?.id !== n.id) continue;
      const assign = sub.parent;
      if (assign?.type !== 'assignment' || assign.childForFieldName('left')?.id !== sub.id) continue;
      const key = sub.childForFieldName('subscript');
      if (key?.type === 'string') acc.keys.add(this.host.stringValue(key));
    }
  }

  /** A def's parameter names (positional ones first), and whether it is a method bound to `self`/`cls`. */
  private signatureOf(def: Node): { positional: string[]; all: string[]; bound: boolean } {
    const known = this.signatures.get(def.id);
    if (known) return known;
    const positional: string[] = [];
    const all: string[] = [];
    let keywordOnly = false;
    for (const p of def.childForFieldName('parameters')?.namedChildren ?? []) {
      if (!p) continue;
      if (p.type === 'list_splat_pattern' || p.type === 'dictionary_splat_pattern' || p.type === 'keyword_separator') {
        keywordOnly = true;
        continue;
      }
      const id = p.type === 'identifier' ? p : (p.childForFieldName('name') ?? p.namedChild(0));
      if (id?.type !== 'identifier') continue;
      all.push(this.text(id));
      if (!keywordOnly) positional.push(this.text(id));
    }
    const bound = this.scopes.around(def)?.type === 'class_definition' && !this.isStatic(def);
    const sig = { positional, all, bound };
    this.signatures.set(def.id, sig);
    return sig;
  }

  private isStatic(def: Node): boolean {
    const outer = def.parent;
    if (outer?.type !== 'decorated_definition') return false;
    return outer.namedChildren.some((c) => c?.type === 'decorator' && /\bstaticmethod\b/.test(this.text(c)));
  }

  /** The value is bound to an assignment target: follow the name, `self` attribute or container. */
  private intoTarget(target: Node, acc: Acc): void {
    switch (target.type) {
      case 'identifier': {
        const scope = this.scopes.around(target);
        // a class attribute is a definition (a role table, a format's markers), not a value on its way
        if (scope?.type === 'class_definition') return;
        acc.merge(this.followName(this.text(target), scope ?? this.host.root, target));
        return;
      }
      case 'attribute': {
        const obj = target.childForFieldName('object');
        const attr = target.childForFieldName('attribute');
        if (!obj || !attr) return;
        const cls = obj.type === 'identifier' && /^(?:self|cls)$/.test(this.text(obj)) ? this.scopes.around(target, 'class_definition') : null;
        if (cls) acc.merge(this.followDotted(`${this.text(obj)}.${this.text(attr)}`, cls, '(?:self|cls)'));
        else if (obj.type === 'identifier') acc.merge(this.followDotted(this.text(target), this.scopes.around(target) ?? this.host.root));
        return;
      }
      case 'subscript': {
        const key = target.childForFieldName('subscript');
        if (key?.type === 'string' && acc.keys.size < MAX_KEYS) acc.keys.add(this.host.stringValue(key));
        // the container now holds the value; the other keys written into it tell what kind of record it is
        const value = target.childForFieldName('value');
        if (value?.type === 'identifier') this.shapeOfWrites(value, acc);
        if (value) this.intoTarget(value, acc);
        return;
      }
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'tuple':
      case 'list':
        for (const c of target.namedChildren) if (c) this.intoTarget(c, acc);
        return;
      default:
        return;
    }
  }

  /** A function returns the value: follow the function to its calls (or references) in this file. */
  private intoReturn(node: Node, acc: Acc): void {
    const def = this.scopes.around(node);
    if (def?.type !== 'function_definition') return;
    acc.returns.add(this.qualnameOf(def));
    const name = this.text(def.childForFieldName('name') ?? def);
    const owner = this.scopes.around(def);
    if (owner?.type === 'class_definition') acc.merge(this.followMethod(name));
    else acc.merge(this.followName(name, owner ?? this.host.root));
  }

  private qualnameOf(def: Node): string {
    const parts: string[] = [];
    for (let d: Node | null = def; d; d = this.scopes.around(d)) {
      if (d.type === 'function_definition' || d.type === 'class_definition') parts.unshift(this.text(d.childForFieldName('name') ?? d));
    }
    return parts.join('.');
  }

  /**
   * Reads of a plain name inside `scope` (a def or the module). A function that binds the same name
   * itself has its own variable: its reads are not this one's. Given the binding, reads after a later
   * rebinding in the same block (straight-line code: `text = …` again) see the new value and are left out.
   */
  private followName(name: string, scope: Node, binding?: Node): Acc {
    const occurrences = this.occurrencesOf(name, scope);
    const killedAt = binding ? this.rebindingAfter(binding, occurrences) : Infinity;
    const home = binding ? this.scopes.around(binding, 'function_definition') : null;
    return this.followAll(
      occurrences.filter((n) => {
        if (!isRead(n)) return false;
        const def = this.scopes.around(n, 'function_definition');
        if (def && def.id !== scope.id && this.bindsLocally(def, name)) return false;
        return n.startIndex < killedAt || def?.id !== home?.id;
      }),
    );
  }

  /** Where the first later rebinding of `binding`'s name in the same block ends (its reads before that end still see the old value). */
  private rebindingAfter(binding: Node, occurrences: readonly Node[]): number {
    const block = statementOf(binding)?.parent;
    if (!block) return Infinity;
    let killedAt = Infinity;
    for (const n of occurrences) {
      if (n.startIndex <= binding.startIndex || n.startIndex >= killedAt || n.parent?.type === 'augmented_assignment' || !isBinding(n)) continue;
      const statement = statementOf(n);
      if (statement?.parent?.id === block.id) killedAt = statement.endIndex;
    }
    return killedAt;
  }

  /** Identifier occurrences of `name` inside `scope`, reads and bindings alike. */
  private occurrencesOf(name: string, scope: Node): Node[] {
    return this.find(name, scope, `\\b${escapeRe(name)}\\b`, (n, start, end) =>
      n.type === 'identifier' && n.startIndex === start && n.endIndex === end ? n : null,
    );
  }

  /** The function assigns or takes `name` itself (and does not declare it `global`). */
  private bindsLocally(def: Node, name: string): boolean {
    const key = `${def.id}\u0000${name}`;
    let binds = this.local.get(key);
    if (binds === undefined) {
      const own = this.occurrencesOf(name, def).filter((n) => this.scopes.around(n, 'function_definition')?.id === def.id);
      binds = own.some(isBinding) && !own.some((n) => n.parent?.type === 'global_statement' || n.parent?.type === 'nonlocal_statement');
      this.local.set(key, binds);
    }
    return binds;
  }

  /** Reads of `obj.attr` inside `scope`; `receiver` is the pattern the object must match. */
  private followDotted(dotted: string, scope: Node, receiver?: string): Acc {
    const dot = dotted.lastIndexOf('.');
    const obj = receiver ?? escapeRe(dotted.slice(0, dot));
    return this.followAll(this.find(dotted, scope, `\\b${obj}\\s*\\.\\s*${escapeRe(dotted.slice(dot + 1))}\\b`, attributeRead));
  }

  /** Calls of a method anywhere in the file (`self.render(…)`, `conv.get_prompt()`). */
  private followMethod(name: string): Acc {
    const calls = this.find(`.${name}`, this.host.root, `\\.\\s*${escapeRe(name)}\\b`, attributeRead);
    // a method named like a library API (`generate`, `apply_chat_template`) is only known to be this one
    // when called on `self`/`cls`; other receivers are mostly the library's objects
    const own = LIBRARY_METHODS.has(name) ? calls.filter((n) => /^(?:self|cls|super\(\))$/.test(this.text(n.childForFieldName('object') ?? n))) : calls;
    return this.followAll(own);
  }

  private followAll(nodes: readonly Node[]): Acc {
    const acc = new Acc();
    for (const node of nodes) {
      if (!this.spend(acc)) break;
      acc.merge(this.from(node));
    }
    return acc;
  }

  /**
   * Nodes in `scope` where `pattern` matches and `pick` finds one (it is given the node spanning the
   * match, and the match's bounds); cached per name and scope.
   */
  private find(name: string, scope: Node, pattern: string, pick: (n: Node, start: number, end: number) => Node | null): Node[] {
    const key = `${name}\u0000${scope.id}`;
    const cached = this.occurrences.get(key);
    if (cached) return cached;
    const out: Node[] = [];
    const text = this.host.src.slice(scope.startIndex, scope.endIndex);
    const re = new RegExp(pattern, 'g');
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (++this.steps > FILE_BUDGET) break;
      const start = scope.startIndex + m.index;
      const end = start + m[0].length;
      const node = this.host.root.descendantForIndex(start, end);
      const picked = node ? pick(node, start, end) : null;
      if (picked) out.push(picked);
    }
    this.occurrences.set(key, out);
    return out;
  }
}

/** Placeholder text standing in for a model's output (DATA001 asks where it ends and what it replaces). */
export const PLACEHOLDER_STRING = /placeholder|lorem ipsum|dummy (?:response|answer|output|text)|TODO:? (?:generate|fill)/i;

/** Strings worth following: chat or special-token markers, and placeholder text. */
export const FLOW_STRING = new RegExp(String.raw`<\|[A-Za-z_]+\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:start|end)_of_turn>|${PLACEHOLDER_STRING.source}`, 'i');

/** Calls whose result is worth following: a chat template applied (also under an alias, `_apply_chat_template`). */
export const FLOW_CALL = /apply_chat_template$/;

const TESTED = String.raw`([A-Za-z_][\w.]*(?:\[[^\]\n]*\])?)`;
/** Conditions true when the tested value is empty or missing; and those true when it is present. */
const EMPTY_TESTS = [
  new RegExp(String.raw`^not\s+${TESTED}(?:\.strip\(\))?$`),
  new RegExp(String.raw`^${TESTED}\s+is\s+None$`),
  new RegExp(String.raw`^${TESTED}\s*==\s*(?:""|''|None|\[\])$`),
  new RegExp(String.raw`^len\(${TESTED}\)\s*(?:==\s*0|<\s*1)$`),
];
const PRESENT_TESTS = [
  new RegExp(String.raw`^${TESTED}(?:\.strip\(\))?$`),
  new RegExp(String.raw`^${TESTED}\s+is\s+not\s+None$`),
  new RegExp(String.raw`^len\(${TESTED}\)\s*(?:>\s*0|>=\s*1)$`),
];

function tested(condition: Node | null, tests: readonly RegExp[], text: (n: Node) => string): string | null {
  if (!condition) return null;
  const t = text(condition).trim();
  for (const re of tests) {
    const m = re.exec(t);
    if (m?.[1]) return m[1];
  }
  return null;
}

/**
 * The name a string stands in for when that name is empty or missing, read from the nearest enclosing
 * test within its function: `if not x: … "…"`, `if x: … else: … "…"`, `x or "…"`, `"…" if not x else x`.
 */
export function guardOf(node: Node, text: (n: Node) => string): string | null {
  let child = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    switch (p.type) {
      case 'function_definition':
      case 'class_definition':
      case 'lambda':
        return null;
      case 'boolean_operator':
        if (p.childForFieldName('right')?.id === child.id && text(p.childForFieldName('operator') ?? p) === 'or') {
          const left = p.childForFieldName('left');
          if (left && /^(?:identifier|attribute|subscript)$/.test(left.type)) return text(left);
        }
        break;
      case 'conditional_expression': {
        const [yes, condition, no] = [p.namedChild(0), p.namedChild(1), p.namedChild(2)];
        if (yes?.id === child.id) return tested(condition, EMPTY_TESTS, text);
        if (no?.id === child.id) return tested(condition, PRESENT_TESTS, text);
        break;
      }
      case 'if_statement':
      case 'elif_clause': {
        const condition = p.childForFieldName('condition');
        if (p.childForFieldName('consequence')?.id === child.id) {
          const name = tested(condition, EMPTY_TESTS, text);
          if (name) return name;
        } else if (child.type === 'else_clause' && p.type === 'if_statement') {
          const name = tested(condition, PRESENT_TESTS, text);
          if (name) return name;
        }
        break;
      }
    }
  }
  return null;
}
