import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { DefFact } from '../analysis/facts.js';
import { fingerprintOf } from '../analysis/python/fingerprint.js';
import { loadMigrations, migrate } from '../store/migrate.js';
import { FunctionIndex } from './function-index.js';

/** A function body from a few statement shapes, varied by `seed`, so files share some shingles and not others. */
function body(seed: number): string {
  const shapes = [
    'x = load(path)\n',
    'for item in items:\n    total += item.score\n',
    'if not rows:\n    return None\n',
    'logits = model(**enc).logits[0, -1]\n',
    'probs = torch.log_softmax(logits, dim=-1)\n',
    'out.append({"a": a, "b": b})\n',
    'with open(p) as fh:\n    data = json.load(fh)\n',
    'seen.add(key)\n',
  ];
  const lines: string[] = [];
  for (let i = 0; i < 12; i++) lines.push(shapes[(seed * 7 + i * (seed % 3 + 1)) % shapes.length] ?? '');
  return lines.join('');
}

function def(name: string, line: number, text: string): DefFact {
  const fp = fingerprintOf(text);
  return {
    name,
    qualname: name,
    kind: 'function',
    span: { line, col: 1, endLine: line + 12, endCol: 1 },
    params: [],
    decorators: [],
    bases: [],
    docstring: null,
    ...fp,
  };
}

describe('FunctionIndex.matches', () => {
  it('answers the same in memory (few files) as through SQL (many files)', () => {
    const db = new Database(':memory:');
    migrate(db, loadMigrations());
    const index = new FunctionIndex(db);
    const files = Array.from({ length: 40 }, (_, i) => ({
      path: `f${i}.py`,
      hash: `h${i}`,
      mtimeMs: 1,
      size: 1,
      defs: [def(`a${i}`, 1, body(i)), def(`b${i}`, 20, body(i + 40)), def(`c${i}`, 40, body(i % 5))],
    }));
    index.update(files, [], []);
    const queries = files.flatMap((f) => index.functionsOf(f.path));
    const accept = () => true;
    const key = (ms: { of: { path: string; qualname: string }; similarity: number }[][]) =>
      ms.map((list) => list.map((m) => `${m.of.path}:${m.of.qualname}:${m.similarity.toFixed(4)}`));
    for (const threshold of [0.5, 0.8, 1]) {
      const viaSql = index.matches(queries, threshold, accept);
      const inMemory = index.matches(queries, threshold, accept, files.map((f) => f.path));
      expect(key(inMemory)).toEqual(key(viaSql));
      // the corpus has copies (c* repeat every 5 files): the comparison is not vacuous
      expect(viaSql.some((list) => list.length > 0)).toBe(true);
    }
    db.close();
  });
});
