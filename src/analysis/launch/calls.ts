/**
 * From shell words to script calls: strips prefixes (`VAR=1`, `nohup`, `sudo -E`, `env`, `uv run`),
 * recognises interpreters and launchers, and lists the repo paths a target may denote. Pure: nothing
 * here looks at the file tree. Words holding expansions are never targets (unknown is not missing).
 */
import type { ScriptCallFact, ScriptRunner, Span } from '../facts.js';
import {
  LAUNCHERS,
  PREFIXES,
  PYTHON_VALUE_FLAGS,
  RUN_WRAPPERS,
  SBATCH,
  isExternalModule,
  optionName,
  type PrefixSpec,
} from './options.js';
import { basenameOf, dirnameOf, isAbsoluteTarget, joinRel, moduleCandidates, pathCandidates, uniq } from './paths.js';
import { REDIRECT_RE, SEPARATORS, redirectNeedsTarget, tokenize, type TokenError, type Word } from './words.js';

export interface FoundCall {
  runner: ScriptRunner;
  target: string;
  module: boolean;
  candidates: string[];
  /** The target word, with offsets in the analysed text. */
  word: Word;
}

export interface AnalysisOptions {
  /** Repo-relative path of the file holding the commands. */
  callerPath: string;
  /** Repo-relative directory the commands start in when the file says so (`working-directory:`). */
  cwd?: string | null;
  /** For text that merely looks like a command: accept only targets with a script extension. */
  strict?: boolean;
}

interface Env {
  callerPath: string;
  callerDir: string;
  strict: boolean;
  depth: number;
}

const PYTHON_RE = /^(?:python|pypy)(?:\d+(?:\.\d+)*)?$/;
const ASSIGN_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=/;
const MODULE_RE = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;
const SCRIPT_EXT_RE = /\.(?:py|sh|bash)$/;
/** Reserved words that may open a command without being it (`then python x.py`, `! bash y.sh`). */
const KEYWORDS: ReadonlySet<string> = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', '}', 'fi', 'done', 'esac']);
/** Compound-command headers whose words are not a command (`for f in a b`, `case $x in`). */
const HEADERS: ReadonlySet<string> = new Set(['for', 'case', 'select']);
/** node (and tsx, bun, deno) options that take a separate value; normalised by `optionName`. */
const NODE_VALUES: ReadonlySet<string> = new Set(['r', 'require', 'import', 'loader', 'experimental_loader', 'input_type', 'C', 'conditions', 'env_file', 'title', 'tsconfig', 'config', 'inspect_port', 'stack_size', 'max_old_space_size', 'A', 'allow_read', 'allow_write', 'allow_net', 'allow_env']);
const NODE_SCRIPT_RE = /\.[cm]?[jt]sx?$/;
/** Options after which node runs no script file. */
const NODE_STOPS: ReadonlySet<string> = new Set(['e', 'eval', 'p', 'print', 'i', 'interactive', 'v', 'version', 'h', 'help', 'c', 'check']);
/** `bash -c` and `$(…)` nest; deeper nesting is left unanalysed. */
const MAX_DEPTH = 8;

/** Files sourced to set up an environment, not repo scripts: virtualenv `activate`, `.env` files. */
function isEnvironmentFile(target: string): boolean {
  const base = basenameOf(target);
  return base === 'activate' || base.startsWith('.env');
}

class CommandAnalysis {
  readonly out: FoundCall[] = [];

  constructor(
    private readonly env: Env,
    /** Directories the shell may be in after `cd`, most likely first; null when only the defaults apply. */
    private cwd: string[] | null,
  ) {}

  /** Analyse a word stream: split into simple commands at separators, drop redirections. */
  run(words: readonly Word[]): void {
    const saved: Array<string[] | null> = [];
    let cmd: Word[] = [];
    let skipTarget = false;
    for (const word of words) {
      if (skipTarget) {
        skipTarget = false;
        if (word.kind === 'word') continue;
      }
      if (word.kind === 'redir') {
        skipTarget = redirectNeedsTarget(word.text);
        continue;
      }
      if (word.kind === 'op') {
        this.command(cmd, 0, false);
        cmd = [];
        if (word.text === '(') saved.push(this.cwd);
        else if (word.text === ')' && saved.length > 0) this.cwd = saved.pop() ?? null;
        continue;
      }
      cmd.push(word);
    }
    this.command(cmd, 0, false);
  }

  private command(cmd: readonly Word[], i: number, pythonScripts: boolean): void {
    for (;;) {
      const word = cmd[i];
      if (word === undefined) return;
      const text = word.text;
      if (ASSIGN_RE.test(text) || KEYWORDS.has(text)) {
        i++;
        continue;
      }
      if (word.dynamic || HEADERS.has(text)) return;
      if (text === 'function') {
        i += 2;
        continue;
      }
      if (text === 'cd' || text === 'pushd') return this.changeDir(cmd, i + 1);
      if (text === 'popd') {
        this.cwd = null;
        return;
      }
      const prefix = PREFIXES.get(basenameOf(text));
      if (prefix === undefined) break;
      const next = skipOptions(cmd, i + 1, prefix);
      if (next === null) return;
      i = next.index;
    }
    this.commandWord(cmd, i, pythonScripts);
  }

  private commandWord(cmd: readonly Word[], i: number, pythonScripts: boolean): void {
    const word = cmd[i];
    if (word === undefined) return;
    const text = word.text;
    const base = basenameOf(text);
    if (PYTHON_RE.test(base)) return this.python(cmd, i + 1);
    switch (base) {
      case 'bash':
        return this.shell(cmd, i + 1, 'bash');
      case 'sh':
      case 'dash':
        return this.shell(cmd, i + 1, 'sh');
      case 'source':
      case '.':
        if (text === base) this.emitPath('source', cmd[i + 1]);
        return;
      case 'accelerate':
        if (cmd[i + 1]?.text === 'launch') this.launcher('accelerate', cmd, i + 2);
        return;
      case 'accelerate-launch':
        return this.launcher('accelerate', cmd, i + 1);
      case 'torchrun':
      case 'deepspeed':
        return this.launcher(base, cmd, i + 1);
      case 'sbatch':
        return this.sbatch(cmd, i + 1);
      case 'node':
      case 'nodejs':
      case 'tsx':
      case 'ts-node':
      case 'ts-node-esm':
      case 'bun':
        return this.node(cmd, cmd[i + 1]?.text === 'run' && base === 'bun' ? i + 2 : i + 1);
      case 'deno':
        if (cmd[i + 1]?.text === 'run') this.node(cmd, i + 2);
        return;
      case 'npx':
      case 'pnpx':
        return this.npx(cmd, i + 1);
    }
    const wrapper = RUN_WRAPPERS.get(base);
    if (wrapper !== undefined && cmd[i + 1]?.text === 'run') {
      const next = skipOptions(cmd, i + 2, wrapper);
      if (next === null) return;
      if (next.module) return this.emitModule('python', cmd[next.index]);
      return this.command(cmd, next.index, wrapper.pythonScripts);
    }
    if (pythonScripts && text.endsWith('.py')) return this.emitPath('python', word);
    if (text.includes('/') && SCRIPT_EXT_RE.test(text)) this.emitPath('direct', word);
  }

  private python(cmd: readonly Word[], j: number): void {
    for (;;) {
      const word = cmd[j];
      if (word === undefined || word.dynamic || word.text === '-') return;
      const arg = word.text;
      if (arg.startsWith('--')) {
        j += arg === '--check-hash-based-pycs' ? 2 : 1;
        continue;
      }
      if (!arg.startsWith('-') || arg.length === 1) return this.emitPath('python', word);
      let step = 1;
      for (let k = 1; k < arg.length; k++) {
        const flag = arg[k] as string;
        if (!PYTHON_VALUE_FLAGS.includes(flag)) continue;
        const rest = arg.slice(k + 1);
        if (flag === 'c') return;
        if (flag === 'm') {
          const module = rest === '' ? cmd[j + 1] : { ...word, text: rest };
          return this.pythonModule(cmd, module, j + (rest === '' ? 2 : 1));
        }
        step = rest === '' ? 2 : 1;
        break;
      }
      j += step;
    }
  }

  private pythonModule(cmd: readonly Word[], module: Word | undefined, next: number): void {
    if (module === undefined || module.dynamic) return;
    switch (module.text) {
      case 'torch.distributed.run':
      case 'torch.distributed.launch':
        return this.launcher('torchrun', cmd, next);
      case 'accelerate.commands.launch':
        return this.launcher('accelerate', cmd, next);
      case 'deepspeed.launcher.runner':
        return this.launcher('deepspeed', cmd, next);
    }
    this.emitModule('python', module);
  }

  /** `node [options] script.js`, and tsx, ts-node, bun, deno run: options, then the script. */
  private node(cmd: readonly Word[], j: number): void {
    for (;;) {
      const word = cmd[j];
      if (word === undefined || word.dynamic) return;
      const arg = word.text;
      // `bun run build`, `node .`: a package script or a folder, not a file that must exist
      if (!arg.startsWith('-') || arg === '-') return NODE_SCRIPT_RE.test(arg) ? this.emitPath('node', word) : undefined;
      const name = optionName(arg);
      // evaluated code or a REPL, not a script
      if (NODE_STOPS.has(name)) return;
      j += !arg.includes('=') && NODE_VALUES.has(name) ? 2 : 1;
    }
  }

  /** `npx [options] tool …`: the tool runs as a command (`npx tsx gen.ts`). */
  private npx(cmd: readonly Word[], j: number): void {
    while (cmd[j]?.text.startsWith('-')) j += ['-p', '--package', '-c', '--call'].includes(cmd[j]?.text ?? '') ? 2 : 1;
    this.command(cmd, j, false);
  }

  private shell(cmd: readonly Word[], j: number, runner: 'bash' | 'sh'): void {
    for (;;) {
      const word = cmd[j];
      if (word === undefined || word.dynamic || word.text === '-') return;
      const arg = word.text;
      if (arg === '--') return this.emitPath(runner, cmd[j + 1]);
      if (arg.startsWith('--')) {
        j += arg === '--rcfile' || arg === '--init-file' ? 2 : 1;
        continue;
      }
      if (!/^[-+]./.test(arg)) return this.emitPath(runner, word);
      const flags = arg.slice(1);
      if (flags.includes('s')) return;
      const values = (flags.match(/[oO]/g) ?? []).length;
      if (flags.includes('c')) {
        let k = j + 1 + values;
        while (cmd[k] !== undefined && /^[-+]./.test(cmd[k]?.text ?? '')) k++;
        return this.inline(cmd[k]);
      }
      j += 1 + values;
    }
  }

  /** `accelerate launch`, `torchrun`, `deepspeed`: options (known or guessed), then a script or module. */
  private launcher(runner: keyof typeof LAUNCHERS, cmd: readonly Word[], j: number): void {
    const spec = LAUNCHERS[runner];
    let module = false;
    // `torchrun $DIST_ARGS train.py`: an unknown word of options; afterwards only trust what is certain.
    let sawDynamic = false;
    for (;;) {
      const word = cmd[j];
      if (word === undefined) return;
      const arg = word.text;
      if (arg.startsWith('-') && arg.length > 1) {
        const name = optionName(arg);
        if (spec.module.has(name)) module = true;
        else if (!arg.includes('=') && !spec.flags.has(name)) {
          if (spec.values.has(name)) j++;
          else if (sawDynamic) return;
          else {
            const next = cmd[j + 1];
            // An unknown option takes a value unless the next word is plainly the script.
            if (next !== undefined && !next.text.startsWith('-') && !SCRIPT_EXT_RE.test(next.text)) j++;
          }
        }
        j++;
        continue;
      }
      if (word.dynamic) {
        sawDynamic = true;
        j++;
        continue;
      }
      if (sawDynamic && !module && !SCRIPT_EXT_RE.test(arg)) return;
      return module ? this.emitModule(runner, word) : this.emitPath(runner, word);
    }
  }

  private sbatch(cmd: readonly Word[], j: number): void {
    for (;;) {
      const word = cmd[j];
      if (word === undefined) return;
      const arg = word.text;
      if (!arg.startsWith('-') || arg.length === 1) return this.emitPath('direct', word);
      const name = optionName(arg);
      const eq = arg.indexOf('=');
      if (name === 'wrap') return this.inline(eq < 0 ? cmd[j + 1] : { ...word, text: arg.slice(eq + 1) });
      j += eq < 0 ? 1 + (SBATCH.values.get(name) ?? 0) : 1;
    }
  }

  /** A command string run by another shell (`bash -c '…'`); its calls point at the string's word. */
  private inline(word: Word | undefined): void {
    if (word === undefined || this.env.depth >= MAX_DEPTH) return;
    const inner = analyze(word.text, { ...this.env, depth: this.env.depth + 1 }, this.cwd);
    for (const call of inner.calls) this.out.push({ ...call, word: { ...call.word, start: word.start, end: word.end } });
  }

  private changeDir(cmd: readonly Word[], j: number): void {
    while (/^-[LPe@]+$/.test(cmd[j]?.text ?? '')) j++;
    const word = cmd[j];
    if (word === undefined || word.dynamic || word.text === '-' || isAbsoluteTarget(word.text)) {
      this.cwd = null;
      return;
    }
    const bases = this.cwd ?? [this.env.callerDir, ''];
    const next = uniq(bases.map((base) => joinRel(base, word.text)).filter((path): path is string => path !== null));
    this.cwd = next.length > 0 ? next : null;
  }

  private emitPath(runner: ScriptRunner, word: Word | undefined): void {
    if (word === undefined || word.dynamic || word.kind !== 'word') return;
    const target = word.text;
    if (target === '' || target.startsWith('-')) return;
    if (this.env.strict && !SCRIPT_EXT_RE.test(target)) return;
    if (runner === 'source' && isEnvironmentFile(target)) return;
    const bases = uniq([...(this.cwd ?? []), this.env.callerDir, '']);
    this.out.push({ runner, target, module: false, candidates: pathCandidates(target, bases), word });
  }

  private emitModule(runner: ScriptRunner, word: Word | undefined): void {
    if (word === undefined || word.dynamic || word.kind !== 'word') return;
    const target = word.text;
    if (!MODULE_RE.test(target) || isExternalModule(target)) return;
    const bases = uniq([...(this.cwd ?? []), '', this.env.callerDir, 'src']);
    this.out.push({ runner, target, module: true, candidates: moduleCandidates(target, bases), word });
  }
}

/** Skip a prefix command's options; the index of the command it runs, or null when it runs none. */
function skipOptions(cmd: readonly Word[], j: number, spec: PrefixSpec): { index: number; module: boolean } | null {
  let positional = spec.positional ?? 0;
  let optionsDone = false;
  for (;;) {
    const word = cmd[j];
    if (word === undefined) return { index: j, module: false };
    const arg = word.text;
    if (!optionsDone && arg === '--') {
      optionsDone = true;
      j++;
      continue;
    }
    if (!optionsDone && arg.startsWith('-') && arg.length > 1) {
      const name = optionName(arg);
      if (spec.stops?.has(name) === true) return null;
      if (spec.module?.has(name) === true) return { index: j + 1, module: true };
      j += arg.includes('=') ? 1 : 1 + (spec.values.get(name) ?? 0);
      continue;
    }
    if (spec.assignments === true && ASSIGN_RE.test(arg)) {
      j++;
      continue;
    }
    if (positional > 0) {
      positional--;
      j++;
      continue;
    }
    return { index: j, module: false };
  }
}

function analyze(text: string, env: Env, cwd: string[] | null): { calls: FoundCall[]; errors: TokenError[] } {
  const tokens = tokenize(text);
  const analysis = new CommandAnalysis(env, cwd);
  analysis.run(tokens.words);
  const calls = analysis.out;
  if (env.depth < MAX_DEPTH) {
    for (const sub of tokens.subs) {
      const inner = analyze(text.slice(sub.start, sub.end), { ...env, depth: env.depth + 1 }, null);
      for (const call of inner.calls) {
        calls.push({ ...call, word: { ...call.word, start: call.word.start + sub.start, end: call.word.end + sub.start } });
      }
    }
  }
  calls.sort((a, b) => a.word.start - b.word.start);
  return { calls, errors: tokens.errors };
}

function envFor(options: AnalysisOptions): Env {
  return { callerPath: options.callerPath, callerDir: dirnameOf(options.callerPath), strict: options.strict ?? false, depth: 0 };
}

/**
 * Script calls in shell text, `$(…)` and backtick substitutions included; word offsets index `text`.
 * `cd` is followed within the text (candidates under the new directory come first).
 */
export function analyzeShellText(text: string, options: AnalysisOptions): { calls: FoundCall[]; errors: TokenError[] } {
  const cwd = options.cwd === undefined || options.cwd === null ? null : [options.cwd];
  return analyze(text, envFor(options), cwd);
}

/** Script calls in words that need no tokenizing (an argv list such as `["python", "x.py"]`). */
export function analyzeWords(words: readonly Word[], options: AnalysisOptions): FoundCall[] {
  const cwd = options.cwd === undefined || options.cwd === null ? null : [options.cwd];
  const analysis = new CommandAnalysis(envFor(options), cwd);
  analysis.run(words);
  return analysis.out;
}

export function toFact(call: FoundCall, span: Span, via: ScriptCallFact['via']): ScriptCallFact {
  return { runner: call.runner, target: call.target, module: call.module, candidates: call.candidates, span, via };
}

/** A word given as a plain string: separators and redirections by their text, expansions by `$`/backquote/glob. */
export function wordFromString(text: string): Word {
  const kind = SEPARATORS.has(text) ? 'op' : REDIRECT_RE.test(text) ? 'redir' : 'word';
  return { text, start: 0, end: 0, kind, dynamic: kind === 'word' && /[$`*?]/.test(text) };
}

/**
 * Script calls in one command's words (several commands when joined by separator words such as
 * `&&`), as `splitShellWords` or an argv list gives them. Every fact gets `ctx.span`.
 */
export function scriptCallsFromWords(
  words: string[],
  ctx: { callerPath: string; span: Span; via: ScriptCallFact['via'] },
): ScriptCallFact[] {
  return analyzeWords(words.map(wordFromString), { callerPath: ctx.callerPath }).map((call) => toFact(call, ctx.span, ctx.via));
}
