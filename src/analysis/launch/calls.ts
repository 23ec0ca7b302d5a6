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
import { basenameOf, dirnameOf, isAbsoluteTarget, joinRel, moduleCandidates, normalizeRel, pathCandidates, searchBases, uniq } from './paths.js';
import { REDIRECT_RE, SEPARATORS, redirectNeedsTarget, tokenize, type TokenError, type Tokens, type Word } from './words.js';

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

/** A shell variable's value as far as the file shows it; `anchored` when it is an exact repo path. */
interface Value {
  text: string;
  anchored: boolean;
}

const PYTHON_RE = /^(?:python|pypy)(?:\d+(?:\.\d+)*)?$/;
const ASSIGN_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=/;
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

/** `git clone` options that take a separate value. */
const GIT_CLONE_VALUES: ReadonlySet<string> = new Set(['b', 'branch', 'depth', 'o', 'origin', 'c', 'config', 'reference', 'filter', 'j', 'jobs', 'separate_git_dir', 'u', 'upload_pack', 'shallow_since', 'shallow_exclude', 'template', 'bundle_uri', 'server_option', 'revision']);

/** Commands that write a file or folder at run time: where, given their words after the command word. */
function writtenPaths(base: string, args: readonly Word[]): Word[] {
  const plain = args.filter((w) => w.kind === 'word');
  const operands = plain.filter((w) => !w.text.startsWith('-'));
  const valueOf = (...names: string[]): Word[] => {
    const out: Word[] = [];
    plain.forEach((w, k) => {
      const eq = w.text.indexOf('=');
      const name = eq < 0 ? w.text : w.text.slice(0, eq);
      if (!names.includes(name)) return;
      const value = eq < 0 ? plain[k + 1] : { ...w, text: w.text.slice(eq + 1) };
      if (value !== undefined) out.push(value);
    });
    return out;
  };
  switch (base) {
    case 'tee':
    case 'touch':
    case 'mkdir':
      return operands;
    case 'cp':
    case 'mv':
    case 'ln':
    case 'rsync':
    case 'install':
      return operands.length >= 2 ? operands.slice(-1) : [];
    case 'git': {
      if (plain[0]?.text !== 'clone') return [];
      const rest: Word[] = [];
      for (let k = 1; k < plain.length; k++) {
        const text = (plain[k] as Word).text;
        if (text.startsWith('-')) k += GIT_CLONE_VALUES.has(optionName(text)) && !text.includes('=') ? 1 : 0;
        else rest.push(plain[k] as Word);
      }
      const url = rest[0];
      if (rest[1] !== undefined) return [rest[1]];
      return url === undefined ? [] : [{ ...url, text: basenameOf(url.text).replace(/\.git$/, '') }];
    }
    case 'wget':
      return [...valueOf('-O', '--output-document', '-P', '--directory-prefix')];
    case 'curl': {
      const named = valueOf('-o', '--output');
      const url = operands.find((w) => w.text.includes('://'));
      if (url !== undefined && plain.some((w) => w.text === '--remote-name' || /^-[A-Za-z]*O[A-Za-z]*$/.test(w.text))) named.push({ ...url, text: basenameOf(url.text) });
      return named;
    }
    case 'unzip':
      return valueOf('-d');
    case 'tar':
      return valueOf('-C', '--directory');
    case 'huggingface-cli':
    case 'hf':
      return valueOf('--local-dir');
  }
  return [];
}

class CommandAnalysis {
  readonly out: FoundCall[] = [];
  private readonly dirs: Cwd[] = [];

  constructor(
    private readonly env: Env,
    private cwd: Cwd,
    /** Shell variables assigned so far; null for one whose value the file does not show. */
    private readonly vars: Map<string, Value | null> = new Map(),
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
        const inner = new CommandAnalysis({ ...this.env, depth: this.env.depth + 1 }, this.cwd, new Map(this.vars), this.expanded);
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
    const cmd = words.map((word) => this.expand(word));
    const assignments: Word[] = [];
    for (;;) {
      const word = cmd[i];
      if (word === undefined) {
        // nothing but `NAME=value` words: they set shell variables
        for (const assignment of assignments) this.assign(assignment);
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
        if (text !== 'case' && cmd[i + 1] !== undefined) this.vars.set(cmd[i + 1]?.text ?? '', null);
        return;
      }
      if (word.dynamic) return;
      if (DECLARATIONS.has(text)) return this.declare(cmd, i + 1);
      if (text === 'read') {
        for (const arg of cmd.slice(i + 1)) if (!arg.text.startsWith('-')) this.vars.set(arg.text, null);
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
    const inner = new CommandAnalysis({ ...this.env, depth: this.env.depth + 1 }, this.cwd, new Map(), this.expanded || word.dynamic);
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
    const resolved = this.expand(word);
    if (resolved.dynamic || resolved.text === '' || isAbsoluteTarget(resolved.text)) return;
    if (resolved.anchored === true) {
      this.env.runtime.add(resolved.text);
      return;
    }
    const { bases, unknown } = this.bases();
    if (unknown) return;
    for (const path of pathCandidates(resolved.text, bases)) this.env.runtime.add(path);
  }

  /** `NAME=value` as a command of its own: a shell variable the rest of the text may use. */
  private assign(word: Word): void {
    const eq = word.text.indexOf('=');
    const name = word.text.slice(0, eq).replace(/\+$/, '');
    if (!/^[A-Za-z_]\w*$/.test(name) || word.text[eq - 1] === '+') {
      this.vars.set(name.replace(/\[.*$/, ''), null);
      return;
    }
    this.vars.set(name, this.valueOf(word.raw !== undefined ? word.raw.slice(word.raw.indexOf('=') + 1) : word.text.slice(eq + 1), word));
  }

  /** `export A=1 B`, `local x=…`: assignments set variables; a bare name keeps its value. */
  private declare(cmd: readonly Word[], j: number): void {
    for (const word of cmd.slice(j)) {
      if (ASSIGN_RE.test(word.text)) this.assign(word);
      else if (!word.text.startsWith('-') && /^[A-Za-z_]\w*$/.test(word.text) && !this.vars.has(word.text)) this.vars.set(word.text, null);
    }
  }

  /** The value of an assignment's right-hand side, as written, or null when it depends on run time. */
  private valueOf(text: string, word: Word): Value | null {
    if (!word.dynamic && word.raw === undefined) return /[*?]/.test(text) ? null : { text, anchored: false };
    return this.expandText(text);
  }

  /** A word with the expansions the file itself defines replaced; unchanged when it has none or they are unknown. */
  private expand(word: Word): Word {
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
    if (this.env.selfPath && rest.startsWith('$(')) {
      const compact = rest.replace(/["'\s]/g, '');
      const m = SELF_DIR_RE.exec(compact);
      if (m !== null) {
        const path = joinRel(this.env.callerDir, `${m[1] ?? ''}/.${compact.slice(m[0].length)}`.replace(/^\/+/, ''));
        if (path === null) return null;
        anchored = true;
        rest = path;
        if (rest === '') return { text: '', anchored };
      }
    }
    let first = true;
    let failed = false;
    const out = rest.replace(VAR_RE, (all, braced: string | undefined, bare: string | undefined, at: number) => {
      const value = this.vars.get(braced ?? bare ?? '');
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

/** The longest text an expansion may produce before it counts as unknown. */
const MAX_EXPANDED = 4096;

/** How many option words follow at `j` (`cd -P dir`, `pushd -n dir`). */
function countOptions(cmd: readonly Word[], j: number): number {
  let k = j;
  while (/^-[LPe@n]+$/.test(cmd[k]?.text ?? '')) k++;
  return k - j;
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
