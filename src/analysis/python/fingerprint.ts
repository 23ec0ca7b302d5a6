/**
 * Fingerprints of function bodies that survive renaming: the body's token stream with identifiers,
 * strings and numbers each collapsed to one symbol, cut into k-grams and thinned by winnowing
 * (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for document fingerprinting", 2003).
 *
 * Computed from the text, so it costs no parser round trips. Two near-copies share most of their
 * winnowed k-gram hashes; their Jaccard similarity is what `registry similar` and DUP001 report.
 */
import { createHash } from 'node:crypto';

/** Python tokens: comments, strings (with prefixes), names, numbers, then any other character. */
const TOKEN =
  /#[^\n]*|[rRbBuUfFtT]{0,2}(?:'''[\s\S]*?'''|"""[\s\S]*?"""|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")|[A-Za-z_]\w*|\d[\w.]*|\S/g;
const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case'.split(' '),
);
const STRING_PREFIX = /^[rRbBuUfFtT]{1,2}['"]/;
const SELF = new Set(['self', 'cls']);

/** Tokens per k-gram. Five normalised tokens is about one short statement. */
export const SHINGLE_K = 5;
/** Winnowing window: of every 4 consecutive k-grams at least one hash is kept (density ≈ 2/(w+1)). */
export const WINNOW_W = 4;

export interface BodyFingerprint {
  /** Hash of the whole normalised token stream: equal for bodies that differ only in names and literals. */
  fingerprint: string;
  /** Number of normalised tokens. */
  tokens: number;
  /** Winnowed k-gram hashes, sorted ascending, unique, unsigned 32-bit. */
  shingles: number[];
}

/**
 * The normalised token stream of a body. Names become `I`, strings `S`, numbers `N`; keywords and
 * punctuation stay. A name right after `.` is kept as `.name`: library calls such as `.log_softmax`
 * or `.from_pretrained` say what the code does, and renaming a local never changes them. An attribute
 * of `self` or `cls` is a name like any other: `self.tok` becomes one `I`.
 */
export function normalisedTokens(body: string): string[] {
  const out: string[] = [];
  let previous = '';
  let beforeDot = '';
  for (const m of body.matchAll(TOKEN)) {
    const t = m[0];
    const c = t.charCodeAt(0);
    if (c === 35 /* # */) continue;
    const last = t.charCodeAt(t.length - 1);
    const isWord = c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const afterDot = previous === '.';
    if (t.length > 1 && (last === 34 || last === 39) && (c === 34 || c === 39 || STRING_PREFIX.test(t))) out.push('S');
    else if (c >= 48 && c <= 57) out.push('N');
    // `self.tokenizer` is a variable that moved onto the instance: it reads like `tokenizer`
    else if (isWord && afterDot && SELF.has(beforeDot)) out.pop();
    else if (isWord && afterDot) out[out.length - 1] = `.${t}`;
    else if (isWord) out.push(KEYWORDS.has(t) ? t : 'I');
    else out.push(t);
    beforeDot = previous;
    previous = t;
  }
  return out;
}

/** FNV-1a over a string's UTF-16 units: a fast, stable 32-bit hash of one token. */
function hashToken(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One 32-bit hash per k-gram of token hashes (a multiply-xorshift mix, order-sensitive). */
function kgramHashes(tokens: readonly string[], k: number): number[] {
  const ids = tokens.map(hashToken);
  const out: number[] = [];
  for (let i = 0; i + k <= ids.length; i++) {
    let h = 0x9e3779b9;
    for (let j = i; j < i + k; j++) {
      h = Math.imul(h ^ (ids[j] ?? 0), 0x85ebca6b);
      h ^= h >>> 13;
    }
    out.push(h >>> 0);
  }
  return out;
}

/** Winnowing: the minimum of every window of `w` hashes (the rightmost on ties), each kept once. */
function winnow(hashes: readonly number[], w: number): number[] {
  if (hashes.length <= w) return [...new Set(hashes)].sort((a, b) => a - b);
  const kept = new Set<number>();
  for (let i = 0; i + w <= hashes.length; i++) {
    let min = i;
    for (let j = i + 1; j < i + w; j++) if ((hashes[j] ?? 0) <= (hashes[min] ?? 0)) min = j;
    kept.add(hashes[min] ?? 0);
  }
  return [...kept].sort((a, b) => a - b);
}

/** Winnowed shingles of a normalised token stream. */
export function shinglesOf(tokens: readonly string[]): number[] {
  if (tokens.length === 0) return [];
  // a body shorter than one k-gram still gets one shingle, so it is not invisible
  const k = Math.min(SHINGLE_K, tokens.length);
  return winnow(kgramHashes(tokens, k), WINNOW_W);
}

export function fingerprintOf(body: string): BodyFingerprint {
  const tokens = normalisedTokens(body);
  return {
    fingerprint: createHash('sha1').update(tokens.join('\u0001')).digest('hex').slice(0, 16),
    tokens: tokens.length,
    shingles: shinglesOf(tokens),
  };
}

/** Jaccard similarity of two sorted unique shingle arrays (0 when both are empty). */
export function jaccard(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 && b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] ?? 0;
    const y = b[j] ?? 0;
    if (x === y) {
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return shared / (a.length + b.length - shared);
}

/** A similarity as the whole percent reports show, rounded down so 79.6 % never reads as 80 %. */
export function percent(similarity: number): number {
  return Math.floor(similarity * 100 + 1e-9);
}
