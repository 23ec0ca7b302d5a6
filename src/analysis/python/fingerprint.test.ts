import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { seeded } from '../../../bench/common.js';
import { fingerprintOf, jaccard, normalisedTokens, percent } from './fingerprint.js';

/**
 * The tokenizer as a regular expression, as the scanner in fingerprint.ts must read every text: comments,
 * strings with up to two prefix letters, names, numbers, then any other character.
 */
const TOKEN =
  /#[^\n]*|[rRbBuUfFtT]{0,2}(?:'''[\s\S]*?'''|"""[\s\S]*?"""|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")|[A-Za-z_]\w*|\d[\w.]*|\S/g;
const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case'.split(' '),
);
const STRING_PREFIX = /^[rRbBuUfFtT]{1,2}['"]/;
function oracleTokens(body: string): string[] {
  const out: string[] = [];
  let previous = '';
  let beforeDot = '';
  for (const m of body.matchAll(TOKEN)) {
    const t = m[0];
    const c = t.charCodeAt(0);
    if (c === 35) continue;
    const last = t.charCodeAt(t.length - 1);
    const isWord = c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const afterDot = previous === '.';
    if (t.length > 1 && (last === 34 || last === 39) && (c === 34 || c === 39 || STRING_PREFIX.test(t))) out.push('S');
    else if (c >= 48 && c <= 57) out.push('N');
    else if (isWord && afterDot && (beforeDot === 'self' || beforeDot === 'cls')) out.pop();
    else if (isWord && afterDot) out[out.length - 1] = `.${t}`;
    else if (isWord) out.push(KEYWORDS.has(t) ? t : 'I');
    else out.push(t);
    beforeDot = previous;
    previous = t;
  }
  return out;
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
function pythonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? pythonFiles(path.join(dir, e.name)) : e.name.endsWith('.py') ? [path.join(dir, e.name)] : [],
  );
}

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

describe('the tokenizer', () => {
  it('reads every Python file of the examples and test fixtures as the regular expression does', () => {
    const files = ['examples', 'audits', 'test/fixtures'].flatMap((dir) => pythonFiles(path.join(REPO, dir)));
    expect(files.length).toBeGreaterThan(80);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(normalisedTokens(text), file).toEqual(oracleTokens(text));
    }
  });

  it('reads the edge cases as the regular expression does: prefixes, unclosed strings, escapes, non-ASCII', () => {
    const cases = [
      `rb'x' Rb"y" tr'z' ft"w" bt u'' U"" f'''a\nb''' r"""c"""`,
      `x = 'unclosed\ny = "also`,
      `'''never closed\nstill ''' + "a\\\nb" + 'c\\'`,
      `s = 'a\\\rb' t = "a\u2028b" u = '\\\u2028'`,
      `self.tok.encode(cls.x, self .y, obj.self.z) # trailing`,
      `1e5.3 0x1F 3.real 1_000 .5 x.1`,
      `naïve = "é" + 'ü'; 😀 = λ`,
      `\u00a0x\ufeffy\u3000z\tq\fr\vs`,
      `'' "" '''' """" r' b"`,
      `#!/usr/bin/env python\n# only a comment`,
    ];
    for (const text of cases) expect(normalisedTokens(text), text).toEqual(oracleTokens(text));
  });

  it('reads random texts of tricky Python characters as the regular expression does', () => {
    const alphabet = ["'", '"', '\\', '\n', '\r', '#', ' ', 'r', 'b', 'f', 'x', 'self', '.', '1', '_', '(', 'é', '\u2028', '\t', 'cls', 'def'];
    const random = seeded(20261207);
    for (let n = 0; n < 3000; n++) {
      let text = '';
      const length = 1 + Math.floor(random() * 40);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      expect(normalisedTokens(text), JSON.stringify(text)).toEqual(oracleTokens(text));
    }
  });
});

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
