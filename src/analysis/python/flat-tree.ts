/**
 * The Python parse as a flat table. tree-sitter runs in a wasm module of its own (grammars/python-flat.wasm,
 * built from native/flat-python.c by scripts/build-flat-wasm.sh), which parses a file and writes every node
 * to one int32 table in a single walk. The extraction then reads nodes from a copy of that table: a node is an
 * index, and `parent`, `childForFieldName` or `type` are array reads instead of calls into wasm that marshal a
 * node out each time (what web-tree-sitter's node API does, and what made extraction cost twice the parse).
 *
 * `PyNode` is the part of a syntax node the extraction uses; web-tree-sitter's nodes have it too, so the
 * extraction can still run on them (the test that compares both backends' facts does).
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../core/paths.js';

/** A position in the source: zero-based row, column in UTF-16 code units (as web-tree-sitter reports it). */
export interface Point {
  row: number;
  column: number;
}

/** What the extraction reads of a syntax node. */
export interface PyNode {
  readonly id: number;
  readonly type: string;
  readonly isNamed: boolean;
  readonly isMissing: boolean;
  readonly isError: boolean;
  readonly hasError: boolean;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: Point;
  readonly endPosition: Point;
  readonly parent: PyNode | null;
  readonly children: (PyNode | null)[];
  readonly namedChildren: (PyNode | null)[];
  readonly childCount: number;
  readonly namedChildCount: number;
  readonly firstNamedChild: PyNode | null;
  readonly nextNamedSibling: PyNode | null;
  readonly text: string;
  child(index: number): PyNode | null;
  namedChild(index: number): PyNode | null;
  childForFieldName(name: string): PyNode | null;
  childrenForFieldName(name: string): (PyNode | null)[];
  descendantForIndex(start: number, end?: number): PyNode | null;
}

/** The ints of one row, as native/flat-python.c writes them. */
const KIND = 0;
const FIELD = 1;
const FLAGS = 2;
const START = 3;
const END = 4;
const START_ROW = 5;
const START_COL = 6;
const END_ROW = 7;
const END_COL = 8;
const PARENT = 9;
const NEXT = 10;
const CHILDREN = 11;
const WIDTH = 12;
const NAMED = 1;
const MISSING = 2;
const HAS_ERROR = 4;
/** tree-sitter's symbol for an ERROR node. */
const ERROR_SYMBOL = 0xffff;

/** The part of the WebAssembly global used here (the project's `lib` has no DOM types). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: Wasm };

interface Exports {
  memory: { buffer: ArrayBuffer };
  flat_init(): number;
  flat_input(units: number): number;
  flat_parse(units: number): number;
  flat_table(): number;
  flat_symbol_count(): number;
  flat_symbol_name(symbol: number): number;
  flat_field_count(): number;
  flat_field_name(field: number): number;
}

/** The module and the names of its grammar's node kinds and fields. */
class FlatParser {
  readonly kinds: string[] = [];
  readonly fields = new Map<string, number>();
  constructor(private readonly x: Exports) {
    if (x.flat_init() !== 0) throw new Error('the Python grammar does not load into the flat parser');
    const name = (ptr: number): string => {
      const bytes = new Uint8Array(x.memory.buffer);
      let end = ptr;
      while (bytes[end] !== 0) end++;
      return Buffer.from(bytes.buffer, ptr, end - ptr).toString('utf8');
    };
    for (let s = 0, n = x.flat_symbol_count(); s < n; s++) this.kinds[s] = name(x.flat_symbol_name(s));
    this.kinds[ERROR_SYMBOL] = 'ERROR';
    for (let f = 1, n = x.flat_field_count(); f <= n; f++) this.fields.set(name(x.flat_field_name(f)), f);
  }

  parse(source: string): FlatTree {
    const units = source.length;
    const input = this.x.flat_input(units);
    // always UTF-16, as web-tree-sitter parses: tree-sitter's error recovery weighs what it skips in bytes, so
    // a file with syntax errors recovers the same way only from the same encoding
    Buffer.from(this.x.memory.buffer, input, units * 2).write(source, 'utf16le');
    const rows = this.x.flat_parse(units);
    if (rows < 0) throw new Error('tree-sitter returned no tree');
    return new FlatTree(new Int32Array(this.x.memory.buffer, this.x.flat_table(), rows * WIDTH).slice(), source, this);
  }
}

let parser: FlatParser | undefined;

/** The flat Python parser of this thread, compiled and instantiated on first use. */
export function flatPythonParser(): { parse(source: string): FlatTree } {
  if (parser) return parser;
  const file = path.join(packageRoot(), 'grammars', 'python-flat.wasm');
  const instance: { exports?: Exports } = {};
  const wasi = wasiCalls(() => instance.exports?.memory.buffer);
  instance.exports = new wasm.Instance(new wasm.Module(readFileSync(file)), { wasi_snapshot_preview1: wasi }).exports as Exports;
  parser = new FlatParser(instance.exports);
  return parser;
}

/** WASI's `errno` for a stream that cannot seek. */
const ESPIPE = 70;

/**
 * The C library's few system calls, on the module's memory: a clock (parse time-outs, unused) and stdio, used
 * only by the message tree-sitter prints before it aborts out of memory. What is written is dropped, but said to
 * be written whole: a write reported short is retried by the C library for ever.
 */
export function wasiCalls(memory: () => ArrayBuffer | undefined): Record<string, (...args: never[]) => number> {
  return {
    clock_time_get: (_id: number, _precision: bigint, out: number): number => {
      const buffer = memory();
      if (buffer) new DataView(buffer).setBigUint64(out, process.hrtime.bigint(), true);
      return 0;
    },
    fd_write: (_fd: number, iovs: number, count: number, written: number): number => {
      const buffer = memory();
      if (!buffer) return 0;
      const view = new DataView(buffer);
      let bytes = 0;
      for (let i = 0; i < count; i++) bytes += view.getUint32(iovs + i * 8 + 4, true);
      view.setUint32(written, bytes, true);
      return 0;
    },
    fd_close: (): number => 0,
    fd_seek: (): number => ESPIPE,
  };
}

/** One parsed file: its table, its source, and its nodes made as they are asked for. */
export class FlatTree {
  private readonly nodes: (FlatNode | undefined)[];
  constructor(
    readonly table: Int32Array,
    readonly source: string,
    readonly language: { readonly kinds: readonly string[]; readonly fields: ReadonlyMap<string, number> },
  ) {
    this.nodes = new Array<FlatNode | undefined>(table.length / WIDTH);
  }
  get rootNode(): FlatNode {
    return this.node(0);
  }
  get size(): number {
    return this.nodes.length;
  }
  node(i: number): FlatNode {
    return (this.nodes[i] ??= new FlatNode(this, i));
  }
  kindOf(i: number): string {
    return this.language.kinds[this.table[i * WIDTH + KIND]!] ?? '';
  }
  isNamed(i: number): boolean {
    return (this.table[i * WIDTH + FLAGS]! & NAMED) !== 0;
  }
  fieldOf(i: number): number {
    return this.table[i * WIDTH + FIELD]!;
  }
  parentOf(i: number): number {
    return this.table[i * WIDTH + PARENT]!;
  }
  /** The index of the first child, or -1. */
  firstChildOf(i: number): number {
    return this.table[i * WIDTH + CHILDREN]! > 0 ? i + 1 : -1;
  }
  nextOf(i: number): number {
    return this.table[i * WIDTH + NEXT]!;
  }
  startOf(i: number): number {
    return this.table[i * WIDTH + START]!;
  }
  endOf(i: number): number {
    return this.table[i * WIDTH + END]!;
  }
}

class FlatNode implements PyNode {
  private start?: Point;
  constructor(
    private readonly tree: FlatTree,
    readonly id: number,
  ) {}
  private at(col: number): number {
    return this.tree.table[this.id * WIDTH + col]!;
  }
  get type(): string {
    return this.tree.kindOf(this.id);
  }
  get isNamed(): boolean {
    return (this.at(FLAGS) & NAMED) !== 0;
  }
  get isMissing(): boolean {
    return (this.at(FLAGS) & MISSING) !== 0;
  }
  get hasError(): boolean {
    return (this.at(FLAGS) & HAS_ERROR) !== 0;
  }
  get isError(): boolean {
    return this.at(KIND) === ERROR_SYMBOL;
  }
  get startIndex(): number {
    return this.at(START);
  }
  get endIndex(): number {
    return this.at(END);
  }
  get startPosition(): Point {
    return (this.start ??= { row: this.at(START_ROW), column: this.at(START_COL) });
  }
  get endPosition(): Point {
    return { row: this.at(END_ROW), column: this.at(END_COL) };
  }
  get text(): string {
    return this.tree.source.slice(this.at(START), this.at(END));
  }
  get parent(): FlatNode | null {
    const p = this.at(PARENT);
    return p < 0 ? null : this.tree.node(p);
  }
  get childCount(): number {
    return this.at(CHILDREN);
  }
  get children(): FlatNode[] {
    const out: FlatNode[] = [];
    for (let c = this.tree.firstChildOf(this.id); c >= 0; c = this.tree.nextOf(c)) out.push(this.tree.node(c));
    return out;
  }
  get namedChildren(): FlatNode[] {
    const out: FlatNode[] = [];
    for (let c = this.tree.firstChildOf(this.id); c >= 0; c = this.tree.nextOf(c)) if (this.tree.isNamed(c)) out.push(this.tree.node(c));
    return out;
  }
  get namedChildCount(): number {
    let n = 0;
    for (let c = this.tree.firstChildOf(this.id); c >= 0; c = this.tree.nextOf(c)) if (this.tree.isNamed(c)) n++;
    return n;
  }
  get firstNamedChild(): FlatNode | null {
    return this.namedChild(0);
  }
  get nextNamedSibling(): FlatNode | null {
    for (let c = this.tree.nextOf(this.id); c >= 0; c = this.tree.nextOf(c)) if (this.tree.isNamed(c)) return this.tree.node(c);
    return null;
  }
  child(index: number): FlatNode | null {
    let k = 0;
    for (let c = this.tree.firstChildOf(this.id); c >= 0; c = this.tree.nextOf(c)) if (k++ === index) return this.tree.node(c);
    return null;
  }
  namedChild(index: number): FlatNode | null {
    let k = 0;
    for (let c = this.tree.firstChildOf(this.id); c >= 0; c = this.tree.nextOf(c)) {
      if (this.tree.isNamed(c) && k++ === index) return this.tree.node(c);
    }
    return null;
  }
  childForFieldName(name: string): FlatNode | null {
    const field = this.tree.language.fields.get(name);
    if (field === undefined) return null;
    for (let c = this.tree.firstChildOf(this.id); c >= 0; c = this.tree.nextOf(c)) if (this.tree.fieldOf(c) === field) return this.tree.node(c);
    return null;
  }
  childrenForFieldName(name: string): FlatNode[] {
    const field = this.tree.language.fields.get(name);
    const out: FlatNode[] = [];
    if (field === undefined) return out;
    for (let c = this.tree.firstChildOf(this.id); c >= 0; c = this.tree.nextOf(c)) if (this.tree.fieldOf(c) === field) out.push(this.tree.node(c));
    return out;
  }
  /** The smallest node spanning [start, end], as tree-sitter's `ts_node_descendant_for_byte_range` finds it. */
  descendantForIndex(start: number, end = start): FlatNode | null {
    if (start > end) return null;
    const t = this.tree;
    let node = this.id;
    for (let descended = true; descended; ) {
      descended = false;
      for (let c = t.firstChildOf(node); c >= 0; c = t.nextOf(c)) {
        const childEnd = t.endOf(c);
        if (childEnd < end) continue;
        const empty = t.startOf(c) === childEnd;
        if (empty ? childEnd < start : childEnd <= start) continue;
        if (start < t.startOf(c)) break;
        node = c;
        descended = true;
        break;
      }
    }
    return t.node(node);
  }
}

/** The extraction query's captures (extract.ts `PYTHON_QUERY`), in the order tree-sitter returns them. */
export interface Capture {
  name: string;
  node: PyNode;
}

/** Node kinds captured whole, by capture name. */
const WHOLE: ReadonlyMap<string, string> = new Map([
  ['function_definition', 'def'],
  ['class_definition', 'class'],
  ['call', 'call'],
  ['assignment', 'assign'],
  ['named_expression', 'walrus'],
  ['import_statement', 'import'],
  ['import_from_statement', 'import'],
  ['future_import_statement', 'import'],
  ['string', 'string'],
  ['concatenated_string', 'cstring'],
  ['except_clause', 'except'],
  ['type_alias_statement', 'typealias'],
]);
/** `(for_statement left: (_) @target)` and its kin: a parent kind and the field its target sits in. */
const TARGETS: ReadonlyMap<string, string> = new Map([
  ['for_statement', 'left'],
  ['for_in_clause', 'left'],
  ['as_pattern', 'alias'],
]);

/** What a node kind is to the captures: a capture name (whole kinds), a parent of targets, a list. */
interface CaptureKinds {
  whole: (string | undefined)[];
  /** By parent kind: the field its target sits in. */
  targetField: (number | undefined)[];
  list: boolean[];
  error: number;
}
const captureKinds = new WeakMap<FlatTree['language'], CaptureKinds>();

function captureKindsOf(language: FlatTree['language']): CaptureKinds {
  let kinds = captureKinds.get(language);
  if (kinds) return kinds;
  kinds = { whole: [], targetField: [], list: [], error: ERROR_SYMBOL };
  language.kinds.forEach((name, symbol) => {
    kinds.whole[symbol] = WHOLE.get(name);
    const field = TARGETS.get(name);
    if (field !== undefined) kinds.targetField[symbol] = language.fields.get(field) ?? -1;
    kinds.list[symbol] = name === 'list' || name === 'tuple';
  });
  captureKinds.set(language, kinds);
  return kinds;
}

/**
 * The captures of `PYTHON_QUERY` read off the table: nodes in preorder (tree-sitter returns captures by start,
 * an outer node before an inner one that starts with it), and for one node its captures in pattern order.
 */
export function* flatCaptures(tree: FlatTree): Generator<Capture> {
  const { whole, targetField, list, error } = captureKindsOf(tree.language);
  const t = tree.table;
  for (let i = 0, n = tree.size; i < n; i++) {
    const row = i * WIDTH;
    if ((t[row + FLAGS]! & NAMED) === 0) continue;
    const symbol = t[row + KIND]!;
    const name = whole[symbol];
    if (name) {
      yield { name, node: tree.node(i) };
      continue;
    }
    const parent = t[row + PARENT]!;
    if (parent >= 0 && symbol !== error) {
      const field = targetField[t[parent * WIDTH + KIND]!];
      if (field !== undefined && t[row + FIELD] === field) yield { name: 'target', node: tree.node(i) };
    }
    if (list[symbol]) {
      let first = tree.firstChildOf(i);
      while (first >= 0 && !tree.isNamed(first)) first = tree.nextOf(first);
      const firstKind = first >= 0 ? tree.kindOf(first) : '';
      if (firstKind === 'string' || firstKind === 'attribute') yield { name: 'list', node: tree.node(i) };
    }
  }
}
