/**
 * POSIX-ish shell tokenizer. One linear pass over the text; every word keeps the offsets of its raw
 * text so extractors can point at it. Not a shell parser: control structures are left to the
 * command analysis, which only needs simple commands and the separators between them.
 */

export type WordKind = 'word' | 'op' | 'redir';

export interface Word {
  /** The word after quote removal (expansions are kept as written: `$X`, `$(cmd)`). */
  text: string;
  /** Offsets of the raw word in the tokenized text, end exclusive. */
  start: number;
  end: number;
  kind: WordKind;
  /** Holds a parameter expansion, command substitution or unquoted glob: its value is unknown. */
  dynamic: boolean;
  /**
   * Set when expansions were resolved statically (`$SCRIPT_DIR/x.py` with `SCRIPT_DIR` known): `text` is
   * then the expanded value and `raw` the word as written.
   */
  raw?: string;
  /** `text` is a repo-relative path known exactly (it was built from the script's own folder). */
  anchored?: boolean;
}

export interface TokenError {
  start: number;
  end: number;
  message: string;
}

export interface Tokens {
  words: Word[];
  /** Inner text ranges of top-level `$(…)`, backtick and `<(…)` substitutions, to analyse separately. */
  subs: Array<{ start: number; end: number }>;
  errors: TokenError[];
}

interface Pending {
  text: string;
  start: number;
  dynamic: boolean;
  quoted: boolean;
}

/** Which `<`/`>` operators are followed by a target word (`2>&1` and `>&-` carry their own). */
export function redirectNeedsTarget(op: string): boolean {
  return !/[<>]&(\d+|-)$/.test(op);
}

/** `NAME=value` (and `NAME[i]=`, `NAME+=`): an assignment word. */
export const ASSIGN_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=/;
export const REDIRECT_RE = /^(?:\d+|&)?(?:>>|>\||>&|>|<<<|<<-|<<|<&|<>|<)(?:\d+|-)?$/;
export const SEPARATORS: ReadonlySet<string> = new Set([';', '&&', '||', '|', '&', '(', ')']);

/**
 * Split shell text into words. Separators (`;`, `&&`, `||`, `|`, `&`, and `(`/`)` of subshells) and
 * redirection operators (`>`, `2>&1`, `<<`) come out as words of their own; an unquoted newline
 * becomes `;`. Comments, `\`-newline continuations and heredoc bodies are dropped.
 */
export function splitShellWords(text: string): string[] {
  return tokenize(text).words.map((word) => word.text);
}

export function tokenize(text: string): Tokens {
  const n = text.length;
  const words: Word[] = [];
  const subs: Tokens['subs'] = [];
  const errors: TokenError[] = [];
  const heredocs: Array<{ delim: string; strip: boolean }> = [];
  let awaitingDelim: { strip: boolean } | null = null;
  let cur: Pending | null = null;
  let i = 0;

  const begin = (): Pending => {
    cur ??= { text: '', start: i, dynamic: false, quoted: false };
    return cur;
  };
  const finish = (end: number): void => {
    if (cur === null) return;
    words.push({ text: cur.text, start: cur.start, end, kind: 'word', dynamic: cur.dynamic });
    if (awaitingDelim !== null) {
      heredocs.push({ delim: cur.text, strip: awaitingDelim.strip });
      awaitingDelim = null;
    }
    cur = null;
  };
  const pushOp = (op: string, start: number, end: number, kind: WordKind): void => {
    words.push({ text: op, start, end, kind, dynamic: false });
  };

  /** Index just past the bracket closing the one at `open`, skipping quotes and escapes. */
  const matchClose = (open: number, openCh: string, closeCh: string): number => {
    let depth = 0;
    let j = open;
    while (j < n) {
      const ch = text[j];
      if (ch === '\\') {
        j += 2;
        continue;
      }
      if (ch === "'") {
        const close = text.indexOf("'", j + 1);
        j = close < 0 ? n : close + 1;
        continue;
      }
      if (ch === '"') {
        j = skipDoubleQuoted(j);
        continue;
      }
      if (ch === openCh) depth++;
      else if (ch === closeCh) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    errors.push({ start: open, end: n, message: `unterminated '${openCh}'` });
    return n;
  };
  const skipDoubleQuoted = (open: number): number => {
    let j = open + 1;
    while (j < n) {
      const ch = text[j];
      if (ch === '\\') j += 2;
      else if (ch === '"') return j + 1;
      else if (ch === '$' && (text[j + 1] === '(' || text[j + 1] === '{')) {
        j = matchClose(j + 1, text[j + 1] as string, text[j + 1] === '(' ? ')' : '}');
      } else j++;
    }
    return n;
  };

  /** Scan an expansion starting with `$` at `j`, append it raw to the pending word, return the next index. */
  const scanDollar = (j: number, word: Pending): number => {
    const next = text[j + 1];
    let end: number;
    if (next === '(') {
      end = matchClose(j + 1, '(', ')');
      if (text[j + 2] !== '(') subs.push({ start: j + 2, end: Math.max(j + 2, end - 1) });
    } else if (next === '{') {
      end = matchClose(j + 1, '{', '}');
    } else if (next !== undefined && /[A-Za-z_]/.test(next)) {
      end = j + 2;
      while (end < n && /[A-Za-z0-9_]/.test(text[end] as string)) end++;
    } else if (next !== undefined && /[0-9@*#?$!-]/.test(next)) {
      end = j + 2;
    } else {
      word.text += '$';
      return j + 1;
    }
    word.text += text.slice(j, end);
    word.dynamic = true;
    return end;
  };
  const scanBacktick = (j: number, word: Pending): number => {
    let k = j + 1;
    while (k < n && text[k] !== '`') k += text[k] === '\\' ? 2 : 1;
    if (k >= n) errors.push({ start: j, end: n, message: 'unterminated backquote' });
    const end = Math.min(k + 1, n);
    subs.push({ start: j + 1, end: Math.min(k, n) });
    word.text += text.slice(j, end);
    word.dynamic = true;
    return end;
  };

  const skipHeredocBodies = (pos: number): number => {
    for (const doc of heredocs) {
      while (pos < n) {
        const nl = text.indexOf('\n', pos);
        const lineEnd = nl < 0 ? n : nl;
        let line = text.slice(pos, lineEnd);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (doc.strip) line = line.replace(/^\t+/, '');
        pos = nl < 0 ? n : nl + 1;
        if (line === doc.delim) break;
      }
    }
    heredocs.length = 0;
    return pos;
  };

  while (i < n) {
    const c = text[i] as string;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '\n') {
        i += 2;
      } else if (next === '\r' && text[i + 2] === '\n') {
        i += 3;
      } else {
        const word = begin();
        word.quoted = true;
        word.text += next ?? '\\';
        i += next === undefined ? 1 : 2;
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      finish(i);
      i++;
      continue;
    }
    if (c === '\n') {
      finish(i);
      const last = words[words.length - 1];
      if (last !== undefined && last.kind !== 'op') pushOp(';', i, i + 1, 'op');
      i++;
      if (heredocs.length > 0) i = skipHeredocBodies(i);
      continue;
    }
    if (c === '#' && cur === null) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === "'") {
      const word = begin();
      word.quoted = true;
      const close = text.indexOf("'", i + 1);
      if (close < 0) {
        errors.push({ start: i, end: n, message: 'unterminated single quote' });
        word.text += text.slice(i + 1);
        i = n;
      } else {
        word.text += text.slice(i + 1, close);
        i = close + 1;
      }
      continue;
    }
    if (c === '"') {
      const word = begin();
      word.quoted = true;
      let j = i + 1;
      while (j < n && text[j] !== '"') {
        const ch = text[j] as string;
        if (ch === '\\') {
          const next = text[j + 1];
          if (next === '\n') j += 2;
          else if (next !== undefined && '$`"\\'.includes(next)) {
            word.text += next;
            j += 2;
          } else {
            word.text += '\\';
            j++;
          }
        } else if (ch === '$') j = scanDollar(j, word);
        else if (ch === '`') j = scanBacktick(j, word);
        else {
          word.text += ch;
          j++;
        }
      }
      if (j >= n) errors.push({ start: i, end: n, message: 'unterminated double quote' });
      i = Math.min(j + 1, n);
      continue;
    }
    if (c === '$') {
      const next = text[i + 1];
      if (next === '"') {
        i++;
        continue;
      }
      if (next === "'") {
        const word = begin();
        word.quoted = true;
        let j = i + 2;
        while (j < n && text[j] !== "'") {
          word.text += text[j] === '\\' && j + 1 < n ? (text[++j] as string) : (text[j] as string);
          j++;
        }
        i = Math.min(j + 1, n);
        continue;
      }
      i = scanDollar(i, begin());
      continue;
    }
    if (c === '`') {
      i = scanBacktick(i, begin());
      continue;
    }
    if (c === '<' || c === '>') {
      if (text[i + 1] === '(') {
        const word = begin();
        const end = matchClose(i + 1, '(', ')');
        subs.push({ start: i + 2, end: Math.max(i + 2, end - 1) });
        word.text += text.slice(i, end);
        word.dynamic = true;
        i = end;
        continue;
      }
      let start = i;
      let op = '';
      const pending = cur as Pending | null;
      if (pending !== null && !pending.quoted && /^\d+$/.test(pending.text)) {
        start = pending.start;
        op = pending.text;
        cur = null;
      } else finish(i);
      const three = text.slice(i, i + 3);
      const two = text.slice(i, i + 2);
      const sym = three === '<<<' || three === '<<-' ? three : ['>>', '>|', '>&', '<<', '<&', '<>'].includes(two) ? two : c;
      i += sym.length;
      op += sym;
      if (sym.endsWith('&')) {
        const fd = /^(\d+|-)/.exec(text.slice(i, i + 8));
        if (fd !== null) {
          op += fd[0];
          i += fd[0].length;
        }
      }
      pushOp(op, start, i, 'redir');
      if (sym === '<<' || sym === '<<-') awaitingDelim = { strip: sym === '<<-' };
      continue;
    }
    if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      finish(i);
      const start = i;
      if (c === '&' && text[i + 1] === '>') {
        const op = text[i + 2] === '>' ? '&>>' : '&>';
        i += op.length;
        pushOp(op, start, i, 'redir');
        continue;
      }
      const three = text.slice(i, i + 3);
      const two = text.slice(i, i + 2);
      let raw: string;
      if (three === ';;&') raw = three;
      else if ([';;', ';&', '&&', '||', '|&'].includes(two)) raw = two;
      else raw = c;
      i += raw.length;
      const op = raw.startsWith(';') ? ';' : raw === '|&' ? '|' : raw;
      pushOp(op, start, i, 'op');
      continue;
    }
    const word = begin();
    if (c === '*' || c === '?') word.dynamic = true;
    word.text += c;
    i++;
  }
  finish(n);
  const last = words[words.length - 1];
  if (last !== undefined && last.kind === 'op' && text[last.start] === '\n') words.pop();
  return { words, subs, errors };
}
