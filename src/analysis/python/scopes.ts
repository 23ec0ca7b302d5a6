/**
 * Name resolution for one Python file: imports, aliases and call results bound in a visible scope.
 * Python's rules, simplified the way linters do: a use sees the latest binding before it in its own
 * scope, then enclosing function scopes and the module (class bodies are invisible from methods, as in
 * Python); `self.x` inside a method sees `self.x = …` from any method of the class. Module names of files
 * and of relative imports live here too.
 */

import type { AssignFact, CallFact } from '../facts.js';

export type Binding =
  | { line: number; kind: 'import'; qname: string }
  | { line: number; kind: 'alias'; text: string; scope: Scope }
  | { line: number; kind: 'call'; callee: string; scope: Scope }
  | { line: number; kind: 'def'; qname: string }
  | { line: number; kind: 'opaque' };

export interface Scope {
  /** Dotted qualname of the definition; '' for the module. */
  name: string;
  kind: 'module' | 'class' | 'function';
  parent: Scope | null;
  bindings: Map<string, Binding[]>;
  /** For a method: the class scope it belongs to and the name of its first parameter. */
  owner?: Scope;
  selfName?: string;
  /** For a class: `self.<attr>` bindings made in any method. */
  attrs?: Map<string, Binding[]>;
}

export interface Resolved {
  qname: string;
  resolved: boolean;
}

const MAX_DEPTH = 12;

export function newScope(name: string, kind: Scope['kind'], parent: Scope | null): Scope {
  const scope: Scope = { name, kind, parent, bindings: new Map() };
  if (kind === 'class') scope.attrs = new Map();
  return scope;
}

export function bind(map: Map<string, Binding[]>, name: string, binding: Binding): void {
  const list = map.get(name);
  if (list) list.push(binding);
  else map.set(name, [binding]);
}

function pick(list: Binding[], line: number, own: boolean): Binding | undefined {
  let before: Binding | undefined;
  for (const b of list) if (b.line < line) before = b;
  if (before) return before;
  // A later binding in an enclosing scope is what a function body sees when it runs; in the use's own
  // scope a use before any binding is an error at run time, so the first binding is the best guess.
  return own ? list[0] : list[list.length - 1];
}

function lookup(name: string, scope: Scope, line: number): Binding | undefined {
  let s: Scope | null = scope;
  let own = true;
  while (s) {
    if (s.kind !== 'class' || own) {
      const list = s.bindings.get(name);
      if (list) return pick(list, line, own);
    }
    own = false;
    s = s.parent;
  }
  return undefined;
}

/** Split `a().b.c` into its first segment `a()` and the rest `.b.c`. */
function splitRoot(text: string): [string, string] {
  const dot = text.indexOf('.');
  return dot < 0 ? [text, ''] : [text.slice(0, dot), text.slice(dot)];
}

function stripSuffix(segment: string): [string, string] {
  const m = /^(.*?)((?:\(\)|\[\])*)$/.exec(segment);
  return m ? [m[1] ?? segment, m[2] ?? ''] : [segment, ''];
}

function fromBinding(b: Binding, depth: number): Resolved | null {
  switch (b.kind) {
    case 'import':
      return { qname: b.qname, resolved: true };
    case 'def':
      return { qname: b.qname, resolved: false };
    case 'alias':
      return resolveText(b.text, b.scope, b.line, depth + 1);
    case 'call': {
      const r = resolveText(b.callee, b.scope, b.line, depth + 1);
      return { qname: r.qname + '()', resolved: r.resolved };
    }
    case 'opaque':
      return null;
  }
}

/** The method scope enclosing `scope` (itself, or a function nested in it), if any. */
export function methodOwner(scope: Scope): Scope | undefined {
  let s: Scope | null = scope;
  while (s && s.kind === 'function') {
    if (s.owner) return s;
    s = s.parent;
  }
  return undefined;
}

export function resolveText(text: string, scope: Scope, line: number, depth = 0): Resolved {
  if (depth > MAX_DEPTH) return { qname: text, resolved: false };
  const [root, rest] = splitRoot(text);
  const [name, suffix] = stripSuffix(root);

  const method = methodOwner(scope);
  if (method && name === method.selfName && suffix === '' && rest) {
    const [attrSeg, after] = splitRoot(rest.slice(1));
    const [attr, attrSuffix] = stripSuffix(attrSeg);
    const list = method.owner?.attrs?.get(attr);
    const b = list ? pick(list, line, false) : undefined;
    const r = b ? fromBinding(b, depth) : null;
    if (r) return { qname: r.qname + attrSuffix + after, resolved: r.resolved };
    return { qname: text, resolved: false };
  }

  const b = lookup(name, scope, line);
  const r = b ? fromBinding(b, depth) : null;
  if (!r) return { qname: text, resolved: false };
  return { qname: r.qname + suffix + rest, resolved: r.resolved };
}

/** A name to resolve once the pass has seen every binding: a callee, an assigned attribute, a name used as a value. */
export interface Pending {
  target: { qname: string | null; resolved?: boolean } | CallFact | AssignFact;
  text: string;
  scope: Scope;
  line: number;
  kind: 'call' | 'assign' | 'literal';
}

/** Dotted module name of a repo-relative file: `scripts/utils/x.py` → `scripts.utils.x`. */
export function moduleNameOf(file: string): string {
  const noExt = file.replace(/\.pyi?$/, '');
  const parts = noExt.split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  return parts.join('.');
}

/** The absolute module a relative import in `file` (module `moduleName`) names: `from ..a import b` → `pkg.a`. */
export function absoluteModule(moduleName: string, file: string, module: string, level: number): string {
  if (level === 0) return module;
  const parts = moduleName.split('.');
  // the file's own package, then one level up per extra dot
  const isInit = /(^|\/)__init__\.pyi?$/.test(file);
  const keep = parts.length - (isInit ? 0 : 1) - (level - 1);
  const base = parts.slice(0, Math.max(0, keep));
  if (module) base.push(module);
  return base.join('.');
}

/** Resolves the names recorded during the pass, once every binding of the file is known. */
export function resolvePending(pending: readonly Pending[]): void {
  for (const p of pending) {
    const r = resolveText(p.text, p.scope, p.line);
    if (p.kind === 'call') {
      const call = p.target as CallFact;
      call.qname = r.qname;
      call.resolved = r.resolved;
    } else if (p.kind === 'assign') {
      (p.target as AssignFact).targetQname = r.qname;
    } else {
      (p.target as { qname: string | null }).qname = r.resolved ? r.qname : null;
    }
  }
}
