/**
 * Scripts a TS/JS file runs through `child_process` (or execa): `spawn('python', ['scripts/x.py'])`,
 * `execSync('bash run.sh')`. The command words go through the same launcher analysis as shell files.
 */
import type { FileFacts, Literal, ScriptCallFact } from '../facts.js';
import { scriptCallsFromWords, splitShellWords } from '../launch/index.js';

/** Commands given as a program and an argument list. */
const ARGV_CALLS = /^(?:child_process\.(?:spawn|spawnSync|execFile|execFileSync)|execa(?:\.execa|\.execaSync)?)$/;
/** Commands given as one shell string. */
const SHELL_CALLS = /^(?:child_process\.(?:exec|execSync)|execa\.execaCommand(?:Sync)?)$/;

function word(l: Literal): string {
  if (l.kind === 'str') return l.value;
  if (l.kind === 'num') return String(l.value);
  if (l.kind === 'name' && (l.qname ?? l.text) === 'process.execPath') return 'node';
  return '$VALUE';
}

export function collectScriptCalls(facts: FileFacts): ScriptCallFact[] {
  const out: ScriptCallFact[] = [];
  for (const call of facts.calls) {
    if (!call.resolved) continue;
    const first = call.args[0];
    // `spawn(process.execPath, ['x.ts'])` runs node itself
    const program = first?.kind === 'str' ? first.value : first && word(first) === 'node' ? 'node' : null;
    if (program === null) continue;
    let words: string[] | null = null;
    if (ARGV_CALLS.test(call.qname)) {
      const rest = call.args[1];
      words = [program, ...(rest?.kind === 'list' ? rest.items.map(word) : [])];
    } else if (SHELL_CALLS.test(call.qname) && first?.kind === 'str') words = splitShellWords(first.value);
    if (words) out.push(...scriptCallsFromWords(words, { callerPath: facts.path, span: call.span, via: 'subprocess' }));
  }
  return out;
}
