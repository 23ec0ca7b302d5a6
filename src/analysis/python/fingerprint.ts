/**
 * Fingerprints of function bodies that survive renaming: the body's token stream with identifiers,
 * strings and numbers each collapsed to one symbol, cut into k-grams and thinned by winnowing
 * (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for document fingerprinting", 2003).
 *
 * Computed from the text, so it costs no parser round trips. Two near-copies share most of their
 * winnowed k-gram hashes; their Jaccard similarity is what `registry similar` and DUP001 report.
 */
import { createHash } from 'node:crypto';

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case'.split(' '),
);

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

/** `[A-Za-z_]`: where a name starts. */
function isNameStart(c: number): boolean {
  return c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** `\w`: a name goes on. */
function isWordChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/** A string prefix letter (`r`, `b`, `u`, `f`, `t`, either case). */
function isPrefix(c: number): boolean {
  const lower = c | 0x20;
  return lower === 114 || lower === 98 || lower === 117 || lower === 102 || lower === 116;
}

/** What JavaScript's `\s` matches: the characters between tokens. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 5760 || (c >= 8192 && c <= 8202) || c === 8232 || c === 8233 || c === 8239 || c === 8287 || c === 12288 || c === 65279;
}

/** A line terminator, which a backslash does not escape inside a one-line string. */
function isLineEnd(c: number): boolean {
  return c === 10 || c === 13 || c === 8232 || c === 8233;
}

/**
 * Where the string literal whose quote is at `q` ends (exclusive), or -1 when none closes there: a triple-quoted
 * string up to the first closing triple, else a one-line string with backslash escapes.
 */
function stringEnd(text: string, q: number): number {
  const quote = text.charCodeAt(q);
  if (quote !== 39 && quote !== 34) return -1;
  if (text.charCodeAt(q + 1) === quote && text.charCodeAt(q + 2) === quote) {
    const close = text.indexOf(quote === 39 ? "'''" : '"""', q + 3);
    if (close !== -1) return close + 3;
  }
  for (let i = q + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === quote) return i + 1;
    if (c === 10) return -1;
    if (c === 92) {
      if (i + 1 >= text.length || isLineEnd(text.charCodeAt(i + 1))) return -1;
      i++;
    }
  }
  return -1;
}

/**
 * The normalised token stream of a body. Names become `I`, strings `S`, numbers `N`; keywords and
 * punctuation stay. A name right after `.` is kept as `.name`: library calls such as `.log_softmax`
 * or `.from_pretrained` say what the code does, and renaming a local never changes them. An attribute
 * of `self` or `cls` is a name like any other: `self.tok` becomes one `I`.
 *
 * Tokens are comments (dropped), strings with up to two prefix letters, names, numbers (`\d[\w.]*`), then
 * any other character on its own; a quote that opens no string is a character like the others. Scanned by
 * hand: the same tokens as that regular expression at a third of its cost, where every function is
 * fingerprinted on a cold run.
 */
export function normalisedTokens(body: string): string[] {
  const out: string[] = [];
  // what the rules below ask of the previous token and the one before it
  let previousIsDot = false;
  let previousIsSelf = false;
  let beforeDotIsSelf = false;
  const n = body.length;
  let i = 0;
  while (i < n) {
    const c = body.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 35 /* # */) {
      const eol = body.indexOf('\n', i);
      i = eol === -1 ? n : eol;
      continue;
    }
    let end = -1;
    if (isPrefix(c)) {
      const c1 = body.charCodeAt(i + 1);
      if (isPrefix(c1)) end = stringEnd(body, i + 2);
      if (end === -1) end = stringEnd(body, i + 1);
    } else if (c === 39 || c === 34) {
      end = stringEnd(body, i);
    }
    let isSelf = false;
    let isDot = false;
    if (end !== -1) {
      out.push('S');
      i = end;
    } else if (isNameStart(c)) {
      let j = i + 1;
      while (j < n && isWordChar(body.charCodeAt(j))) j++;
      const name = body.slice(i, j);
      i = j;
      isSelf = name === 'self' || name === 'cls';
      // `self.tokenizer` is a variable that moved onto the instance: it reads like `tokenizer`
      if (previousIsDot && beforeDotIsSelf) out.pop();
      else if (previousIsDot) out[out.length - 1] = `.${name}`;
      else out.push(KEYWORDS.has(name) ? name : 'I');
    } else if (c >= 48 && c <= 57) {
      let j = i + 1;
      while (j < n && (isWordChar(body.charCodeAt(j)) || body.charCodeAt(j) === 46)) j++;
      out.push('N');
      i = j;
    } else {
      out.push(body[i] as string);
      isDot = c === 46;
      i++;
    }
    beforeDotIsSelf = previousIsSelf;
    previousIsSelf = isSelf;
    previousIsDot = isDot;
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

/** Winnowing: the minimum of every window of `w` hashes, each kept once, ascending. */
function winnow(hashes: readonly number[], w: number): number[] {
  // a stream no longer than one window is that window
  const picked = hashes.length <= w ? Uint32Array.from(hashes) : new Uint32Array(hashes.length - w + 1);
  if (hashes.length > w) {
    for (let i = 0; i < picked.length; i++) {
      let min = hashes[i] ?? 0;
      for (let j = i + 1; j < i + w; j++) min = Math.min(min, hashes[j] ?? 0);
      picked[i] = min;
    }
  }
  picked.sort();
  const out: number[] = [];
  for (let i = 0; i < picked.length; i++) if (i === 0 || picked[i] !== picked[i - 1]) out.push(picked[i] ?? 0);
  return out;
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
