/**
 * The shell front end: the script calls and parse errors of a `.sh` or `.bash` file, as facts.
 */

import { emptyFacts, type FileFacts, type SettingFact } from '../facts.js';
import { analyzeShellText, toFact } from './calls.js';
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
