/**
 * Shell variables as far as a file shows them: `NAME=value` and `export`/`local` assignments, the
 * script's own folder idioms (`$(dirname "$0")`), and the expansion of words that use them. A variable
 * whose value depends on run time is known by name only, and a word using it stays unexpanded.
 */
import { joinRel, normalizeRel } from './paths.js';
import { ASSIGN_RE, type Word } from './words.js';

/** A shell variable's value as far as the file shows it; `anchored` when it is an exact repo path. */
export interface Value {
  text: string;
  anchored: boolean;
}

/** `$0` and its spellings: the running script's own path. */
const SELF = String.raw`(?:\$0|\$\{0\}|\$BASH_SOURCE|\$\{BASH_SOURCE(?:\[0\])?\})`;
const SELF_PATH = String.raw`(?:${SELF}|\$\((?:realpath|readlink-[fe]|readlink--canonicalize)(?:--)?${SELF}\))`;
const DIRNAME = String.raw`\$\(dirname(?:--)?${SELF_PATH}\)`;
/**
 * The script's own folder, spelt as people do, quotes and spaces removed: `$(dirname "$0")`,
 * `$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)`. Group 1: a path inside the `cd`.
 */
const SELF_DIR_RE = new RegExp(String.raw`^(?:${DIRNAME}|\$\(cd(?:--)?${DIRNAME}((?:/[\w.-]+)*)/?(?:&?>/dev/null(?:2>&1)?)?&&pwd(?:-[PL])?\))`);
const VAR_RE = /\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g;

/** The longest text an expansion may produce before it counts as unknown. */
const MAX_EXPANDED = 4096;

export class ShellVariables {
  constructor(
    /** The file the text is in: `selfPath` when `$0` names it, so its folder idioms can be resolved. */
    private readonly self: { selfPath: boolean; callerDir: string },
    /** Shell variables assigned so far; null for one whose value the file does not show. */
    private readonly values: Map<string, Value | null> = new Map(),
  ) {}

  /** The same variables, for a subshell whose assignments do not come back. */
  copy(): ShellVariables {
    return new ShellVariables(this.self, new Map(this.values));
  }

  /** A variable that takes a value the analysis does not follow (`for f in …`, `read x`). */
  unknown(name: string): void {
    this.values.set(name, null);
  }

  /** `NAME=value` as a command of its own: a shell variable the rest of the text may use. */
  assign(word: Word): void {
    const eq = word.text.indexOf('=');
    const name = word.text.slice(0, eq).replace(/\+$/, '');
    if (!/^[A-Za-z_]\w*$/.test(name) || word.text[eq - 1] === '+') {
      this.values.set(name.replace(/\[.*$/, ''), null);
      return;
    }
    this.values.set(name, this.valueOf(word.raw !== undefined ? word.raw.slice(word.raw.indexOf('=') + 1) : word.text.slice(eq + 1), word));
  }

  /** `export A=1 B`, `local x=…`: assignments set variables; a bare name keeps its value. */
  declare(cmd: readonly Word[], j: number): void {
    for (const word of cmd.slice(j)) {
      if (ASSIGN_RE.test(word.text)) this.assign(word);
      else if (!word.text.startsWith('-') && /^[A-Za-z_]\w*$/.test(word.text) && !this.values.has(word.text)) this.values.set(word.text, null);
    }
  }

  /** The value of an assignment's right-hand side, as written, or null when it depends on run time. */
  private valueOf(text: string, word: Word): Value | null {
    if (!word.dynamic && word.raw === undefined) return /[*?]/.test(text) ? null : { text, anchored: false };
    return this.expandText(text);
  }

  /** A word with the expansions the file itself defines replaced; unchanged when it has none or they are unknown. */
  expand(word: Word): Word {
    if (!word.dynamic || word.kind !== 'word') return word;
    const eq = ASSIGN_RE.exec(word.text);
    // an assignment word keeps its name: only the value is expanded (`DIR=$(dirname "$0")`)
    const head = eq === null ? '' : word.text.slice(0, eq[0].length);
    const value = this.expandText(word.text.slice(head.length));
    if (value === null) return word;
    if (head !== '') return { ...word, text: head + value.text, raw: word.text, dynamic: false };
    return { ...word, text: value.text, raw: word.text, dynamic: false, ...(value.anchored ? { anchored: true } : {}) };
  }

  /**
   * Text with `$NAME`/`${NAME}` replaced by values assigned in the file and the script's own folder
   * idioms (`$(dirname "$0")`) by its folder; null while anything in it stays unknown.
   */
  private expandText(text: string): Value | null {
    let anchored = false;
    let rest = text;
    if (this.self.selfPath && rest.startsWith('$(')) {
      const compact = rest.replace(/["'\s]/g, '');
      const m = SELF_DIR_RE.exec(compact);
      if (m !== null) {
        const path = joinRel(this.self.callerDir, `${m[1] ?? ''}/.${compact.slice(m[0].length)}`.replace(/^\/+/, ''));
        if (path === null) return null;
        anchored = true;
        rest = path;
        if (rest === '') return { text: '', anchored };
      }
    }
    let first = true;
    let failed = false;
    const out = rest.replace(VAR_RE, (all, braced: string | undefined, bare: string | undefined, at: number) => {
      const value = this.values.get(braced ?? bare ?? '');
      const leading = first && at === 0 && !anchored;
      first = false;
      if (value === undefined || value === null || (value.anchored && !leading)) {
        failed = true;
        return all;
      }
      if (value.anchored) anchored = true;
      return value.text;
    });
    // a variable that doubles itself line after line (`A=$A$A`) is no path anyone runs
    if (failed || out.length > MAX_EXPANDED || /[$`*?]/.test(out)) return null;
    if (!anchored) return { text: out, anchored };
    const path = normalizeRel(out);
    return path === null ? null : { text: path, anchored };
  }
}
