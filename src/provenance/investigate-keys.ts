/**
 * What a Python script writes, as far as `provenant investigate` needs it: the record shapes it builds (the
 * string keys of each dict literal and `dict(...)` call, one shape each), the keys it assigns by subscript
 * (`row["response"] = …`), and the modules and names it imports (to tell whether it goes through the
 * sanctioned loader). One tree-sitter query of its own over the grammar the Python front end loads.
 */
import type { Node, Query } from 'web-tree-sitter';

import { decodeString } from '../analysis/python/literals.js';
import { pythonParser } from '../analysis/python/parser.js';

export interface ScriptWrites {
  /** One sorted key set per dict literal or `dict(...)` call with at least one plain string key. */
  shapes: string[][];
  /** Keys assigned through a subscript anywhere in the file. */
  subscriptKeys: string[];
  /** Imported modules (`from M import …`, `import M`), leading dots dropped. */
  modules: string[];
  /** Names imported from modules. */
  names: string[];
}

const QUERY = `
(dictionary) @dict
(assignment left: (subscript subscript: (string) @subkey))
(call function: (identifier) @fn arguments: (argument_list) @args)
(import_from_statement) @from
(import_statement) @import
`;

let compiled: Promise<{ parse(source: string): ReturnType<Awaited<ReturnType<typeof pythonParser>>['parser']['parse']>; query: Query }> | undefined;

async function load(): Promise<{ parse(source: string): ReturnType<Awaited<ReturnType<typeof pythonParser>>['parser']['parse']>; query: Query }> {
  compiled ??= (async () => {
    const { parser } = await pythonParser();
    const { Query: QueryClass } = await import('web-tree-sitter');
    if (!parser.language) throw new Error('the Python parser has no language');
    return { parse: (source: string) => parser.parse(source), query: new QueryClass(parser.language, QUERY) };
  })();
  return compiled;
}

function plainString(node: Node | null): string | null {
  if (!node || node.type !== 'string') return null;
  const { value, fstring } = decodeString(node.text);
  return fstring ? null : value;
}

function dictKeys(dict: Node): string[] {
  const keys: string[] = [];
  for (const child of dict.namedChildren) {
    if (child?.type !== 'pair') continue;
    const key = plainString(child.childForFieldName('key'));
    if (key !== null) keys.push(key);
  }
  return keys;
}

function callKeys(args: Node): string[] {
  const keys: string[] = [];
  for (const child of args.namedChildren) {
    const name = child?.type === 'keyword_argument' ? child.childForFieldName('name') : null;
    if (name) keys.push(name.text);
  }
  return keys;
}

function importParts(node: Node, modules: Set<string>, names: Set<string>): void {
  const bare = (n: Node): string => (n.type === 'aliased_import' ? (n.childForFieldName('name')?.text ?? n.text) : n.text);
  if (node.type === 'import_from_statement') {
    const module = node.childForFieldName('module_name');
    if (module) modules.add(module.text.replace(/^\.+/, ''));
    for (const n of node.childrenForFieldName('name')) if (n) names.add(bare(n));
  } else {
    for (const n of node.childrenForFieldName('name')) if (n) modules.add(bare(n));
  }
}

/** What `source` writes and imports; a file that does not parse yields what its parseable parts hold. */
export async function scriptWrites(source: string): Promise<ScriptWrites> {
  const { parse, query } = await load();
  const tree = parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  const shapes = new Map<string, string[]>();
  const subscriptKeys = new Set<string>();
  const modules = new Set<string>();
  const names = new Set<string>();
  const addShape = (keys: string[]): void => {
    const sorted = [...new Set(keys)].sort();
    if (sorted.length) shapes.set(sorted.join('\0'), sorted);
  };
  try {
    for (const { name, node } of query.captures(tree.rootNode)) {
      if (name === 'dict') addShape(dictKeys(node));
      else if (name === 'subkey') {
        const key = plainString(node);
        if (key !== null) subscriptKeys.add(key);
      } else if (name === 'args') {
        if (node.parent?.childForFieldName('function')?.text === 'dict') addShape(callKeys(node));
      } else if (name === 'from' || name === 'import') importParts(node, modules, names);
    }
  } finally {
    tree.delete();
  }
  return { shapes: [...shapes.values()], subscriptKeys: [...subscriptKeys].sort(), modules: [...modules].sort(), names: [...names].sort() };
}

/** |a ∩ b| / |a ∪ b|; 0 for two empty sets. */
export function jaccard(a: readonly string[], b: readonly string[]): number {
  const setB = new Set(b);
  const shared = new Set(a.filter((x) => setB.has(x))).size;
  const union = new Set([...a, ...b]).size;
  return union === 0 ? 0 : shared / union;
}
