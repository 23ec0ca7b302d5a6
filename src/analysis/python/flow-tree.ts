/**
 * Questions value flow (flow.ts) asks of the syntax tree: whether a name occurrence binds or reads, the
 * statement a node belongs to, and the `def`/`class` around it (from byte ranges, without walking up).
 */
import type { PyNode as Node } from './flat-tree.js';

/**
 * The attribute read a match of `obj.attr` or `.attr` lands in: the smallest node spanning the match is
 * the attribute itself (`self.x`) or, for `.attr` alone, the attribute's name, whose parent it is.
 */
export function attributeRead(node: Node): Node | null {
  const attr = node.type === 'attribute' ? node : node.type === 'identifier' && node.parent?.type === 'attribute' ? node.parent : null;
  if (!attr) return null;
  return isRead(attr) ? attr : null;
}

/**
 * The `def` and `class` around a node, from their byte ranges: no walk up the tree, which costs a call
 * into the parser per level.
 */
export class Scopes {
  private readonly starts: number[];
  private readonly ends: number[];

  private readonly nodes: readonly Node[];

  constructor(nodes: readonly Node[]) {
    this.nodes = [...nodes].sort((a, b) => a.startIndex - b.startIndex);
    this.starts = this.nodes.map((n) => n.startIndex);
    this.ends = this.nodes.map((n) => n.endIndex);
  }

  /** The innermost `def` or `class` strictly around `node` (of `kind` when given). */
  around(node: Node, kind?: 'function_definition' | 'class_definition'): Node | null {
    const start = node.startIndex;
    const end = node.endIndex;
    // definitions nest and come in source order: walk back from the last one starting at or before
    // `node`; the first that contains it is the innermost
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0; i--) {
      if (this.ends[i]! < end || (this.starts[i] === start && this.ends[i] === end)) continue;
      if (!kind || this.nodes[i]!.type === kind) return this.nodes[i]!;
    }
    return null;
  }
}

/** The statement a node is part of: the child of a block or of the module. */
export function statementOf(node: Node): Node | null {
  let n: Node | null = node;
  while (n && n.parent && n.parent.type !== 'block' && n.parent.type !== 'module') n = n.parent;
  return n?.parent ? n : null;
}

/** Parents under which an identifier is a parameter or an import's alias: a binding, never a read. */
const PARAMETER_PARENTS: ReadonlySet<string> = new Set(['parameters', 'lambda_parameters', 'default_parameter', 'typed_parameter', 'typed_default_parameter', 'aliased_import']);

/** Parents under which an identifier is not a read (besides the fields `isRead` checks). */
const NOT_READ_PARENTS: ReadonlySet<string> = new Set([
  ...PARAMETER_PARENTS, 'function_definition', 'class_definition', 'global_statement', 'nonlocal_statement', 'dotted_name', 'pattern_list', 'tuple_pattern',
]);

/** An identifier that binds its name in its function: a target, a parameter, a nested def or an import. */
export function isBinding(node: Node): boolean {
  let child = node;
  let p = node.parent;
  // through the patterns of `a, (b, c) = …`
  while (p && (p.type === 'pattern_list' || p.type === 'tuple_pattern' || p.type === 'list_pattern' || p.type === 'as_pattern_target')) {
    child = p;
    p = p.parent;
  }
  if (!p) return false;
  switch (p.type) {
    case 'assignment':
    case 'augmented_assignment':
    case 'for_statement':
    case 'for_in_clause':
      return p.childForFieldName('left')?.id === child.id;
    case 'named_expression':
      return p.childForFieldName('name')?.id === child.id;
    case 'as_pattern':
      return p.childForFieldName('alias')?.id === child.id;
    case 'function_definition':
    case 'class_definition':
      return p.childForFieldName('name')?.id === child.id;
    default:
      return PARAMETER_PARENTS.has(p.type);
  }
}

/** Not a binding, a parameter, a keyword name or the attribute name of `x.name`. */
export function isRead(node: Node): boolean {
  const p = node.parent;
  if (!p) return false;
  switch (p.type) {
    case 'attribute':
      return p.childForFieldName('attribute')?.id !== node.id;
    case 'keyword_argument':
      return p.childForFieldName('name')?.id !== node.id;
    case 'assignment':
    case 'augmented_assignment':
    case 'for_statement':
    case 'for_in_clause':
      return p.childForFieldName('left')?.id !== node.id;
    case 'named_expression':
      return p.childForFieldName('name')?.id !== node.id;
    default:
      return !NOT_READ_PARENTS.has(p.type);
  }
}
