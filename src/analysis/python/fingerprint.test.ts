import { describe, expect, it } from 'vitest';
import { fingerprintOf, jaccard, normalisedTokens, percent } from './fingerprint.js';

/** A pairwise judge's scoring lines, the sample the other samples are made from. */
const SCORER_LINES = [
  'prompt = TEMPLATE.format(instruction=instruction.strip(), a=a.strip(), b=b.strip())',
  'enc = tokenizer(prompt, return_tensors="pt").to(model.device)',
  'logits = model(**enc).logits[0, -1].float()',
  'logprobs = torch.log_softmax(logits, dim=-1)',
  'id_a = tokenizer.encode(" A")[0]',
  'id_b = tokenizer.encode(" B")[0]',
  'return float(logprobs[id_a] - logprobs[id_b])',
];

/** Lines as a function body, indented as `fingerprintOf` is given them. */
const body = (lines: readonly string[]) => `\n${lines.map((line) => `    ${line}\n`).join('')}`;

/** Every name, string and number of the sample swapped; attribute names (after a dot) stay. */
const SWAPS: Record<string, string> = {
  TEMPLATE: 'JUDGE', instruction: 'task', a: 'first', b: 'second', prompt: 'text', tokenizer: 'tok', enc: 'batch',
  model: 'lm', logits: 'scores', logprobs: 'lp', id_a: 'first_id', id_b: 'second_id', dim: 'axis',
  '"pt"': "'pt'", '" A"': '" X"', '" B"': '" Y"', '0': '1', '-1': '-2',
};
const swappable = new RegExp(
  `(?<![\\w.])(?:${Object.keys(SWAPS).map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?!\\w)`, 'g');

const SCORER = body(SCORER_LINES);

const RENAMED = body(SCORER_LINES.map((line, i) => line.replace(swappable, (m) => SWAPS[m] ?? m) + (i === 0 ? '  # new names' : '')));

const [format, encode, forward, softmax, idA, idB, ret] = SCORER_LINES as [string, string, string, string, string, string, string];
const REORDERED_AND_EXTENDED = body([format, encode, forward, softmax, idB, idA, 'log.debug("margin for %s", instruction)', ret]);

const UNRELATED = `
    rows = []
    with open(path) as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("kind") in kinds and len(row["text"]) > limit:
                rows.append(row)
    return sorted(rows, key=lambda r: r["id"])
`;

describe('fingerprints', () => {
  it('abstract names, strings and numbers but keep keywords, punctuation and attribute names', () => {
    expect(normalisedTokens('x = self.tok.encode("a", 3)  # note')).toEqual(['I', '=', 'I', '.encode', '(', 'S', ',', 'N', ')']);
    expect(normalisedTokens('return not y')).toEqual(['return', 'not', 'I']);
  });

  it('make a renamed copy with other literals and comments 100% similar', () => {
    const a = fingerprintOf(SCORER);
    const b = fingerprintOf(RENAMED);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(jaccard(a.shingles, b.shingles)).toBe(1);
  });

  it('keep reordered statements and an added line highly similar', () => {
    const similarity = jaccard(fingerprintOf(SCORER).shingles, fingerprintOf(REORDERED_AND_EXTENDED).shingles);
    expect(similarity).toBeGreaterThanOrEqual(0.7);
    expect(similarity).toBeLessThan(1);
  });

  it('keep unrelated functions of the same length far apart', () => {
    const a = fingerprintOf(SCORER);
    const b = fingerprintOf(UNRELATED);
    expect(Math.abs(a.tokens - b.tokens)).toBeLessThan(40);
    expect(jaccard(a.shingles, b.shingles)).toBeLessThan(0.2);
  });

  it('emit sorted unique 32-bit shingles', () => {
    const { shingles } = fingerprintOf(SCORER);
    expect(shingles.length).toBeGreaterThan(5);
    expect(shingles.every((s, i) => Number.isInteger(s) && s >= 0 && s < 2 ** 32 && (i === 0 || s > (shingles[i - 1] ?? -1)))).toBe(true);
  });

  it('report percents rounded down', () => {
    expect(percent(0.799)).toBe(79);
    expect(percent(0.8)).toBe(80);
    expect(jaccard([], [])).toBe(0);
  });
});
