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
  countOptions,
  isExternalModule,
  optionName,
  skipOptions,
} from './options.js';
import { basenameOf, dirnameOf, isAbsoluteTarget, joinRel, moduleCandidates, pathCandidates, searchBases, uniq } from './paths.js';
import { ShellVariables } from './variables.js';
import { ASSIGN_RE, redirectNeedsTarget, tokenize, type TokenError, type Tokens, type Word } from './words.js';
import { writtenPaths } from './written.js';

export interface FoundCall {
  runner: ScriptRunner;
  target: string;
  module: boolean;
  candidates: string[];
  /** The target word, with offsets in the analysed text. */
  word: Word;
  /** Why an absent target is not evidence of a missing script (see `ScriptCallFact`). */
  unknownWhenAbsent?: 'cwd' | 'runtime';
}

/**
 * The folder commands run in: null for the default (the caller's folder or the repo root, as callers
 * usually are), a list of repo-relative guesses after a `cd` the analysis could follow, or `unknown`
 * after one it could not (`cd "$WORK"`, `cd /tmp/x`, `cwd=tmpdir`).
 */
export type Cwd = readonly string[] | null | 'unknown';

export interface AnalysisOptions {
  /** Repo-relative path of the file holding the commands. */
  callerPath: string;
  /** Repo-relative directory the commands start in when the file says so (`working-directory:`). */
  cwd?: string | null;
  /** Where the commands start when more is known than a folder (Python's `cwd=` argument). */
  start?: Cwd;
  /** For text that merely looks like a command: accept only targets with a script extension. */
  strict?: boolean;
  /** `$0` is the analysed file itself (a shell script), so `$(dirname "$0")` is the file's folder. */
  selfPath?: boolean;
  /**
   * Repo-relative paths the text writes or fetches at run time (`> x.py`, `git clone … dir`); shared when
   * one file's commands come in several texts (the steps of a YAML document).
   */
  runtime?: Set<string>;
}

interface Env {
  callerPath: string;
  callerDir: string;
  strict: boolean;
  depth: number;
  selfPath: boolean;
  runtime: Set<string>;
}

const PYTHON_RE = /^(?:python|pypy)(?:\d+(?:\.\d+)*)?$/;
const MODULE_RE = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;
const SCRIPT_EXT_RE = /\.(?:py|sh|bash)$/;
/** Regex, glob and URL syntax: such a word is a pattern (`scripts/.*\.py`), never a file to run. */
const NOT_A_PATH_RE = /[\\^$*?[\]{}()|<>]|:\/\//;
/** Reserved words that may open a command without being it (`then python x.py`, `! bash y.sh`). */
const KEYWORDS: ReadonlySet<string> = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', '}', 'fi', 'done', 'esac']);
/** Compound-command headers whose words are not a command (`for f in a b`, `case $x in`). */
const HEADERS: ReadonlySet<string> = new Set(['for', 'case', 'select']);
/** Builtins whose `NAME=value` arguments set shell variables. */
const DECLARATIONS: ReadonlySet<string> = new Set(['export', 'local', 'declare', 'typeset', 'readonly']);
/** node (and tsx, bun, deno) options that take a separate value; normalised by `optionName`. */
const NODE_VALUES: ReadonlySet<string> = new Set(['r', 'require', 'import', 'loader', 'experimental_loader', 'input_type', 'C', 'conditions', 'env_file', 'title', 'tsconfig', 'config', 'inspect_port', 'stack_size', 'max_old_space_size', 'A', 'allow_read', 'allow_write', 'allow_net', 'allow_env']);
const NODE_SCRIPT_RE = /\.[cm]?[jt]sx?$/;
/** Options after which node runs no script file. */
const NODE_STOPS: ReadonlySet<string> = new Set(['e', 'eval', 'p', 'print', 'i', 'interactive', 'v', 'version', 'h', 'help', 'c', 'check']);
/** `bash -c` and `$(…)` nest; deeper nesting is left unanalysed. */
const MAX_DEPTH = 8;

/** Command words that run a script or another command (interpreters, launchers, prefixes). */
const RUNNER_WORDS: ReadonlySet<string> = new Set(['bash', 'sh', 'dash', 'source', 'accelerate', 'accelerate-launch', 'torchrun', 'deepspeed', 'sbatch', 'node', 'nodejs', 'tsx', 'ts-node', 'bun', 'deno', 'npx']);

function isRunner(base: string): boolean {
  return PYTHON_RE.test(base) || RUNNER_WORDS.has(base) || PREFIXES.has(base);
}

/** Files sourced to set up an environment, not repo scripts: virtualenv `activate`, `.env` files. */
function isEnvironmentFile(target: string): boolean {
  const base = basenameOf(target);
  return base === 'activate' || base.startsWith('.env') || base.endsWith('.env') || base === '.envrc';
}

class CommandAnalysis {
  readonly out: FoundCall[] = [];
  private readonly dirs: Cwd[] = [];

  constructor(
    private readonly env: Env,
    private cwd: Cwd,
    /** Shell variables assigned so far. */
    private readonly vars: ShellVariables = new ShellVariables(env),
    /** Text an outer shell handed over after expanding it: a `$` left in a word is unknown. */
    private readonly expanded = false,
  ) {}

  /** Tokenize and analyse shell text; command substitutions are analysed where they occur. */
  analyzeText(text: string): TokenError[] {
    const tokens = tokenize(text);
    if (this.expanded) for (const word of tokens.words) if (/[$`]/.test(word.text)) word.dynamic = true;
    this.run(tokens.words, tokens.subs, text);
    return tokens.errors;
  }

  /** Analyse a word stream: split into simple commands at separators, drop redirections. */
  run(words: readonly Word[], subs: Tokens['subs'] = [], text = ''): void {
    const saved: Cwd[] = [];
    const braces: Cwd[] = [];
    let cmd: Word[] = [];
    let target: 'skip' | 'write' | null = null;
    let nextSub = 0;
    // a substitution runs when its word is expanded: after the commands before it, in a subshell
    const flushSubs = (until: number): void => {
      for (; nextSub < subs.length && (subs[nextSub]?.start ?? until) < until; nextSub++) {
        const sub = subs[nextSub] as Tokens['subs'][number];
        if (this.env.depth >= MAX_DEPTH) continue;
        const inner = new CommandAnalysis({ ...this.env, depth: this.env.depth + 1 }, this.cwd, this.vars.copy(), this.expanded);
        inner.analyzeText(text.slice(sub.start, sub.end));
        for (const call of inner.out) {
          this.out.push({ ...call, word: { ...call.word, start: call.word.start + sub.start, end: call.word.end + sub.start } });
        }
      }
    };
    for (const word of words) {
      flushSubs(word.end);
      if (target !== null) {
        const kind = target;
        target = null;
        if (word.kind === 'word') {
          if (kind === 'write') this.written(word);
          continue;
        }
      }
      if (word.kind === 'redir') {
        if (redirectNeedsTarget(word.text)) target = word.text.includes('>') && !word.text.includes('<') ? 'write' : 'skip';
        continue;
      }
      if (word.kind === 'op') {
        this.command(cmd, 0, false);
        cmd = [];
        if (word.text === '(') saved.push(this.cwd);
        else if (word.text === ')' && saved.length > 0) this.cwd = saved.pop() ?? null;
        continue;
      }
      // a `{ … }` body (a function's, mostly) runs when called, not here: a `cd` in it does not last
      if (word.text === '{' && word.kind === 'word' && (cmd.length === 0 || (cmd.length === 2 && cmd[0]?.text === 'function'))) {
        braces.push(this.cwd);
        cmd = [];
        continue;
      } else if (cmd.length === 0 && word.text === '}' && word.kind === 'word' && braces.length > 0) this.cwd = braces.pop() ?? null;
      cmd.push(word);
    }
    this.command(cmd, 0, false);
    flushSubs(Number.POSITIVE_INFINITY);
  }

  private command(words: readonly Word[], i: number, pythonScripts: boolean): void {
    const cmd = words.map((word) => this.vars.expand(word));
    const assignments: Word[] = [];
    for (;;) {
      const word = cmd[i];
      if (word === undefined) {
        // nothing but `NAME=value` words: they set shell variables
        for (const assignment of assignments) this.vars.assign(assignment);
        return;
      }
      const text = word.text;
      if (ASSIGN_RE.test(text)) {
        assignments.push(word);
        i++;
        continue;
      }
      if (KEYWORDS.has(text)) {
        i++;
        continue;
      }
      if (HEADERS.has(text)) {
        // `for f in …`: the loop variable takes values the analysis does not follow
        if (text !== 'case' && cmd[i + 1] !== undefined) this.vars.unknown(cmd[i + 1]?.text ?? '');
        return;
      }
      if (word.dynamic) return;
      if (DECLARATIONS.has(text)) return this.vars.declare(cmd, i + 1);
      if (text === 'read') {
        for (const arg of cmd.slice(i + 1)) if (!arg.text.startsWith('-')) this.vars.unknown(arg.text);
        return;
      }
      if (text === 'function') {
        i += 2;
        continue;
      }
      if (text === 'cd') return this.changeDir(cmd[i + 1 + countOptions(cmd, i + 1)]);
      if (text === 'pushd') {
        this.dirs.push(this.cwd);
        return this.changeDir(cmd[i + 1 + countOptions(cmd, i + 1)]);
      }
      if (text === 'popd') {
        this.cwd = this.dirs.length > 0 ? (this.dirs.pop() ?? null) : 'unknown';
        return;
      }
      const prefix = PREFIXES.get(basenameOf(text));
      if (prefix === undefined) break;
      const next = skipOptions(cmd, i + 1, prefix);
      if (next === null) return;
      i = next.index;
    }
    const base = basenameOf((cmd[i] as Word).text);
    for (const path of writtenPaths(base, cmd.slice(i + 1))) this.written(path);
    const before = this.out.length;
    this.commandWord(cmd, i, pythonScripts);
    // after the script a command runs, or after an unknown tool's own words
    const emitted = this.out[before]?.word;
    if (emitted !== undefined) {
      const at = cmd.indexOf(emitted);
      if (at >= 0) this.afterDoubleDash(cmd, at + 1);
    } else if (!isRunner(base) && !RUN_WRAPPERS.has(base)) this.afterDoubleDash(cmd, i + 1);
  }

  /** `mason.py … -- python x.py`, `ray job submit -- bash run.sh`: a command handed on to another tool. */
  private afterDoubleDash(cmd: readonly Word[], from: number): void {
    for (let k = from; k < cmd.length - 1; k++) {
      if (cmd[k]?.text !== '--') continue;
      if (isRunner(basenameOf(cmd[k + 1]?.text ?? ''))) this.command(cmd, k + 1, false);
      return;
    }
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
    // an expansion in a double-quoted string is made by this shell, before the other one reads the text
    const inner = new CommandAnalysis({ ...this.env, depth: this.env.depth + 1 }, this.cwd, new ShellVariables(this.env), this.expanded || word.dynamic);
    inner.analyzeText(word.text);
    for (const call of inner.out) this.out.push({ ...call, word: { ...call.word, start: word.start, end: word.end } });
  }

  /** `cd DIR`: followed when DIR is known; otherwise where later relative targets live is unknown. */
  private changeDir(word: Word | undefined): void {
    if (word === undefined || word.dynamic || word.text === '-' || isAbsoluteTarget(word.text)) {
      this.cwd = 'unknown';
      return;
    }
    if (word.anchored === true) {
      this.cwd = [word.text];
      return;
    }
    if (this.cwd === 'unknown') return;
    const bases = this.cwd ?? searchBases(this.env.callerDir);
    const next = uniq(bases.map((base) => joinRel(base, word.text)).filter((path): path is string => path !== null));
    this.cwd = next.length > 0 ? next : 'unknown';
  }

  /** Folders a relative path is looked up in now; `unknown` when a `cd` went where the analysis cannot follow. */
  private bases(): { bases: readonly string[]; unknown: boolean } {
    if (this.cwd === 'unknown') return { bases: searchBases(this.env.callerDir), unknown: true };
    return { bases: this.cwd ?? searchBases(this.env.callerDir), unknown: false };
  }

  private emitPath(runner: ScriptRunner, word: Word | undefined): void {
    if (word === undefined || word.dynamic || word.kind !== 'word') return;
    const path = word.text;
    if (path === '' || path.startsWith('-') || NOT_A_PATH_RE.test(path)) return;
    if (this.env.strict && !SCRIPT_EXT_RE.test(path)) return;
    if (runner === 'source' && isEnvironmentFile(path)) return;
    const target = word.raw ?? path;
    if (word.anchored === true) {
      this.out.push({ runner, target, module: false, candidates: [path], word });
      return;
    }
    const { bases, unknown } = this.bases();
    const call: FoundCall = { runner, target, module: false, candidates: pathCandidates(path, bases), word };
    if (unknown && !isAbsoluteTarget(path)) call.unknownWhenAbsent = 'cwd';
    this.out.push(call);
  }

  private emitModule(runner: ScriptRunner, word: Word | undefined): void {
    if (word === undefined || word.dynamic || word.kind !== 'word') return;
    const target = word.text;
    if (!MODULE_RE.test(target) || isExternalModule(target)) return;
    // `python -m tests.x` in `pkg/tests/run.sh` is run from `pkg/`: a module resolves from the folder the
    // command runs in, the root, the caller's folder or any above it, and `src/` (an editable install)
    const bases = uniq([...(Array.isArray(this.cwd) ? this.cwd : []), '', ...searchBases(this.env.callerDir), 'src']);
    const call: FoundCall = { runner, target, module: true, candidates: moduleCandidates(target, bases), word };
    if (this.cwd === 'unknown') call.unknownWhenAbsent = 'cwd';
    this.out.push(call);
  }

  /** A file or folder the commands create (`> x.py`, `git clone url dir`): absent from the tree is expected. */
  private written(word: Word): void {
    const resolved = this.vars.expand(word);
    if (resolved.dynamic || resolved.text === '' || isAbsoluteTarget(resolved.text)) return;
    if (resolved.anchored === true) {
      this.env.runtime.add(resolved.text);
      return;
    }
    const { bases, unknown } = this.bases();
    if (unknown) return;
    for (const path of pathCandidates(resolved.text, bases)) this.env.runtime.add(path);
  }

}

function envFor(options: AnalysisOptions): Env {
  return {
    callerPath: options.callerPath,
    callerDir: dirnameOf(options.callerPath),
    strict: options.strict ?? false,
    depth: 0,
    selfPath: options.selfPath ?? false,
    runtime: options.runtime ?? new Set(),
  };
}

function startCwd(options: AnalysisOptions): Cwd {
  if (options.start !== undefined) return options.start;
  return options.cwd === undefined || options.cwd === null ? null : [options.cwd];
}

/**
 * Marks calls whose target the commands write or fetch themselves (`runtime`): a file made at run time is
 * not missing from the tree. Call once every text of a file is analysed.
 */
export function markRuntimeTargets(calls: FoundCall[], runtime: ReadonlySet<string>): void {
  if (runtime.size === 0) return;
  for (const call of calls) {
    if (call.unknownWhenAbsent !== undefined) continue;
    const made = call.candidates.some((candidate) => {
      for (let path = candidate; path !== ''; path = dirnameOf(path)) if (runtime.has(path)) return true;
      return false;
    });
    if (made) call.unknownWhenAbsent = 'runtime';
  }
}

/**
 * Script calls in shell text, `$(…)` and backtick substitutions included; word offsets index `text`.
 * `cd` and variables assigned in the text are followed; targets the text writes are marked unless the
 * caller shares `runtime` across texts (then it marks them itself).
 */
export function analyzeShellText(text: string, options: AnalysisOptions): { calls: FoundCall[]; errors: TokenError[] } {
  const env = envFor(options);
  const analysis = new CommandAnalysis(env, startCwd(options));
  const errors = analysis.analyzeText(text);
  const calls = analysis.out.sort((a, b) => a.word.start - b.word.start);
  if (options.runtime === undefined) markRuntimeTargets(calls, env.runtime);
  return { calls, errors };
}

/** Script calls in words that need no tokenizing (an argv list such as `["python", "x.py"]`). */
export function analyzeWords(words: readonly Word[], options: AnalysisOptions): FoundCall[] {
  const env = envFor(options);
  const analysis = new CommandAnalysis(env, startCwd(options));
  analysis.run(words);
  if (options.runtime === undefined) markRuntimeTargets(analysis.out, env.runtime);
  return analysis.out;
}

export function toFact(call: FoundCall, span: Span, via: ScriptCallFact['via']): ScriptCallFact {
  const fact: ScriptCallFact = { runner: call.runner, target: call.target, module: call.module, candidates: call.candidates, span, via };
  if (call.unknownWhenAbsent !== undefined) fact.unknownWhenAbsent = call.unknownWhenAbsent;
  return fact;
}

