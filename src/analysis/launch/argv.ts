/**
 * Script calls in an argv list another front end found (`subprocess.run(["python", "x.py"])`,
 * `spawn("node", [...])`): its words, as strings or values it resolved further, run through the shell analysis.
 */
import type { ScriptCallFact, Span } from '../facts.js';
import { analyzeWords, toFact, type AnalysisOptions, type Cwd } from './calls.js';
import { REDIRECT_RE, SEPARATORS, type Word } from './words.js';

/**
 * One word of an argv list as another front end knows it: its text, or a value it resolved further
 * (`anchored`: an exact repo-relative path, from `Path(__file__).parent / "x.py"`; `dynamic`: unknown).
 */
export type ArgWord = string | { text: string; anchored?: boolean; dynamic?: boolean; raw?: string };

/** A word given as a plain string: separators and redirections by their text, expansions by `$`/backquote/glob. */
export function wordFromString(arg: ArgWord): Word {
  if (typeof arg !== 'string') {
    const word: Word = { text: arg.text, start: 0, end: 0, kind: 'word', dynamic: arg.dynamic ?? (arg.anchored !== true && /[$`*?]/.test(arg.text)) };
    if (arg.anchored === true) word.anchored = true;
    if (arg.raw !== undefined) word.raw = arg.raw;
    return word;
  }
  const kind = SEPARATORS.has(arg) ? 'op' : REDIRECT_RE.test(arg) ? 'redir' : 'word';
  return { text: arg, start: 0, end: 0, kind, dynamic: kind === 'word' && /[$`*?]/.test(arg) };
}

/**
 * Script calls in one command's words (several commands when joined by separator words such as
 * `&&`), as `splitShellWords` or an argv list gives them. Every fact gets `ctx.span`; `ctx.cwd` is
 * where the command runs when the caller knows (`subprocess.run(…, cwd=…)`).
 */
export function scriptCallsFromWords(
  words: readonly ArgWord[],
  ctx: { callerPath: string; span: Span; via: ScriptCallFact['via']; cwd?: Cwd },
): ScriptCallFact[] {
  const options: AnalysisOptions = { callerPath: ctx.callerPath };
  if (ctx.cwd !== undefined) options.start = ctx.cwd;
  return analyzeWords(words.map(wordFromString), options).map((call) => toFact(call, ctx.span, ctx.via));
}
