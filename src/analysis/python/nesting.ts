/**
 * How deep brackets nest in Python source, by a single pass that skips strings and comments. CPython's
 * tokenizer refuses more than 200 open brackets ("too many nested parentheses"), so a deeper file is not
 * Python; analysing it would also walk a tree thousands of levels deep.
 */

/** CPython's MAXLEVEL. */
export const MAX_NESTING = 200;

/** Where the nesting first goes beyond `max` (1-based line and column), or null when it never does. */
export function nestingBeyond(src: string, max: number = MAX_NESTING): { line: number; col: number } | null {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const c = src.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
    } else if (c === 40 || c === 91 || c === 123) {
      // ( [ {
      if (++depth > max) return { line, col: i - lineStart + 1 };
    } else if (c === 41 || c === 93 || c === 125) {
      if (depth > 0) depth--;
    } else if (c === 35) {
      // a comment runs to the end of the line
      const nl = src.indexOf('\n', i);
      i = (nl === -1 ? n : nl) - 1;
    } else if (c === 34 || c === 39) {
      const triple = src.charCodeAt(i + 1) === c && src.charCodeAt(i + 2) === c;
      const quote = triple ? src.slice(i, i + 3) : String.fromCharCode(c);
      let j = i + quote.length;
      for (; j < n; j++) {
        const d = src.charCodeAt(j);
        if (d === 92) {
          if (src.charCodeAt(++j) === 10) {
            line++;
            lineStart = j + 1;
          }
        } else if (d === 10) {
          if (!triple) break;
          line++;
          lineStart = j + 1;
        } else if (d === c && (!triple || src.startsWith(quote, j))) break;
      }
      i = triple ? j + 2 : j;
    }
  }
  return null;
}
