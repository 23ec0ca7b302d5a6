/**
 * The shell front end: the script calls and parse errors of a `.sh` or `.bash` file, as facts.
 */

import { emptyFacts, type FileFacts, type SettingFact, type Span } from '../facts.js';
import { analyzeShellText, markRuntimeTargets, toFact, type FoundCall } from './calls.js';
import { LineIndex } from './spans.js';

/** Script calls of a `.sh`/`.bash` file; each span covers the target word. */
export function extractShellFacts(source: string, path: string): FileFacts {
  const facts = emptyFacts(path, 'shell');
  const index = new LineIndex(source);
  facts.lines = index.lineCount;
  const { calls, errors } = analyzeShellText(source, { callerPath: path, selfPath: true });
  facts.scriptCalls = calls.map((call) => toFact(call, index.span(call.word.start, call.word.end), 'shell'));
  facts.parseErrors = errors.map((error) => ({ span: index.span(error.start, error.end), message: error.message }));
  const settings = commandLineSettings(source, index);
  if (settings.length) facts.settings = settings;
  return facts;
}

/** One shell command of a larger file, run in a shell of its own (a notebook's `!` line or `%%bash` cell). */
export interface ShellCommand {
  /** Its lines as written (columns as in the file). */
  lines: string[];
  /** The 1-based line of the file its first line is on. */
  line: number;
  /** Commands run before it in the same session that decide where it starts (`cd DIR`); they yield no facts. */
  prelude: string[];
}

/**
 * Script calls, settings and parse errors of shell commands that each run in a shell of their own, with
 * spans on the lines of the file that holds them: a `cd` in one does not last into the next, its
 * `prelude` does. A script one of them writes is made at run time for all the others.
 */
export function extractShellCommands(commands: readonly ShellCommand[], path: string): Pick<FileFacts, 'scriptCalls' | 'parseErrors' | 'settings'> {
  const runtime = new Set<string>();
  const found: { call: FoundCall; span: Span }[] = [];
  const out: Required<Pick<FileFacts, 'scriptCalls' | 'parseErrors' | 'settings'>> = { scriptCalls: [], parseErrors: [], settings: [] };
  for (const command of commands) {
    const skip = command.prelude.length;
    const text = [...command.prelude, ...command.lines].join('\n') + '\n';
    const index = new LineIndex(text);
    const shift = (span: Span): Span => ({ ...span, line: span.line - skip - 1 + command.line, endLine: span.endLine - skip - 1 + command.line });
    const mine = (span: Span): boolean => span.line > skip;
    const { calls, errors } = analyzeShellText(text, { callerPath: path, runtime });
    for (const call of calls) {
      const span = index.span(call.word.start, call.word.end);
      if (mine(span)) found.push({ call, span: shift(span) });
    }
    for (const error of errors) {
      const span = index.span(error.start, error.end);
      if (mine(span)) out.parseErrors.push({ span: shift(span), message: error.message });
    }
    for (const setting of commandLineSettings(text, index)) if (mine(setting.span)) out.settings.push({ ...setting, span: shift(setting.span) });
  }
  markRuntimeTargets(found.map((f) => f.call), runtime);
  out.scriptCalls = found.map(({ call, span }) => toFact(call, span, 'shell'));
  return out;
}

/**
 * `--trust-remote-code` (vLLM, SGLang, TGI), `--trust_remote_code [True]` (lm-eval, HF example scripts) and
 * `trust_remote_code=True` inside a `--model_args a=b,…` word: a command line that turns the setting on.
 * `# comments` and `echo`/`printf` lines are left out; an explicit false (`--trust_remote_code False`) is not
 * a setting that is on.
 */
const FLAG = /(?<![\w-])--trust[-_]remote[-_]code(?:[= ]+(True|true|1|False|false|0)\b)?|(?<=[\s,='"])trust_remote_code=(True|true|1)\b/g;

function commandLineSettings(source: string, index: LineIndex): SettingFact[] {
  const out: SettingFact[] = [];
  let offset = 0;
  for (const line of source.split('\n')) {
    // a message that mentions the flag (`echo "use --trust-remote-code …"`) runs nothing
    const code = /^\s*(?:echo|printf)\b/.test(line) ? '' : line.replace(/(^|\s)#.*$/, '');
    for (const m of code.matchAll(FLAG)) {
      const value = m[1] ?? m[2] ?? 'true';
      if (/^(?:False|false|0)$/.test(value)) continue;
      const start = offset + (m.index ?? 0);
      out.push({ key: 'trust_remote_code', value: { kind: 'bool', value: true }, span: index.span(start, start + m[0].length) });
    }
    offset += line.length + 1;
  }
  return out;
}
