/**
 * What an import statement, `require('m')` or `import('m')` brings in: the specifier, the member and
 * the local name it binds, and the qualified name that local name stands for afterwards.
 */
import type { ts as T } from 'ts-morph';
import { compiler } from './compiler.js';
import { unwrap } from './literals.js';
import { importQname } from './paths.js';

export interface ImportSite {
  spec: T.StringLiteralLike;
  /** The member imported: a name, `default`, `*`; null for the module itself. */
  name: string | null;
  alias: string | null;
  /** The local name bound and the qualified name it denotes; absent for re-exports and bare imports. */
  binds?: { local: string; qname: string };
}

type ImportNode = T.ImportDeclaration | T.ExportDeclaration | T.ImportEqualsDeclaration;

function exportSites(node: T.ExportDeclaration, spec: T.StringLiteralLike): ImportSite[] {
  const ts = compiler();
  const clause = node.exportClause;
  if (!clause) return [{ spec, name: '*', alias: null }];
  if (ts.isNamespaceExport(clause)) return [{ spec, name: '*', alias: clause.name.text }];
  return clause.elements.map((el) => ({ spec, name: (el.propertyName ?? el.name).text, alias: el.propertyName ? el.name.text : null }));
}

export function importSites(node: ImportNode, file: string): ImportSite[] {
  const ts = compiler();
  if (ts.isImportEqualsDeclaration(node)) {
    const ref = node.moduleReference;
    if (!ts.isExternalModuleReference(ref) || !ts.isStringLiteralLike(ref.expression)) return [];
    const local = node.name.text;
    return [{ spec: ref.expression, name: null, alias: local, binds: { local, qname: importQname(ref.expression.text, file) } }];
  }
  const spec = node.moduleSpecifier;
  if (!spec || !ts.isStringLiteralLike(spec)) return [];
  if (ts.isExportDeclaration(node)) return exportSites(node, spec);
  const clause = node.importClause;
  if (!clause) return [{ spec, name: null, alias: null }];
  const root = importQname(spec.text, file);
  const out: ImportSite[] = [];
  if (clause.name) {
    const local = clause.name.text;
    // Without types, a capitalised default is taken for the class it is named after
    // (`import OpenAI from 'openai'` → `openai.OpenAI`), anything else for the module itself
    // (`import cp from 'node:child_process'; cp.spawn()` → `child_process.spawn`).
    out.push({ spec, name: 'default', alias: local, binds: { local, qname: /^[A-Z]/.test(local) ? `${root}.${local}` : root } });
  }
  const named = clause.namedBindings;
  if (named && ts.isNamespaceImport(named)) {
    out.push({ spec, name: '*', alias: named.name.text, binds: { local: named.name.text, qname: root } });
  } else if (named) {
    for (const el of named.elements) {
      const imported = (el.propertyName ?? el.name).text;
      out.push({ spec, name: imported, alias: el.propertyName ? el.name.text : null, binds: { local: el.name.text, qname: `${root}.${imported}` } });
    }
  }
  return out;
}

/** `require('m')` or `import('m')` with a literal specifier: the specifier node. */
export function moduleLoad(node: T.Node): T.StringLiteralLike | null {
  const ts = compiler();
  if (!ts.isCallExpression(node)) return null;
  const arg = node.arguments[0];
  if (!arg || !ts.isStringLiteralLike(arg)) return null;
  const callee = node.expression;
  if (callee.kind === ts.SyntaxKind.ImportKeyword) return arg;
  return ts.isIdentifier(callee) && callee.text === 'require' && node.arguments.length === 1 ? arg : null;
}

/** The qualified name an expression denotes when it loads a module: `require('m').x` → `m.x`. */
export function loadedQname(expr: T.Expression, file: string): string | null {
  const ts = compiler();
  const n = unwrap(expr);
  const spec = moduleLoad(n);
  if (spec) return importQname(spec.text, file);
  if (ts.isPropertyAccessExpression(n)) {
    const base = loadedQname(n.expression, file);
    return base === null ? null : `${base}.${n.name.text}`;
  }
  return null;
}
