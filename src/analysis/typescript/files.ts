/**
 * What the audit decides about a TS/JS file before any parsing: whether it is worth reading at all
 * (declaration files and machine-written bundles are not research code), and its `// provenant:
 * ignore[…]` suppressions. Light on purpose: no compiler, so a run that parses no TS/JS never loads it.
 */
import type { SuppressionFact } from '../facts.js';
import { parseSuppressions } from '../suppressions.js';

/** A line this long is not written by hand: a minified or bundled file. */
const MINIFIED_LINE = 5_000;
/** Bundles with short lines still give themselves away by their size and average line length. */
const BUNDLE_SIZE = 200_000;
const BUNDLE_AVERAGE_LINE = 200;
/** Markers bundlers and code generators leave in the first lines. */
const GENERATED_HEADER = /@generated\b|\bDO NOT EDIT\b|\bwebpackBootstrap\b|\/\*+\s*(?:webpack|rollup|esbuild|parcel)\b|^\(\(\)=>\{|^!function\(/m;
const HEADER_BYTES = 2_000;

/**
 * Why a TS/JS file is skipped, or null when it is analysed. `view` is the file's bytes as latin1 (the
 * scan's cheap view), so lengths are bytes.
 */
export function scriptSkipReason(path: string, view: string): string | null {
  if (/\.d\.[cm]?ts$/.test(path)) return 'declaration file (.d.ts): types only, no code runs';
  let longest = 0;
  let lines = 1;
  let start = 0;
  for (let i = view.indexOf('\n'); i >= 0; i = view.indexOf('\n', i + 1)) {
    longest = Math.max(longest, i - start);
    start = i + 1;
    lines++;
  }
  longest = Math.max(longest, view.length - start);
  if (longest > MINIFIED_LINE) return `minified or bundled (a line of ${longest.toLocaleString('en-US')} characters)`;
  if (view.length > BUNDLE_SIZE && view.length / lines > BUNDLE_AVERAGE_LINE) {
    return `minified or bundled (${Math.round(view.length / lines)} characters per line on average)`;
  }
  if (view.length > BUNDLE_SIZE && GENERATED_HEADER.test(view.slice(0, HEADER_BYTES))) return 'generated bundle (its header says so)';
  return null;
}

/** `#` comments are not comments in TS/JS; a `//` or `/*` one takes the place of Python's `#`. */
const HASH_MARKER = /#(?=[ \t]*provenant:)/g;
/** A comment opener at the start of a line or after a blank: not one quoted in text (`\`// provenant:…\``). */
const SLASH_MARKER = /(?<=^|[ \t])(?:\/\/|\/\*)(?=[ \t]*provenant:)/gm;

/**
 * `// provenant: ignore[CODE] reason` in TS/JS, read with the shared parser: each comment opener is
 * rewritten to a `#` of the same width, so lines and columns stay where they were.
 */
export function parseScriptSuppressions(text: string): SuppressionFact[] {
  const rewritten = text.replace(HASH_MARKER, '_').replace(SLASH_MARKER, ' #');
  return parseSuppressions(rewritten).map((s) => ({
    ...s,
    reason: s.reason?.replace(/\s*\*\/\s*$/, '') || null,
    span: { ...s.span, col: s.span.col - 1 },
  }));
}
