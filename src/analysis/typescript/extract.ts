/**
 * TS/JS facts for one file: a single walk over the compiler's syntax tree (no Program, no type
 * checking), with names resolved through imports and bindings in the spirit of the Python front end:
 * `import OpenAI from 'openai'; const c = new OpenAI(); c.chat.completions.create()` →
 * `openai.OpenAI().chat.completions.create`. `this.x` inside a method sees `this.x = …` from any
 * method of the class, like `self.x` in Python.
 */
import type { ts as T } from 'ts-morph';
import { emptyFacts, type AssignFact, type CallFact, type FileFacts, type Span } from '../facts.js';
import { bind, methodOwner, newScope, resolveText, type Binding, type Scope } from '../python/scopes.js';
import { collectCliArgs, type CliSources } from './cli.js';
import { compiler } from './compiler.js';
import { importSites, loadedQname, moduleLoad } from './imports.js';
import { collectScriptCalls } from './launch.js';
import { dotted, literal, nameText, objectProperties, unwrap, type LiteralContext } from './literals.js';
import { parseErrorsOf, parseSource } from './parse.js';
import { importCandidates, importQname, moduleQname } from './paths.js';
import { stringFact } from './strings.js';
import { fileDocComment, fingerprintOf, jsDocOf, positionOf } from './text.js';

export type ScriptLanguage = 'typescript' | 'javascript';

/** Signs that a file runs as a program: a shebang, `require.main === module`, `import.meta.main`, argv[1] tests. */
const MAIN_HINT = /^#!|\brequire\.main\s*===?\s*module\b|\bimport\.meta\.main\b|process\.argv\[1\][^;\n]*import\.meta\.(?:url|filename)|import\.meta\.(?:url|filename)[^;\n]*process\.argv\[1\]/;

interface Range {
  start: number;
  end: number;
}

type FunctionLike = T.FunctionDeclaration | T.MethodDeclaration | T.ConstructorDeclaration | T.AccessorDeclaration | T.FunctionExpression | T.ArrowFunction;

class Extractor implements LiteralContext {
  readonly facts: FileFacts;
  readonly sf: T.SourceFile;
  readonly callIndex = new Map<T.Node, number>();
  private readonly ts = compiler();
  private readonly src: string;
  private readonly moduleRoot: string;
  private readonly jsx: boolean;
  private readonly scopes = new Map<T.Node, Scope>();
  private readonly deferredCalls: { node: T.CallExpression | T.NewExpression; fact: CallFact; scope: Scope }[] = [];
  private readonly deferredAssigns: { value: T.Expression; fact: AssignFact; scope: Scope }[] = [];
  private readonly deferredExports: { local: string; exported: string; at: T.Node; scope: Scope }[] = [];
  /** Specifier strings of imports: not data paths. */
  private readonly specifiers = new Set<T.Node>();
  private readonly cli: CliSources = { parseArgsCalls: [], objects: new Map(), helpTexts: [] };
  private fileDocPos: number | null = null;
  private catchDepth = 0;

  constructor(source: string, readonly file: string, language: ScriptLanguage) {
    this.src = source;
    this.facts = emptyFacts(file, language);
    this.moduleRoot = moduleQname(file.replace(/\.DEPRECATED$/, ''));
    const parsed = parseSource(source, file);
    this.sf = parsed.sf;
    this.jsx = parsed.jsx;
  }

  run(): FileFacts {
    const sf = this.sf;
    this.facts.lines = sf.getLineStarts().length;
    const doc = fileDocComment(sf);
    this.facts.docstring = doc?.text ?? null;
    this.fileDocPos = doc && !doc.shared ? doc.pos : null;
    const module = newScope('', 'module', null);
    this.scopes.set(sf, module);
    for (const stmt of sf.statements) this.visit(stmt, module);
    for (const d of this.deferredCalls) this.finishCall(d.node, d.fact, d.scope);
    for (const d of this.deferredAssigns) d.fact.value = literal(d.value, this);
    for (const d of this.deferredExports) this.finishExport(d.local, d.exported, d.at, d.scope);
    this.facts.parseErrors = parseErrorsOf(sf);
    if (MAIN_HINT.test(this.src)) this.facts.mainGuard = true;
    this.facts.cliArgs = collectCliArgs(this.cli, this.facts, this);
    this.facts.scriptCalls = collectScriptCalls(this.facts);
    return this.facts;
  }

  // ---- positions and names ---------------------------------------------------------------------

  span(node: T.Node): Span {
    const start = positionOf(this.sf, node.getStart(this.sf));
    const end = positionOf(this.sf, node.end);
    return { line: start.line, col: start.col, endLine: end.line, endCol: end.col };
  }

  private line(node: T.Node): number {
    return this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf)).line + 1;
  }

  /** The scope a node sits in: the nearest enclosing node that opened one. */
  private scopeOf(node: T.Node): Scope {
    for (let n: T.Node | undefined = node; n; n = n.parent) {
      const s = this.scopes.get(n);
      if (s) return s;
    }
    return this.scopes.get(this.sf) as Scope;
  }

  resolve(text: string, node: T.Node): string | null {
    const r = resolveText(text, this.scopeOf(node), this.line(node));
    return r.resolved ? r.qname : null;
  }

  private scopeName(scope: Scope): string {
    return scope.name || '<module>';
  }

  private qualname(scope: Scope, name: string): string {
    return scope.name ? `${scope.name}.${name}` : name;
  }

  private defQname(qualname: string): string {
    return this.moduleRoot ? `${this.moduleRoot}.${qualname}` : qualname;
  }

  // ---- the walk ----------------------------------------------------------------------------------

  private visit(node: T.Node, scope: Scope): void {
    const ts = this.ts;
    const K = ts.SyntaxKind;
    const kind = node.kind;
    // types hold no calls, bindings or data paths: their subtrees are skipped whole
    if ((kind >= K.FirstTypeNode && kind <= K.LastTypeNode) || kind === K.InterfaceDeclaration || kind === K.TypeAliasDeclaration) return;
    let inner = scope;
    switch (kind) {
      case K.ImportDeclaration:
      case K.ExportDeclaration:
      case K.ImportEqualsDeclaration:
        this.visitImport(node as T.ImportDeclaration | T.ExportDeclaration | T.ImportEqualsDeclaration, scope);
        break;
      case K.CallExpression:
      case K.NewExpression:
        this.visitCall(node as T.CallExpression | T.NewExpression, scope);
        break;
      case K.FunctionDeclaration:
        inner = this.enterFunction(node as T.FunctionDeclaration, (node as T.FunctionDeclaration).name?.text ?? 'default', scope, node);
        break;
      case K.ClassDeclaration:
      case K.ClassExpression:
        inner = this.enterClass(node as T.ClassDeclaration | T.ClassExpression, scope);
        break;
      case K.MethodDeclaration:
      case K.Constructor:
      case K.GetAccessor:
      case K.SetAccessor:
        inner = this.enterMember(node as T.MethodDeclaration | T.ConstructorDeclaration | T.AccessorDeclaration, scope);
        break;
      case K.FunctionExpression:
      case K.ArrowFunction:
        inner = this.scopes.get(node) ?? this.enterAnonymous(node as T.FunctionExpression | T.ArrowFunction, scope);
        break;
      case K.VariableDeclaration:
        this.visitDeclaration(node as T.VariableDeclaration, scope);
        break;
      case K.PropertyDeclaration:
        this.visitProperty(node as T.PropertyDeclaration, scope);
        break;
      case K.BinaryExpression:
        if ((node as T.BinaryExpression).operatorToken.kind === K.EqualsToken) this.visitAssignment(node as T.BinaryExpression, scope);
        break;
      case K.StringLiteral:
      case K.NoSubstitutionTemplateLiteral:
      case K.TemplateExpression:
        this.visitString(node as T.StringLiteralLike | T.TemplateExpression, scope);
        break;
      case K.PropertyAssignment:
      case K.ShorthandPropertyAssignment: {
        const name = (node as T.PropertyAssignment | T.ShorthandPropertyAssignment).name;
        if (name.kind === K.Identifier) this.visitKey(name, scope);
        break;
      }
      case K.ExportAssignment: {
        const expr = (node as T.ExportAssignment).expression;
        if (!(node as T.ExportAssignment).isExportEquals && ts.isIdentifier(expr)) this.deferredExports.push({ local: expr.text, exported: 'default', at: node, scope });
        break;
      }
      case K.CatchClause:
        this.catchDepth++;
        ts.forEachChild(node, (c) => this.visit(c, inner));
        this.catchDepth--;
        return;
    }
    ts.forEachChild(node, (c) => this.visit(c, inner));
  }

  // ---- imports -----------------------------------------------------------------------------------

  private pushImport(spec: T.StringLiteralLike, name: string | null, alias: string | null, scope: Scope, at: T.Node): void {
    this.specifiers.add(spec);
    const candidates = importCandidates(spec.text, this.file);
    this.facts.imports.push({ module: spec.text, name, alias, level: 0, span: this.span(at), scope: this.scopeName(scope), candidates });
  }

  private visitImport(node: T.ImportDeclaration | T.ExportDeclaration | T.ImportEqualsDeclaration, scope: Scope): void {
    const reexport = this.ts.isExportDeclaration(node) && !node.isTypeOnly;
    for (const site of importSites(node, this.file)) {
      this.pushImport(site.spec, site.name, site.alias, scope, node);
      if (site.binds) bind(scope.bindings, site.binds.local, { line: this.line(node), kind: 'import', qname: site.binds.qname });
      if (reexport && site.name) {
        const root = importQname(site.spec.text, this.file);
        (this.facts.reexports ??= []).push({
          exported: site.alias ?? site.name,
          qname: site.name === '*' ? root : `${root}.${site.name}`,
          module: site.spec.text,
          candidates: importCandidates(site.spec.text, this.file),
          span: this.span(node),
        });
      }
    }
    if (reexport && !node.moduleSpecifier && node.exportClause && this.ts.isNamedExports(node.exportClause)) {
      for (const el of node.exportClause.elements) if (!el.isTypeOnly) this.deferredExports.push({ local: (el.propertyName ?? el.name).text, exported: el.name.text, at: node, scope });
    }
  }

  /**
   * `export { x as y }` of a name bound by an import (or an alias of one) passes that import on, like a
   * re-export; names of this file's own definitions are recorded too when exported under another name.
   */
  private finishExport(local: string, exported: string, at: T.Node, scope: Scope): void {
    const r = resolveText(local, scope, this.line(at));
    if (!r.resolved && (exported === local || r.qname === local)) return;
    const rooted = (root: string): boolean => r.qname === root || r.qname.startsWith(`${root}.`);
    const imp = r.resolved ? this.facts.imports.find((i) => i.scope === '<module>' && rooted(importQname(i.module, this.file))) : undefined;
    // a definition of this file is where the name ends: no module to follow
    (this.facts.reexports ??= []).push({ exported, qname: r.qname, module: imp?.module ?? '', candidates: imp?.candidates ?? [], span: this.span(at) });
  }

  // ---- calls -------------------------------------------------------------------------------------

  private visitCall(node: T.CallExpression | T.NewExpression, scope: Scope): void {
    const spec = moduleLoad(node);
    if (spec) {
      // `require('m')` and `import('m')` are imports, not calls anyone asks about
      this.pushImport(spec, null, null, scope, node);
      return;
    }
    const callee = dotted(node.expression);
    const fact: CallFact = {
      callee,
      qname: callee,
      resolved: false,
      span: this.span(node),
      args: [],
      kwargs: {},
      splat: false,
      scope: this.scopeName(scope),
    };
    this.callIndex.set(node, this.facts.calls.length);
    this.facts.calls.push(fact);
    this.deferredCalls.push({ node, fact, scope });
    if (/(?:^|\.)parseArgs$/.test(callee)) this.cli.parseArgsCalls.push(node);
  }

  /** Arguments become literals once every call has its index; object literals also give keywords. */
  private finishCall(node: T.CallExpression | T.NewExpression, fact: CallFact, scope: Scope): void {
    const ts = this.ts;
    const r = resolveText(fact.callee, scope, this.line(node));
    fact.qname = r.qname;
    fact.resolved = r.resolved;
    for (const a of node.arguments ?? []) {
      if (ts.isSpreadElement(a)) {
        fact.splat = true;
        continue;
      }
      const value = unwrap(a);
      fact.args.push(literal(value, this));
      if (!ts.isObjectLiteralExpression(value)) continue;
      const { props, spread } = objectProperties(value);
      if (spread) fact.splat = true;
      // `__proto__` as a plain key would replace the record's prototype instead of adding an entry
      for (const [key, init] of props) if (key !== '__proto__') fact.kwargs[key] = literal(init, this);
    }
  }

  // ---- definitions -------------------------------------------------------------------------------

  private pushDef(node: T.Node, docAt: T.Node, name: string, qualname: string, kind: 'function' | 'class', params: string[], bases: string[], body: Range | null): void {
    const { fingerprint, tokens, shingles } = body
      ? fingerprintOf(this.src, body.start, body.end, this.jsx, kind === 'function')
      : { fingerprint: '', tokens: 0, shingles: [] };
    const decorators = this.ts.canHaveDecorators(node) ? (this.ts.getDecorators(node) ?? []).map((d) => dotted(this.decoratorCallee(d.expression))) : [];
    this.facts.defs.push({
      name,
      qualname,
      kind,
      span: this.span(node),
      params,
      decorators,
      bases,
      docstring: jsDocOf(this.src, docAt, this.fileDocPos),
      fingerprint,
      tokens,
      shingles,
    });
  }

  private decoratorCallee(expr: T.Expression): T.Expression {
    return this.ts.isCallExpression(expr) ? expr.expression : expr;
  }

  private openFunction(fn: FunctionLike, name: string, scope: Scope): { inner: Scope; params: string[] } {
    const ts = this.ts;
    const inner = newScope(name, 'function', scope);
    const params: string[] = [];
    for (const p of fn.parameters) {
      if (ts.isIdentifier(p.name)) {
        if (p.name.text === 'this') continue;
        params.push(p.name.text);
        bind(inner.bindings, p.name.text, { line: 0, kind: 'opaque' });
      } else {
        const pattern = p.name.getText(this.sf).replace(/\s+/g, ' ');
        params.push(pattern.length > 60 ? `${pattern.slice(0, 59)}…` : pattern);
        this.bindPattern(p.name, inner, 0);
      }
    }
    this.scopes.set(fn, inner);
    return { inner, params };
  }

  /** A named function: a declaration, or a function bound to a top-level name. */
  private enterFunction(fn: FunctionLike, name: string, scope: Scope, docAt: T.Node): Scope {
    const qualname = this.qualname(scope, name);
    bind(scope.bindings, name, { line: this.line(fn), kind: 'def', qname: this.defQname(qualname) });
    const { inner, params } = this.openFunction(fn, qualname, scope);
    // overload signatures and `declare`d functions have no body: bound, but not definitions
    if (fn.body) this.pushDef(fn, docAt, name, qualname, 'function', params, [], { start: fn.body.getStart(this.sf), end: fn.body.end });
    return inner;
  }

  /** Callbacks and other unnamed functions: their own bindings, the enclosing definition's name. */
  private enterAnonymous(fn: T.FunctionExpression | T.ArrowFunction, scope: Scope): Scope {
    return this.openFunction(fn, scope.name, scope).inner;
  }

  private enterClass(node: T.ClassDeclaration | T.ClassExpression, scope: Scope): Scope {
    const ts = this.ts;
    const name = node.name?.text ?? (ts.isClassDeclaration(node) ? 'default' : null);
    const inner = newScope(name ? this.qualname(scope, name) : scope.name, 'class', scope);
    this.scopes.set(node, inner);
    if (!name) return inner;
    bind(scope.bindings, name, { line: this.line(node), kind: 'def', qname: this.defQname(inner.name) });
    const bases: string[] = [];
    for (const clause of node.heritageClauses ?? []) {
      if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue;
      for (const t of clause.types) {
        const text = dotted(t.expression);
        bases.push(resolveText(text, scope, this.line(t)).qname);
      }
    }
    this.pushDef(node, node, name, inner.name, 'class', [], bases, { start: node.members.pos, end: node.members.end });
    return inner;
  }

  private enterMember(node: T.MethodDeclaration | T.ConstructorDeclaration | T.AccessorDeclaration, scope: Scope): Scope {
    const ts = this.ts;
    const name = ts.isConstructorDeclaration(node) ? 'constructor' : (nameText(node.name) ?? '?');
    if (scope.kind !== 'class') return this.openFunction(node, scope.name, scope).inner;
    const inner = this.enterFunction(node, name, scope, node);
    inner.owner = scope;
    inner.selfName = 'this';
    return inner;
  }

  private visitProperty(node: T.PropertyDeclaration, scope: Scope): void {
    const ts = this.ts;
    const name = nameText(node.name);
    const init = node.initializer ? unwrap(node.initializer) : undefined;
    if (!name || !init || scope.kind !== 'class') return;
    if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) {
      const inner = this.enterFunction(init, name, scope, node);
      inner.owner = scope;
      inner.selfName = 'this';
    } else if (scope.attrs) this.bindValue(name, init, scope, this.line(node), scope.attrs);
  }

  // ---- bindings and assignments --------------------------------------------------------------------

  private bindPattern(pattern: T.BindingName, scope: Scope, line: number, loaded: string | null = null): void {
    const ts = this.ts;
    if (ts.isIdentifier(pattern)) {
      const b: Binding = loaded ? { line, kind: 'import', qname: loaded } : { line, kind: 'opaque' };
      bind(scope.bindings, pattern.text, b);
      return;
    }
    for (const el of pattern.elements) {
      if (ts.isOmittedExpression(el)) continue;
      // `const { a, b: c } = require('m')` binds `a` → `m.a`, `c` → `m.b`
      const key = ts.isObjectBindingPattern(pattern) && !el.dotDotDotToken ? nameText(el.propertyName ?? el.name) : null;
      this.bindPattern(el.name, scope, line, loaded && key ? `${loaded}.${key}` : null);
    }
  }

  private bindValue(name: string, value: T.Expression | undefined, scope: Scope, line: number, map = scope.bindings): void {
    const ts = this.ts;
    const v = value ? unwrap(value) : undefined;
    const loaded = v ? loadedQname(v, this.file) : null;
    if (loaded) bind(map, name, { line, kind: 'import', qname: loaded });
    else if (v && (ts.isIdentifier(v) || ts.isPropertyAccessExpression(v) || v.kind === ts.SyntaxKind.ThisKeyword)) {
      bind(map, name, { line, kind: 'alias', text: dotted(v), scope });
    } else if (v && (ts.isCallExpression(v) || ts.isNewExpression(v))) {
      bind(map, name, { line, kind: 'call', callee: dotted(v.expression), scope });
    } else bind(map, name, { line, kind: 'opaque' });
  }

  private visitDeclaration(node: T.VariableDeclaration, scope: Scope): void {
    const ts = this.ts;
    const line = this.line(node);
    const init = node.initializer ? unwrap(node.initializer) : undefined;
    if (!ts.isIdentifier(node.name)) {
      this.bindPattern(node.name, scope, line, init ? loadedQname(init, this.file) : null);
      return;
    }
    const name = node.name.text;
    if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) && scope.kind === 'module') {
      // the JSDoc of `export const x = () => …` sits before the whole statement
      this.enterFunction(init, name, scope, node.parent.parent);
      return;
    }
    this.bindValue(name, init, scope, line);
    if (init && ts.isObjectLiteralExpression(init)) this.cli.objects.set(name, init);
    if (init) this.pushAssign(name, null, init, node, scope);
  }

  private visitAssignment(node: T.BinaryExpression, scope: Scope): void {
    const ts = this.ts;
    const left = unwrap(node.left);
    const line = this.line(node);
    if (ts.isIdentifier(left)) {
      this.bindValue(left.text, node.right, scope, line);
      this.pushAssign(left.text, null, node.right, node, scope);
      return;
    }
    if (!ts.isPropertyAccessExpression(left) && !ts.isElementAccessExpression(left)) return;
    const target = dotted(left);
    const method = methodOwner(scope);
    if (method?.owner?.attrs && ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword) {
      this.bindValue(left.name.text, node.right, scope, line, method.owner.attrs);
    }
    const right = unwrap(node.right);
    const cjs = /^(?:module\.)?exports\.([A-Za-z_$][\w$]*)$/.exec(target);
    if (cjs?.[1] && scope.kind === 'module' && (ts.isArrowFunction(right) || ts.isFunctionExpression(right))) {
      this.enterFunction(right, cjs[1], scope, node.parent);
    }
    const fact = this.pushAssign(target, target, node.right, node, scope);
    const r = resolveText(target, scope, line);
    fact.targetQname = r.qname;
  }

  private pushAssign(target: string, targetQname: string | null, value: T.Expression, node: T.Node, scope: Scope): AssignFact {
    const fact: AssignFact = { target, targetQname, value: { kind: 'none' }, span: this.span(node), scope: this.scopeName(scope) };
    this.facts.assigns.push(fact);
    this.deferredAssigns.push({ value, fact, scope });
    return fact;
  }

  // ---- strings -------------------------------------------------------------------------------------

  private visitString(node: T.StringLiteralLike | T.TemplateExpression, scope: Scope): void {
    if (this.specifiers.has(node)) return;
    const fact = stringFact(node, this, this.catchDepth > 0);
    if (fact) {
      fact.scope = this.scopeName(scope);
      this.facts.strings.push(fact);
    }
    const text = this.ts.isTemplateExpression(node) ? '' : node.text;
    if (text.includes('--') && text.includes('\n')) this.cli.helpTexts.push(text);
  }

  private visitKey(node: T.Identifier, scope: Scope): void {
    const fact = stringFact(node, this, this.catchDepth > 0);
    if (fact) {
      fact.scope = this.scopeName(scope);
      this.facts.strings.push(fact);
    }
  }
}

/** Facts for one TS/JS file. Never throws on bad syntax: the parser recovers, errors become facts. */
export function extractScript(source: string, path: string, language: ScriptLanguage): FileFacts {
  try {
    return new Extractor(source, path, language).run();
  } catch (error) {
    // the compiler's parser recurses per nesting level: machine-written nesting can exhaust the stack
    if (!(error instanceof RangeError && /call stack/i.test(error.message))) throw error;
    const facts = emptyFacts(path, language);
    facts.lines = source.split('\n').length;
    const span = { line: 1, col: 1, endLine: 1, endCol: 1 };
    facts.parseErrors.push({ span, message: 'not analysed: expressions nested too deeply for the parser' });
    return facts;
  }
}
