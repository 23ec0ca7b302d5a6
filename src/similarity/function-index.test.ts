import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { DefFact } from '../analysis/facts.js';
import { fingerprintOf } from '../analysis/python/fingerprint.js';
import { loadMigrations, migrate } from '../store/migrate.js';
import { FunctionIndex } from './function-index.js';
import { bestMatches } from './near-duplicates.js';

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
      const inMemory = index.matches(queries, threshold, accept, { pool: files.map((f) => f.path) });
      expect(key(inMemory)).toEqual(key(viaSql));
      // the corpus has copies (c* repeat every 5 files): the comparison is not vacuous
      expect(viaSql.some((list) => list.length > 0)).toBe(true);
    }
    db.close();
  });
});

/** Sixteen statements every generated function starts from (a training script's shape). */
const TEMPLATE = Array.from({ length: 16 }, (_, i) => `value = frame.step_${i}(batch, scale=${i})\n`);

/** The template with three statements swapped for others: shares most shingles, never all. */
function variant(seed: number): string {
  const lines = [...TEMPLATE];
  for (let k = 0; k < 3; k++) lines[(seed * 5 + k * 7) % lines.length] = `other = frame.extra_${seed}_${k}(batch)\n`;
  return lines.join('');
}

function repoWith(fillers: number): { index: FunctionIndex; paths: string[]; close(): void } {
  const db = new Database(':memory:');
  migrate(db, loadMigrations());
  const index = new FunctionIndex(db);
  const files = [
    // the pair: the same statements, other local names (which fingerprints do not see)
    { path: 'pair/a.py', defs: [def('train_step', 1, TEMPLATE.join(''))] },
    { path: 'pair/b.py', defs: [def('run_step', 1, TEMPLATE.join('').replaceAll('value', 'result').replaceAll('batch', 'rows'))] },
    ...Array.from({ length: fillers }, (_, i) => ({ path: `gen/s${i}.py`, defs: [def(`step_${i}`, 1, variant(i))] })),
  ].map((f, i) => ({ ...f, hash: `h${i}`, mtimeMs: 1, size: 1 }));
  index.update(files, [], []);
  return { index, paths: files.map((f) => f.path), close: () => db.close() };
}

describe('near-duplicates and repository size', () => {
  it('finds the same pair in a small and in a large generated repository', () => {
    const settings = { threshold: 0.8, minTokens: 10, canonical: new Map() };
    for (const fillers of [5, 600]) {
      const repo = repoWith(fillers);
      const universe = new Map(repo.paths.map((p) => [p, 'h']));
      // in memory over the files compared (an audit), and through the stored postings (a pre-commit run)
      for (const scope of [universe, null]) {
        const found = bestMatches(repo.index, ['pair/b.py'], scope, settings).get('pair/b.py') ?? [];
        expect(found.map((d) => `${d.qualname} ~ ${d.of.path}:${d.of.qualname} ${d.similarity}`), `${fillers} fillers`).toEqual(['run_step ~ pair/a.py:train_step 100']);
      }
      // every shingle of the pair is boilerplate in the large repository: held by hundreds of functions
      if (fillers > 5) {
        const held = repo.index.functionsOf('pair/a.py')[0]?.shingles.filter((s) => repo.paths.filter((p) => repo.index.functionsOf(p)[0]?.shingles.includes(s)).length > 200);
        expect(held?.length).toBe(repo.index.functionsOf('pair/a.py')[0]?.shingles.length);
      }
      repo.close();
    }
  });

  it('does not index a function marked as a deliberate copy', () => {
    const db = new Database(':memory:');
    migrate(db, loadMigrations());
    const index = new FunctionIndex(db);
    const copy = { ...def('run_step', 1, TEMPLATE.join('')), copiedFrom: 'pair.a.train_step' };
    index.update([{ path: 'a.py', hash: 'a', mtimeMs: 1, size: 1, defs: [def('train_step', 1, TEMPLATE.join(''))] }, { path: 'b.py', hash: 'b', mtimeMs: 1, size: 1, defs: [copy] }], [], []);
    expect(index.functionsOf('b.py')).toEqual([]);
    expect(index.functionsOf('a.py').map((f) => f.qualname)).toEqual(['train_step']);
    db.close();
  });
});
