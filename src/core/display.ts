/**
 * Text that came from files (stamps, specs, scripts) made safe to print: a terminal obeys control
 * characters, so a stamp holding `\r` or `ESC[2K` could erase the line that says `tampered`, and Unicode
 * bidirectional controls can make text read in another order. They are shown as escapes instead.
 */

/**
 * The characters a terminal or a text viewer may act on, as a regex class body: C0 controls, DEL, C1
 * controls, line and paragraph separators, bidirectional marks, overrides and isolates. (Built from a
 * string: matching control characters is the point here.)
 */
export const CONTROL_CLASS = ['\\u0000-\\u001f', '\\u007f-\\u009f', '\\u061c', '\\u200e\\u200f', '\\u2028-\\u202e', '\\u2066-\\u2069'].join('');
const CONTROL_OR_BREAK = new RegExp(`[${CONTROL_CLASS}]`, 'g');
const HAS_CONTROL = new RegExp(`[${CONTROL_CLASS}]`);

function escape(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One value (a path, a reason, a name) printable on one line: every control character escaped. */
export function printable(text: string): string {
  return text.replace(CONTROL_OR_BREAK, escape);
}

/** Rendered text whose own line breaks stay: every other control character escaped. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/**
 * argv as a POSIX shell would need it typed: words with nothing special bare, others single-quoted, so the
 * log shows where each word begins and ends (`a b` is one word, not two), and control characters escaped.
 */
export function shellQuote(argv: readonly string[]): string {
  return argv
    .map((word) => {
      if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
      // ANSI-C quoting ($'…') when a control character has to be spelled out
      if (HAS_CONTROL.test(word)) return `$'${word.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(CONTROL_OR_BREAK, escape)}'`;
      return `'${word.replace(/'/g, `'\\''`)}'`;
    })
    .join(' ');
}
