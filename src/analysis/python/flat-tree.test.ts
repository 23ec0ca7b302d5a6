/**
 * The flat parser against web-tree-sitter, the reference it replaces on the extraction path: node by node
 * (kind, span, flags, fields, `descendantForIndex`), and facts by facts, on the repository's Python, the real-world
 * corpus when it is present, awkward sources written for it, and seeded mutations that break the syntax (error
 * recovery must come out the same).
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Parser, Query } from 'web-tree-sitter';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractPython } from './extract.js';
import { flatCaptures, flatPythonParser, wasiCalls, type PyNode } from './flat-tree.js';
import { nestingBeyond } from './nesting.js';
import { pythonParser } from './parser.js';

const repo = path.resolve(__dirname, '../../..');
let reference: { parser: Parser; query: Query };
beforeAll(async () => {
  reference = await pythonParser();
});

function pythonFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === '.git' || name === 'dist') continue;
    const p = path.join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) pythonFiles(p, out);
    else if (name.endsWith('.py') && s.size < 500_000) out.push(p);
  }
  return out;
}

/** Facts through web-tree-sitter's tree and query, and through the flat table. */
function bothFacts(source: string, file = 'pkg/mod.py'): [string, string] {
  const tree = reference.parser.parse(source)!;
  try {
    const old = JSON.stringify(extractPython(tree.rootNode as unknown as PyNode, reference.query.captures(tree.rootNode) as unknown as Iterable<{ name: string; node: PyNode }>, source, file));
    const flat = flatPythonParser().parse(source);
    return [old, JSON.stringify(extractPython(flat.rootNode, flatCaptures(flat), source, file))];
  } finally {
    tree.delete();
  }
}

/**
 * The fields the extraction asks for. (A field a visible alias inherits is not: tree-sitter finds
 * match_statement's `alternative` inside its block, the table only on the block.)
 */
const FIELDS = ['name', 'value', 'attribute', 'object', 'left', 'function', 'right', 'key', 'subscript', 'condition', 'body', 'alias', 'parameters', 'operator', 'consequence', 'arguments', 'superclasses', 'module_name', 'argument'];

/** One line per node in preorder: kind, span, flags, the fields' children, and the step past a comment. */
function describeTree(root: PyNode): string[] {
  const out: string[] = [];
  const visit = (n: PyNode): void => {
    const fields = FIELDS.map((f) => `${f}=${n.childForFieldName(f)?.startIndex ?? ''}/${n.childrenForFieldName(f).length}`).join(' ');
    const p = n.startPosition;
    const e = n.endPosition;
    const sibling = n.type === 'comment' ? ` next=${n.nextNamedSibling?.startIndex ?? ''}` : '';
    out.push(
      `${n.type} ${n.startIndex}-${n.endIndex} ${p.row}:${p.column}-${e.row}:${e.column} named=${n.isNamed} missing=${n.isMissing} error=${n.isError}/${n.hasError} ` +
        `children=${n.childCount}/${n.namedChildCount} parent=${n.parent?.startIndex ?? ''} ${fields}${sibling}`,
    );
    for (const c of n.children) if (c) visit(c);
  };
  visit(root);
  return out;
}

/** Both trees the same node by node, and the same smallest node over ranges inside, across and between tokens. */
function sameTrees(source: string): void {
  const tree = reference.parser.parse(source)!;
  const flat = flatPythonParser().parse(source);
  try {
    expect(describeTree(flat.rootNode)).toEqual(describeTree(tree.rootNode as unknown as PyNode));
    const ranges = (root: PyNode): string[] => {
      const out: string[] = [];
      for (let i = 0; i <= source.length; i += Math.max(1, Math.floor(source.length / 97))) {
        for (const end of [i, Math.min(source.length, i + 1), Math.min(source.length, i + 7)]) {
          const d = root.descendantForIndex(i, end);
          out.push(`${i}-${end}: ${d?.type} ${d?.startIndex}-${d?.endIndex}`);
        }
      }
      return out;
    };
    expect(ranges(flat.rootNode)).toEqual(ranges(tree.rootNode as unknown as PyNode));
  } finally {
    tree.delete();
  }
}

/** Sources a parser finds awkward: encodings, positions past non-ASCII text, and the query's corner cases. */
const AWKWARD = [
  'x = "naïve café" + "😀😀"\ny = f("日本語", k="é")\n',
  '\ufeffimport os\r\nos.system("ls")\r\n',
  'def f(a, b=g(), *c, d: int = h(), **e) -> "T":\n\treturn [a.b, c]\n',
  'for (a, b) in x: pass\nfor [x.y, z] in w: pass\n[k for k, v in d.items() if v]\n',
  'with open(p) as (a, b), g() as c: pass\nmatch x:\n    case [1, *rest] as whole: pass\n',
  'xs = [  # first\n  "a", "b"]\nys = ("a" "b", c)\nzs = (m.n, 1)\n',
  'import subprocess, sys\nsubprocess.run([sys.executable, "train.py", "--lr", "1"])\ncmd = ("python", "eval.py")\n',
  'a(b)(c)(d)\nf().y = 1\ntype(obj).attr = value\n(n := len(x))\n',
  '@dec.a(1)\n@dec\nclass C(Base, meta.M):\n    """doc"""\n    def m(self): return self.x\n',
  'from . import a\nfrom ..pkg.mod import (b as c, d)\nfrom __future__ import annotations\nimport a.b.c as d\n',
  'try:\n    pass\nexcept (A, B) as e:\n    s = "<|im_start|>"\n',
  's = f"{x!r:>{w}} {y}" rb"\\x00" """\nmulti\n"""\n',
  'def f(:\n    x = [1, 2\nclass\n  y = "unterminated\n',
  'if True:\n  x = 1\n   y = 2\n z = 3\n',
  'print "old"\nexec "code"\n`x`\n',
  'lambda: (yield)\nasync def g():\n    await h()\n    async for i in j: pass\n',
  '',
  '\n\n\n',
  '((((((((((a))))))))))',
];

/** A seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `n` copies of a source with a few characters deleted, doubled or replaced by a bracket or a quote. */
function mutants(source: string, n: number, seed: number): string[] {
  const next = random(seed);
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    let s = source;
    for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
      const at = Math.floor(next() * s.length);
      const op = Math.floor(next() * 3);
      const junk = '([{"\':)]}'[Math.floor(next() * 9)]!;
      s = op === 0 ? s.slice(0, at) + s.slice(at + 1) : op === 1 ? s.slice(0, at) + junk + s.slice(at) : s.slice(0, at) + s.slice(at, at + 2) + s.slice(at);
    }
    out.push(s);
  }
  return out;
}

/** The query's captures as (name, span): web-tree-sitter's and the table's. */
function sameCaptures(source: string): void {
  const tree = reference.parser.parse(source)!;
  try {
    const flat = flatPythonParser().parse(source);
    const listed = (captures: Iterable<{ name: string; node: { startIndex: number; endIndex: number } }>): string[] =>
      [...captures].map((c) => `${c.name} ${c.node.startIndex}-${c.node.endIndex}`);
    expect(listed(flatCaptures(flat))).toEqual(listed(reference.query.captures(tree.rootNode)));
  } finally {
    tree.delete();
  }
}

describe('the flat parser', () => {
  it('captures what the extraction query captures, in its order', () => {
    for (const source of AWKWARD) sameCaptures(source);
    for (const [i, file] of pythonFiles(path.join(repo, 'examples')).entries()) {
      const source = readFileSync(file, 'utf8');
      for (const m of [source, ...mutants(source, 5, 200 + i)]) sameCaptures(m);
    }
  });

  it('builds the tree web-tree-sitter builds, node by node, on awkward sources', () => {
    for (const source of AWKWARD) sameTrees(source);
  });

  it('builds the same trees for the repository\'s Python and for broken copies of it', () => {
    const files = pythonFiles(path.join(repo, 'examples')).concat(pythonFiles(path.join(repo, 'test')));
    expect(files.length).toBeGreaterThan(5);
    for (const [i, file] of files.entries()) {
      const source = readFileSync(file, 'utf8');
      sameTrees(source);
      for (const m of mutants(source, 3, i + 1)) sameTrees(m);
    }
  });

  it('gives the facts web-tree-sitter gives, on awkward sources and on broken copies of the examples', () => {
    for (const source of AWKWARD) {
      const [old, flat] = bothFacts(source);
      expect(flat).toEqual(old);
    }
    const files = pythonFiles(path.join(repo, 'examples'));
    for (const [i, file] of files.entries()) {
      for (const source of [readFileSync(file, 'utf8'), ...mutants(readFileSync(file, 'utf8'), 20, 100 + i)]) {
        if (nestingBeyond(source)) continue;
        const [old, flat] = bothFacts(source, path.relative(repo, file));
        expect(flat, file).toEqual(old);
      }
    }
  });

  const corpus = path.join(repo, 'bench', 'corpus', 'trees');
  it.skipIf(!existsSync(corpus))('gives the facts web-tree-sitter gives on the real-world corpus (bench/corpus/trees)', () => {
    const files = pythonFiles(corpus);
    let compared = 0;
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      if (nestingBeyond(source)) continue;
      const [old, flat] = bothFacts(source, path.relative(corpus, file));
      if (flat !== old) expect(flat, file).toEqual(old);
      compared++;
    }
    expect(compared).toBeGreaterThan(1000);
  }, 600_000);
});

describe('the flat parser\'s system calls', () => {
  it('says a write was whole, so the C library never retries it (tree-sitter\'s out-of-memory message before its abort)', () => {
    const memory = new ArrayBuffer(64);
    const view = new DataView(memory);
    // two iovecs at 8: (base 32, length 5) and (base 40, length 7); the count written goes to 24, first set to 0
    view.setUint32(8, 32, true);
    view.setUint32(12, 5, true);
    view.setUint32(16, 40, true);
    view.setUint32(20, 7, true);
    view.setUint32(24, 0, true);
    const calls = wasiCalls(() => memory) as unknown as { fd_write(fd: number, iovs: number, count: number, written: number): number; fd_seek(): number };
    expect(calls.fd_write(2, 8, 2, 24)).toBe(0);
    expect(view.getUint32(24, true)).toBe(12);
    expect(calls.fd_seek()).not.toBe(0);
  });
});
