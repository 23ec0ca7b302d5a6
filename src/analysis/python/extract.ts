/**
 * Python extraction: one pass over a tree-sitter parse turns a file into facts. Only the node kinds in
 * `PYTHON_QUERY` leave the parser; names are resolved through scopes (scopes.ts), values read as literals
 * (literals.ts), strings kept only when a rule may care (strings.ts), argparse options (cli.ts), script calls
 * (commands.ts), value flow (flow.ts) and guards (guards.ts) recorded, and syntax errors become facts.
 */

import type { Capture, PyNode as Node } from './flat-tree.js';
import {
  emptyFacts,
  type AssignFact,
  type CallFact,
  type FileFacts,
  type Literal,
  type StringFact,
  type StringRole,
} from '../facts.js';
import { CommandRecorder } from './commands.js';
import { fingerprintOf } from './fingerprint.js';
import { cliArgOf } from './cli.js';
import { FLOW_CALL, FLOW_STRING, FlowTracer, guardOf, PLACEHOLDER_STRING } from './flow.js';
import { chatGuards, hasMainGuard } from './guards.js';
import { decodeString, docstringOf, dotted, literal, spanOf, type LiteralContext } from './literals.js';
import { absoluteModule, bind, methodOwner, moduleNameOf, newScope, resolvePending, resolveText, type Pending, type Scope } from './scopes.js';
import { keptString } from './strings.js';

/** Classes are not compared as a whole: their methods are. */
const noFingerprint = () => ({ fingerprint: '', tokens: 0, shingles: [] as number[] });
/** `# Copied from diffusers.models.x.Y.method with A->B`: a copy kept in sync by the project's tooling. */
const COPIED_FROM = /#[ \t]*Copied from[ \t]/;
const COPIED_FROM_LINE = /^[ \t]*#[ \t]*Copied from[ \t]+(\S+)/;

/** Node kinds the extractor looks at; everything else is never marshalled out of the parser. */
export const PYTHON_QUERY = `
(function_definition) @def
(class_definition) @class
(call) @call
(assignment) @assign
(named_expression) @walrus
(import_statement) @import
(import_from_statement) @import
(future_import_statement) @import
(string) @string
(concatenated_string) @cstring
(except_clause) @except
(for_statement left: (_) @target)
(for_in_clause left: (_) @target)
(as_pattern alias: (_) @target)
(type_alias_statement) @typealias
(list . [(string) (attribute)]) @list
(tuple . [(string) (attribute)]) @list
`;

interface Frame {
  scope: Scope;
  end: number;
}

class Extractor {
  readonly facts: FileFacts;
  private readonly moduleName: string;
  private readonly callIndex = new Map<number, number>();
  private readonly pending: Pending[] = [];
  /** What script-call resolution needs after the pass (commands.ts). */
  private readonly commands: CommandRecorder;
  /** Work that needs every call's index first: arguments and assigned values become literals. */
  private readonly deferredCalls: { node: Node; fact: CallFact; scope: Scope }[] = [];
  private readonly deferredAssigns: { value: Node | null; fact: AssignFact; scope: Scope }[] = [];
  private exceptDepth = 0;
  /** Values whose flow through the file is worth a look (flow.ts), and the defs a flow may enter. */
  private readonly flowSeeds: { node: Node; fact: StringFact | CallFact }[] = [];
  private readonly defsByName = new Map<string, Node[]>();
  private readonly scopeNodes: Node[] = [];
  /** Classes marked `# Copied from …`, by qualname: their methods are copies too. */
  private readonly copiedClasses = new Map<string, string>();
  private marksCopies: boolean | undefined;
  readonly text = (node: Node): string => this.src.slice(node.startIndex, node.endIndex);
  private readonly literals: LiteralContext = { text: this.text, callIndex: this.callIndex, pending: this.pending };

  constructor(
    private readonly src: string,
    readonly file: string,
  ) {
    this.facts = emptyFacts(file, 'python');
    this.moduleName = moduleNameOf(file);
    this.commands = new CommandRecorder({
      file,
      source: src,
      moduleName: this.moduleName,
      text: (node) => this.text(node),
      decode: decodeString,
      span: spanOf,
      dotted: (node) => this.dotted(node),
    });
  }

  run(root: Node, captures: Iterable<Capture>): FileFacts {
    this.facts.lines = root.endPosition.row + 1;
    const module = newScope('', 'module', null);
    this.facts.docstring = docstringOf(root, this.text);
    const frames: Frame[] = [{ scope: module, end: Number.POSITIVE_INFINITY }];
    const excepts: number[] = [];
    let cstringEnd = -1;
    for (const { name, node } of captures) {
      const start = node.startIndex;
      while (frames.length > 1 && (frames[frames.length - 1]?.end ?? 0) <= start) frames.pop();
      while (excepts.length && (excepts[excepts.length - 1] ?? 0) <= start) excepts.pop();
      this.exceptDepth = excepts.length;
      const scope = (frames[frames.length - 1] ?? frames[0])!.scope;
      switch (name) {
        case 'def':
          frames.push({ scope: this.enterFunction(node, scope), end: node.endIndex });
          break;
        case 'class':
          frames.push({ scope: this.enterClass(node, scope), end: node.endIndex });
          break;
        case 'call':
          this.enterCall(node, scope);
          break;
        case 'assign':
          this.enterAssignment(node, scope);
          break;
        case 'walrus':
          this.enterNamedExpression(node, scope);
          break;
        case 'import':
          this.visitImport(node, scope);
          break;
        case 'cstring':
          cstringEnd = node.endIndex;
          this.visitString(node, scope);
          break;
        case 'string':
          if (start >= cstringEnd) this.visitString(node, scope);
          break;
        case 'except':
          excepts.push(node.endIndex);
          break;
        case 'target':
          this.bindPattern(node, scope, node.startPosition.row + 1);
          break;
        case 'list':
          this.commands.list(node, scope, this.src);
          break;
        case 'typealias':
          this.recoverTypeCall(node, scope);
          break;
      }
    }
    for (const d of this.deferredCalls) this.finishCall(d.node, d.fact, d.scope);
    for (const d of this.deferredAssigns) d.fact.value = d.value ? this.literal(d.value, d.scope) : { kind: 'none' };
    if (root.hasError) this.collectParseErrors(root);
    const guards = chatGuards(root, this.src, this.text);
    if (guards.length) this.facts.chatGuards = guards;
    resolvePending(this.pending);
    this.facts.scriptCalls = this.commands.find(this.deferredCalls);
    this.traceFlows(root);
    // only files that mention it pay for a look at the top-level statements
    if (this.src.includes('__main__')) this.facts.mainGuard = hasMainGuard(root, this.text);
    return this.facts;
  }

  // ---- definitions -----------------------------------------------------------------------------

  private decoratorsOf(def: Node): string[] {
    const parent = def.parent;
    if (parent?.type !== 'decorated_definition') return [];
    const out: string[] = [];
    for (const c of parent.namedChildren) {
      if (c?.type !== 'decorator') continue;
      const expr = c.namedChild(0);
      if (expr) out.push(this.dotted(expr.type === 'call' ? (expr.childForFieldName('function') ?? expr) : expr));
    }
    return out;
  }

  private qualname(scope: Scope, name: string): string {
    return scope.name ? `${scope.name}.${name}` : name;
  }

  private defQname(qualname: string): string {
    return this.moduleName ? `${this.moduleName}.${qualname}` : qualname;
  }

  private enterFunction(node: Node, scope: Scope): Scope {
    const nameNode = node.childForFieldName('name');
    const name = nameNode ? this.text(nameNode) : '?';
    const qualname = this.qualname(scope, name);
    const decorators = this.decoratorsOf(node);
    bind(scope.bindings, name, { line: node.startPosition.row + 1, kind: 'def', qname: this.defQname(qualname) });
    const fn = newScope(qualname, 'function', scope);
    this.scopeNodes.push(node);
    const sameName = this.defsByName.get(name);
    if (sameName) sameName.push(node);
    else this.defsByName.set(name, [node]);
    const params: string[] = [];
    const paramsNode = node.childForFieldName('parameters');
    if (paramsNode) {
      for (const p of paramsNode.namedChildren) {
        if (!p) continue;
        const id = p.type === 'identifier' ? p : (p.childForFieldName('name') ?? p.namedChild(0));
        if (id?.type === 'identifier') {
          const pname = this.text(id);
          params.push(pname);
          bind(fn.bindings, pname, { line: 0, kind: 'opaque' });
        }
      }
    }
    if (scope.kind === 'class' && !decorators.includes('staticmethod') && params[0]) {
      fn.owner = scope;
      fn.selfName = params[0];
    }
    this.commands.def(qualname, params, fn, fn.owner !== undefined);
    const body = node.childForFieldName('body');
    this.pushDef(node, body, name, qualname, 'function', params, decorators, []);
    return fn;
  }

  private enterClass(node: Node, scope: Scope): Scope {
    const nameNode = node.childForFieldName('name');
    const name = nameNode ? this.text(nameNode) : '?';
    const qualname = this.qualname(scope, name);
    bind(scope.bindings, name, { line: node.startPosition.row + 1, kind: 'def', qname: this.defQname(qualname) });
    this.scopeNodes.push(node);
    const bases: string[] = [];
    const supers = node.childForFieldName('superclasses');
    if (supers) {
      for (const b of supers.namedChildren) {
        if (b && (b.type === 'identifier' || b.type === 'attribute')) {
          bases.push(resolveText(this.dotted(b), scope, b.startPosition.row + 1).qname);
        }
      }
    }
    this.pushDef(node, node.childForFieldName('body'), name, qualname, 'class', [], this.decoratorsOf(node), bases, false);
    return newScope(qualname, 'class', scope);
  }

  private pushDef(
    node: Node,
    body: Node | null,
    name: string,
    qualname: string,
    kind: 'function' | 'class',
    params: string[],
    decorators: string[],
    bases: string[],
    fingerprinted = true,
  ): void {
    const { fingerprint, tokens, shingles } = body && fingerprinted ? fingerprintOf(this.text(body)) : noFingerprint();
    const copiedFrom = this.copiedFrom(node, qualname);
    if (copiedFrom !== null && kind === 'class') this.copiedClasses.set(qualname, copiedFrom);
    this.facts.defs.push({
      name,
      qualname,
      kind,
      span: spanOf(node),
      params,
      decorators,
      bases,
      docstring: docstringOf(body, this.text),
      fingerprint,
      tokens,
      shingles,
      ...(copiedFrom !== null && { copiedFrom }),
    });
  }

  /**
   * The source a def says it was copied from: a `# Copied from X` comment on the line above it (or above
   * its decorators), as transformers and diffusers mark copies their tooling keeps in sync; a method of
   * a class marked so is a copy too.
   */
  private copiedFrom(node: Node, qualname: string): string | null {
    if (!(this.marksCopies ??= COPIED_FROM.test(this.src))) return null;
    for (let dot = qualname.lastIndexOf('.'); dot > 0; dot = qualname.lastIndexOf('.', dot - 1)) {
      const outer = this.copiedClasses.get(qualname.slice(0, dot));
      if (outer !== undefined) return outer;
    }
    const start = node.parent?.type === 'decorated_definition' ? node.parent.startIndex : node.startIndex;
    const lineStart = this.src.lastIndexOf('\n', start - 1) + 1;
    if (lineStart === 0) return null;
    const above = this.src.slice(this.src.lastIndexOf('\n', lineStart - 2) + 1, lineStart - 1);
    return COPIED_FROM_LINE.exec(above)?.[1] ?? null;
  }

  // ---- imports and bindings --------------------------------------------------------------------

  private visitImport(node: Node, scope: Scope): void {
    const line = node.startPosition.row + 1;
    const span = spanOf(node);
    const push = (module: string, name: string | null, alias: string | null, level: number): void => {
      this.facts.imports.push({ module, name, alias, level, span, scope: scope.name || '<module>' });
    };
    if (node.type === 'import_statement') {
      for (const c of node.childrenForFieldName('name')) {
        if (!c) continue;
        if (c.type === 'aliased_import') {
          const mod = this.text(c.childForFieldName('name') ?? c);
          const alias = this.text(c.childForFieldName('alias') ?? c);
          push(mod, null, alias, 0);
          bind(scope.bindings, alias, { line, kind: 'import', qname: mod });
        } else {
          const mod = this.text(c);
          push(mod, null, null, 0);
          const root = mod.split('.')[0] ?? mod;
          bind(scope.bindings, root, { line, kind: 'import', qname: root });
        }
      }
      return;
    }
    let module = '__future__';
    let level = 0;
    if (node.type === 'import_from_statement') {
      const m = node.childForFieldName('module_name');
      const raw = m ? this.text(m) : '';
      const dots = /^\.*/.exec(raw)?.[0].length ?? 0;
      level = dots;
      module = raw.slice(dots);
    }
    const absolute = absoluteModule(this.moduleName, this.file, module, level);
    let any = false;
    for (const c of node.childrenForFieldName('name')) {
      if (!c) continue;
      any = true;
      const isAliased = c.type === 'aliased_import';
      const name = this.text(isAliased ? (c.childForFieldName('name') ?? c) : c);
      const alias = isAliased ? this.text(c.childForFieldName('alias') ?? c) : null;
      push(module, name, alias, level);
      const qname = absolute ? `${absolute}.${name}` : name;
      bind(scope.bindings, alias ?? name, { line, kind: 'import', qname });
    }
    if (!any && node.namedChildren.some((c) => c?.type === 'wildcard_import')) push(module, '*', null, level);
  }

  private bindPattern(target: Node, scope: Scope, line: number): void {
    if (target.type === 'identifier') {
      bind(scope.bindings, this.text(target), { line, kind: 'opaque' });
      return;
    }
    for (const c of target.namedChildren) if (c) this.bindPattern(c, scope, line);
  }

  private bindValue(name: string, value: Node | null, scope: Scope, line: number, map = scope.bindings): void {
    if (value && (value.type === 'identifier' || value.type === 'attribute')) {
      bind(map, name, { line, kind: 'alias', text: this.dotted(value), scope });
    } else if (value && value.type === 'call') {
      const fn = value.childForFieldName('function');
      bind(map, name, { line, kind: 'call', callee: fn ? this.dotted(fn) : '?', scope });
    } else {
      bind(map, name, { line, kind: 'opaque' });
    }
  }

  private enterAssignment(node: Node, scope: Scope): void {
    const left = node.childForFieldName('left');
    if (!left) return;
    const line = node.startPosition.row + 1;
    // `a = b = value`: the innermost right-hand side is the value for every target
    let value = node.childForFieldName('right');
    while (value?.type === 'assignment') value = value.childForFieldName('right');

    if (left.type === 'identifier') {
      const name = this.text(left);
      this.bindValue(name, value, scope, line);
      this.commands.assign(name, value, scope, line);
      this.pushAssign(name, null, value, node, scope);
    } else if (left.type === 'attribute') {
      const target = this.dotted(left);
      const obj = left.childForFieldName('object');
      const attr = left.childForFieldName('attribute');
      const method = methodOwner(scope);
      if (method?.owner?.attrs && obj?.type === 'identifier' && this.text(obj) === method.selfName && attr) {
        this.bindValue(this.text(attr), value, scope, line, method.owner.attrs);
      }
      const fact = this.pushAssign(target, target, value, node, scope);
      this.pending.push({ target: fact, text: target, scope, line, kind: 'assign' });
    } else {
      this.bindPattern(left, scope, line);
    }
  }

  private enterNamedExpression(node: Node, scope: Scope): void {
    const name = node.childForFieldName('name');
    const value = node.childForFieldName('value');
    if (name) {
      this.bindValue(this.text(name), value, scope, node.startPosition.row + 1);
      this.commands.assign(this.text(name), value, scope, node.startPosition.row + 1);
      this.pushAssign(this.text(name), null, value, node, scope);
    }
  }

  private pushAssign(target: string, targetQname: string | null, value: Node | null, node: Node, scope: Scope): AssignFact {
    const fact: AssignFact = { target, targetQname, value: { kind: 'none' }, span: spanOf(node), scope: scope.name || '<module>' };
    if (this.exceptDepth > 0) fact.inExcept = true;
    this.facts.assigns.push(fact);
    this.deferredAssigns.push({ value, fact, scope });
    return fact;
  }

  // ---- calls -----------------------------------------------------------------------------------

  private enterCall(node: Node, scope: Scope): void {
    const fn = node.childForFieldName('function');
    const callee = fn ? this.dotted(fn) : '?';
    const fact: CallFact = {
      callee,
      qname: callee,
      resolved: false,
      span: spanOf(node),
      args: [],
      kwargs: {},
      splat: false,
      scope: scope.name || '<module>',
    };
    const parent = node.parent;
    if (parent && (parent.type === 'default_parameter' || parent.type === 'typed_default_parameter')) {
      const value = parent.childForFieldName('value');
      const name = parent.childForFieldName('name');
      if (name && value?.id === node.id) fact.param = this.text(name);
    }
    this.callIndex.set(node.id, this.facts.calls.push(fact) - 1);
    if (FLOW_CALL.test(callee)) this.flowSeeds.push({ node, fact });
    this.pending.push({ target: fact, text: callee, scope, line: node.startPosition.row + 1, kind: 'call' });
    this.deferredCalls.push({ node, fact, scope });
  }

  /**
   * The grammar reads `type(obj).attr = value` as a 3.12 `type X = …` alias. Python reads a call of
   * `type` and an attribute assignment: record those.
   */
  private recoverTypeCall(node: Node, scope: Scope): void {
    const left = node.childForFieldName('left');
    const attr = left?.firstNamedChild;
    const paren = attr?.type === 'attribute' ? attr.childForFieldName('object') : null;
    if (!left || !attr || paren?.type !== 'parenthesized_expression' || !/^type\s*\(/.test(this.text(node))) return;
    const s = node.startPosition;
    const e = paren.endPosition;
    const inner = paren.firstNamedChild;
    const call: CallFact = {
      callee: 'type',
      qname: 'type',
      resolved: false,
      span: { line: s.row + 1, col: s.column + 1, endLine: e.row + 1, endCol: e.column + 1 },
      args: inner ? [this.literal(inner, scope)] : [],
      kwargs: {},
      splat: false,
      scope: scope.name || '<module>',
    };
    this.pending.push({ target: call, text: 'type', scope, line: s.row + 1, kind: 'call' });
    this.facts.calls.push(call);
    const target = `type().${this.text(attr.childForFieldName('attribute') ?? attr)}`;
    const value = node.childForFieldName('right')?.firstNamedChild ?? null;
    const fact = this.pushAssign(target, target, value, node, scope);
    fact.targetQname = target;
  }

  private finishCall(node: Node, fact: CallFact, scope: Scope): void {
    const argsNode = node.childForFieldName('arguments');
    if (!argsNode) return;
    if (argsNode.type !== 'argument_list') {
      fact.args.push(this.literal(argsNode, scope));
      return;
    }
    for (const a of argsNode.namedChildren) {
      if (!a || a.type === 'comment') continue;
      if (a.type === 'keyword_argument') {
        const name = a.childForFieldName('name');
        const value = a.childForFieldName('value');
        if (name && value) fact.kwargs[this.text(name)] = this.literal(value, scope);
      } else if (a.type === 'list_splat' || a.type === 'dictionary_splat') {
        fact.splat = true;
        const inner = a.firstNamedChild;
        if (inner && (inner.type === 'identifier' || inner.type === 'attribute')) (fact.splats ??= []).push(this.dotted(inner));
        if (inner && a.type === 'dictionary_splat') (fact.kwsplats ??= []).push(this.literal(inner, scope));
      } else {
        fact.args.push(this.literal(a, scope));
      }
    }
    if (fact.callee.endsWith('add_argument')) {
      const arg = cliArgOf(fact);
      if (arg) this.facts.cliArgs.push(arg);
    }
  }

  // ---- literals and strings --------------------------------------------------------------------

  dotted(node: Node): string {
    return dotted(node, this.text);
  }

  literal(node: Node, scope: Scope): Literal {
    return literal(node, scope, this.literals);
  }

  private visitString(node: Node, scope: Scope): void {
    const kept = keptString(node, { text: this.text, callIndex: this.callIndex, literal: (n) => this.literal(n, scope) });
    if (kept) this.pushString(node, scope, kept.value, kept.fstring, kept.role, kept.call, kept.key);
  }

  private pushString(
    node: Node,
    scope: Scope,
    value: string,
    fstring: boolean,
    role: StringRole,
    call?: number,
    key?: string,
  ): void {
    const fact: StringFact = { value, fstring, span: spanOf(node), scope: scope.name || '<module>', role };
    if (call !== undefined) fact.call = call;
    if (key !== undefined) fact.key = key;
    if (this.exceptDepth > 0) fact.inExcept = true;
    this.facts.strings.push(fact);
    if (role !== 'comparison' && role !== 'key' && FLOW_STRING.test(value)) {
      this.flowSeeds.push({ node, fact });
      const guard = PLACEHOLDER_STRING.test(value) ? guardOf(node, (n) => this.text(n)) : null;
      if (guard) fact.guard = guard;
    }
  }

  /** Where the seeded strings and template applications go (flow.ts); only files with seeds pay. */
  private traceFlows(root: Node): void {
    if (!this.flowSeeds.length) return;
    const tracer = new FlowTracer({
      src: this.src,
      root,
      callIndex: this.callIndex,
      defsByName: this.defsByName,
      scopes: this.scopeNodes,
      stringValue: (n) => decodeString(this.text(n)).value,
    });
    for (const { node, fact } of this.flowSeeds) fact.flow = tracer.trace(node);
  }

  // ---- resolution and errors -------------------------------------------------------------------

  /** The first syntax errors, in document order: an ERROR or MISSING node, not looked into further. */
  private collectParseErrors(root: Node): void {
    const stack: Node[] = [root];
    while (stack.length) {
      const node = stack.pop()!;
      if (node.isError || node.isMissing) {
        const text = this.text(node).split('\n')[0] ?? '';
        const message = node.isMissing
          ? `syntax error: missing \`${node.type}\``
          : `syntax error: unexpected \`${text.length > 40 ? text.slice(0, 40) + '…' : text}\``;
        this.facts.parseErrors.push({ span: spanOf(node), message });
        if (this.facts.parseErrors.length >= 5) return;
        continue;
      }
      if (!node.hasError) continue;
      const children = node.children;
      for (let i = children.length - 1; i >= 0; i--) {
        const c = children[i];
        if (c) stack.push(c);
      }
    }
  }
}

export function extractPython(root: Node, captures: Iterable<Capture>, source: string, file: string): FileFacts {
  return new Extractor(source, file).run(root, captures);
}
