/**
 * Script calls in Python: commands handed to `subprocess`/`os.system`, argv lists that look like
 * commands, and calls of the file's own wrappers whose parameter reaches one of those
 * (`run_step(name, [SCRIPTS / "gen.py", …])`, `run_cmd(cmd)`). Values are evaluated as far as the file
 * shows them: string literals and f-strings, `sys.executable`, and paths built from `__file__` with
 * `Path`, `/`, `.parent`, `os.path.join`/`dirname` and module constants (`SCRIPTS = ROOT / "scripts"`),
 * which become exact repo paths. Anything else is unknown, and an unknown word is never a target.
 */

import type { PyNode as Node } from './flat-tree.js';
import type { CallFact, ScriptCallFact, Span } from '../facts.js';
import { scriptCallsFromWords, splitShellWords, type ArgWord, type Cwd } from '../launch/index.js';
import { dirnameOf, normalizeRel, pathCandidates, searchBases } from '../launch/paths.js';
import { ROOT, ValueEvaluator, argumentNodes, pickBinding, str, type Assignment, type CommandHost, type Val } from './command-values.js';
import type { Scope } from './scopes.js';

/** Calls that run a command: their first argument (or `args=`/`cmd=`) is an argv list or a shell string. */
const RUNNERS = new Set([
  'subprocess.run',
  'subprocess.call',
  'subprocess.check_call',
  'subprocess.check_output',
  'subprocess.Popen',
  'subprocess.getoutput',
  'subprocess.getstatusoutput',
  'os.system',
  'os.popen',
  'asyncio.create_subprocess_shell',
]);
/** Runners whose positional arguments are the argv words themselves. */
const SPREAD_RUNNERS = new Set(['asyncio.create_subprocess_exec']);
/** IPython's `!cmd` as a `.py` export writes it (`get_ipython().system("…")`). */
const IPYTHON_SHELL = /^get_ipython\(\)\.(?:system|getoutput)$/;
const CHDIR = new Set(['os.chdir']);

/** A list that may be a command: `["python", …]`, `[sys.executable, …]`. Tested on text, cheaply. */
export const COMMAND_LIST_START =
  /^[[(]\s*(?:[rbu]?["'](?:[^"']*\/)?(?:python[0-9.]*|bash|sh|source|accelerate|torchrun|deepspeed|uv|poetry|conda|nohup)["']|sys\.executable)/;

interface FunctionDef {
  qualname: string;
  params: string[];
  scope: Scope;
  method: boolean;
}

/** A function whose parameter reaches a runner: calling it with a literal argv runs that argv. */
interface Wrapper {
  def: FunctionDef;
  param: string;
  /** Words the function puts before the parameter's (`[sys.executable, *args]`). */
  prefix: Val[];
  shell: boolean;
  cwd: Cwd | { param: string };
}

interface CallSite {
  node: Node;
  fact: CallFact;
  scope: Scope;
}

/**
 * Records, during the extractor's single pass, what script-call resolution needs later: assignment
 * values by scope, function definitions, and argv-looking lists. `find` runs once the pass is done.
 */
export class CommandRecorder {
  private readonly assignments = new Map<Scope, Map<string, Assignment[]>>();
  private readonly functions: FunctionDef[] = [];
  private readonly lists: Array<{ node: Node; scope: Scope }> = [];
  private readonly values: ValueEvaluator;

  constructor(private readonly host: CommandHost) {
    this.values = new ValueEvaluator(host, this.assignments);
  }

  assign(name: string, value: Node | null, scope: Scope, line: number): void {
    if (value === null) return;
    let names = this.assignments.get(scope);
    if (names === undefined) this.assignments.set(scope, (names = new Map()));
    const list = names.get(name);
    if (list) list.push({ line, node: value });
    else names.set(name, [{ line, node: value }]);
  }

  def(qualname: string, params: string[], scope: Scope, method: boolean): void {
    this.functions.push({ qualname, params, scope, method });
  }

  /** A list literal whose text starts like a command; read later as an argv of its own. */
  list(node: Node, scope: Scope, src: string): void {
    if (COMMAND_LIST_START.test(src.slice(node.startIndex, node.startIndex + 64))) this.lists.push({ node, scope });
  }

  /** Every script call of the file, given all its calls (with their nodes and scopes). */
  find(calls: readonly CallSite[]): ScriptCallFact[] {
    const out: ScriptCallFact[] = [];
    const seen = new Set<string>();
    const add = (facts: ScriptCallFact[]): void => {
      for (const f of facts) {
        // one call per target and line: a list inside a runner call is also a command list of its own
        const key = `${f.span.line}:${f.target}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(f);
      }
    };
    const cwdAt = this.directoryChanges(calls);

    for (const site of calls) {
      const command = this.runnerCommand(site);
      if (command === null) continue;
      const cwdNode = argumentNodes(site.node).keyword.get('cwd');
      const cwd = cwdNode !== undefined && cwdNode.type !== 'none' ? this.cwdOf(this.values.evaluate(cwdNode, site.scope)) : cwdAt(site);
      const via = site.fact.qname.startsWith('os.') || IPYTHON_SHELL.test(site.fact.callee) ? 'os.system' : 'subprocess';
      add(this.factsFor(command.value, command.nodes, site.fact.span, via, cwd));
    }

    // a wrapper needs a runner inside a function: most files have none, and pay nothing more
    const wrappers = calls.some((c) => isRunnerCall(c.fact) && c.fact.scope !== '<module>') ? this.wrappers(calls) : [];
    if (wrappers.length > 0) {
      for (const site of calls) {
        for (const wrapper of this.wrappersCalled(site, wrappers)) {
          const arg = this.argumentFor(site, wrapper.def, wrapper.param);
          if (arg === undefined) continue;
          let value = this.values.evaluate(arg, site.scope);
          let nodes: Array<Node | null> = [arg];
          if (value.kind === 'list') {
            nodes = [...wrapper.prefix.map(() => null), ...value.nodes];
            value = { kind: 'list', items: [...wrapper.prefix, ...value.items], nodes };
          } else if (wrapper.prefix.length > 0) continue;
          let cwd: Cwd = cwdAt(site);
          if (wrapper.cwd !== null && typeof wrapper.cwd === 'object' && 'param' in wrapper.cwd) {
            const given = this.argumentFor(site, wrapper.def, wrapper.cwd.param);
            if (given !== undefined) cwd = this.cwdOf(this.values.evaluate(given, site.scope));
          } else if (wrapper.cwd !== null) cwd = wrapper.cwd as Cwd;
          add(this.factsFor(value, nodes, site.fact.span, wrapper.shell ? 'os.system' : 'subprocess', cwd));
        }
      }
    }

    for (const { node, scope } of this.lists) {
      const value = this.values.evaluate(node, scope);
      if (value.kind !== 'list') continue;
      // a list that merely starts with a shell name (`['bash', 'ksh']`) is a command only if it names a script
      add(this.factsFor(value, value.nodes, this.host.span(node), 'command-list', null).filter((f) => f.module || /\.(?:py|sh|bash)$/.test(f.target) || /\.(?:py|sh|bash)$/.test(f.candidates[0] ?? '')));
    }
    return out;
  }

  /**
   * Where the process is after each `os.chdir` (or notebook `%cd`), in line order: a later call runs
   * there. A change to a folder the file does not show makes every later relative target unknown.
   */
  private directoryChanges(calls: readonly CallSite[]): (site: CallSite) => Cwd {
    const changes: Array<{ line: number; dir: Val | null }> = [];
    for (const c of calls) {
      if (!CHDIR.has(c.fact.qname) && !isCdMagic(c.fact)) continue;
      const dir = argumentNodes(c.node).positional[isCdMagic(c.fact) ? 1 : 0];
      changes.push({ line: c.fact.span.line, dir: dir === undefined ? null : this.values.evaluate(dir, c.scope) });
    }
    // `%cd dir` and `!cd dir` lines of a notebook saved as .py are no Python, but they move the process
    const magic = /^[ \t]*[%!]cd\b/gm;
    for (let m = magic.exec(this.host.source); m !== null; m = magic.exec(this.host.source)) {
      changes.push({ line: this.host.source.slice(0, m.index).split('\n').length, dir: null });
    }
    if (changes.length === 0) return () => null;
    changes.sort((a, b) => a.line - b.line);
    const states: Array<{ line: number; cwd: Cwd }> = [];
    let cwd: Cwd = null;
    for (const { line, dir } of changes) {
      const relative = dir?.kind === 'str' && !dir.value.startsWith(ROOT) && !dir.value.startsWith('/') && !dir.value.includes('${_}') ? dir.value : null;
      if (dir === null) cwd = 'unknown';
      else if (relative === null || cwd === null) cwd = this.cwdOf(dir) ?? cwd;
      else if (cwd !== 'unknown') {
        // relative to the folder an earlier change went to
        const next: string[] = cwd.map((base) => normalizeRel(`${base}/${relative}`)).filter((p): p is string => p !== null);
        cwd = next.length > 0 ? next : 'unknown';
      }
      states.push({ line, cwd });
    }
    return (site) => {
      let at: Cwd = null;
      for (const s of states) if (s.line < site.fact.span.line) at = s.cwd;
      return at;
    };
  }

  /** The command a runner call runs, evaluated; null when the call runs none. */
  private runnerCommand(site: CallSite): { value: Val; nodes: Array<Node | null> } | null {
    const { fact, node, scope } = site;
    if (!isRunnerCall(fact) && !SPREAD_RUNNERS.has(fact.qname)) return null;
    const args = argumentNodes(node);
    if (SPREAD_RUNNERS.has(fact.qname)) {
      const items = args.positional.map((n) => this.values.evaluate(n, scope));
      return { value: { kind: 'list', items, nodes: args.positional }, nodes: args.positional };
    }
    const arg = args.positional[0] ?? args.keyword.get('args') ?? args.keyword.get('cmd');
    if (arg === undefined) return null;
    const value = this.values.evaluate(arg, scope);
    return { value, nodes: value.kind === 'list' ? value.nodes : [arg] };
  }

  /** Facts for an evaluated command: an argv list, or a string read as shell words. */
  private factsFor(value: Val, nodes: Array<Node | null>, fallback: Span, via: ScriptCallFact['via'], cwd: Cwd): ScriptCallFact[] {
    const ctx = { callerPath: this.host.file, span: fallback, via, cwd };
    if (value.kind === 'str') return scriptCallsFromWords(splitShellWords(value.value).map((w) => wordOf(str(w), null)), ctx);
    if (value.kind !== 'list') return [];
    const words = value.items.map((item, k) => wordOf(item, nodes[k] ? this.host.text(nodes[k] as Node) : null));
    const facts = scriptCallsFromWords(words, ctx);
    for (const f of facts) {
      const k = words.findIndex((w) => (typeof w === 'string' ? w : (w.raw ?? w.text)) === f.target);
      const node = k >= 0 ? nodes[k] : null;
      if (node) f.span = this.host.span(node);
    }
    return facts;
  }

  private cwdOf(value: Val): Cwd {
    if (value.kind === 'unknown') return 'unknown';
    if (value.kind !== 'str') return 'unknown';
    const word = wordOf(value, null);
    if (typeof word !== 'string') {
      if (word.dynamic === true) return 'unknown';
      return [word.text];
    }
    if (word.startsWith('/') || word.startsWith('~')) return 'unknown';
    const dirs = pathCandidates(word, searchBases(dirnameOf(this.host.file)));
    return dirs.length > 0 ? dirs : word === '' || word === '.' ? null : 'unknown';
  }

  // ---- wrappers --------------------------------------------------------------------------------

  /** Functions whose parameter reaches a runner (directly, or through another such function). */
  private wrappers(calls: readonly CallSite[]): Wrapper[] {
    const found: Wrapper[] = [];
    const byScope = new Map<Scope, FunctionDef>(this.functions.map((f) => [f.scope, f]));
    // one pass finds direct wrappers; later passes find wrappers of wrappers, until nothing changes
    for (let pass = 0; pass <= this.functions.length && pass < 8; pass++) {
      const before = found.length;
      for (const site of calls) {
        const def = byScope.get(site.scope);
        if (def === undefined) continue;
        for (const wrapper of this.wrapperAt(site, def, found)) {
          if (!found.some((w) => w.def === wrapper.def && w.param === wrapper.param)) found.push(wrapper);
        }
      }
      if (found.length === before) break;
    }
    return found;
  }

  /** The wrappers a call inside `def` makes of it: a runner given one of its parameters, or a known wrapper. */
  private wrapperAt(site: CallSite, def: FunctionDef, known: readonly Wrapper[]): Wrapper[] {
    const out: Wrapper[] = [];
    if (isRunnerCall(site.fact)) {
      const args = argumentNodes(site.node);
      const arg = args.positional[0] ?? args.keyword.get('args') ?? args.keyword.get('cmd');
      const reached = arg === undefined ? null : this.paramReached(arg, def, site);
      if (reached !== null) {
        const shell = site.fact.qname.startsWith('os.') || IPYTHON_SHELL.test(site.fact.callee) || isTrue(args.keyword.get('shell'), this.host);
        out.push({ def, param: reached.param, prefix: reached.prefix, shell: shell && reached.prefix.length === 0, cwd: this.wrapperCwd(args.keyword.get('cwd'), def, site) });
      }
      return out;
    }
    for (const inner of this.wrappersCalled(site, known)) {
      if (inner.def === def) continue; // a recursive wrapper adds nothing about itself
      const arg = this.argumentFor(site, inner.def, inner.param);
      const reached = arg === undefined ? null : this.paramReached(arg, def, site);
      if (reached === null || reached.prefix.length > 0) continue;
      const cwd = inner.cwd !== null && typeof inner.cwd === 'object' && 'param' in inner.cwd ? null : inner.cwd;
      out.push({ def, param: reached.param, prefix: inner.prefix, shell: inner.shell, cwd });
    }
    return out;
  }

  /** Which parameter of `def` an argument passes on unchanged, with words put before it. */
  private paramReached(arg: Node, def: FunctionDef, site: CallSite): { param: string; prefix: Val[] } | null {
    const param = (node: Node | null): string | null => {
      if (node?.type !== 'identifier') return null;
      const name = this.host.text(node);
      return def.params.includes(name) && this.isParameterHere(name, site) ? name : null;
    };
    if (arg.type === 'identifier') {
      const name = param(arg);
      return name === null ? null : { param: name, prefix: [] };
    }
    if (arg.type === 'call') {
      // `shlex.split(cmd)`, `" ".join(cmd)`: the same words
      const fn = arg.childForFieldName('function');
      const inner = argumentNodes(arg).positional[0];
      const callee = fn ? this.host.text(fn) : '';
      if (inner !== undefined && (callee === 'shlex.split' || /^["'] ["']\.join$/.test(callee))) {
        const name = param(inner);
        return name === null ? null : { param: name, prefix: [] };
      }
      return null;
    }
    if (arg.type === 'list') {
      // `[sys.executable, *args]`: known words, then the parameter's
      const items = arg.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
      const last = items[items.length - 1];
      if (last?.type !== 'list_splat') return null;
      const name = param(last.firstNamedChild);
      if (name === null) return null;
      return { param: name, prefix: items.slice(0, -1).map((n) => this.values.evaluate(n, site.scope)) };
    }
    return null;
  }

  private wrapperCwd(node: Node | undefined, def: FunctionDef, site: CallSite): Wrapper['cwd'] {
    if (node === undefined) return null;
    if (node.type === 'identifier') {
      const name = this.host.text(node);
      if (def.params.includes(name) && this.isParameterHere(name, site)) return { param: name };
    }
    return this.cwdOf(this.values.evaluate(node, site.scope));
  }

  /** True when `name` in the call's scope is still the parameter (not rebound before the call). */
  private isParameterHere(name: string, site: CallSite): boolean {
    const list = site.scope.bindings.get(name);
    const binding = list ? pickBinding(list, site.fact.span.line, true) : undefined;
    return binding?.line === 0;
  }

  /** The wrappers a call calls: by qualified name, or `self.name(…)` inside the wrapper's class. */
  private wrappersCalled(site: CallSite, wrappers: readonly Wrapper[]): Wrapper[] {
    const out: Wrapper[] = [];
    const { callee, qname, scope } = site.fact;
    for (const w of wrappers) {
      const full = this.host.moduleName ? `${this.host.moduleName}.${w.def.qualname}` : w.def.qualname;
      if (qname === full && !w.def.method) out.push(w);
      else if (w.def.method && /^(?:self|cls)\.\w+$/.test(callee)) {
        const cls = w.def.qualname.slice(0, w.def.qualname.lastIndexOf('.'));
        if (callee.slice(callee.indexOf('.') + 1) === w.def.qualname.slice(cls.length + 1) && scope.startsWith(`${cls}.`)) out.push(w);
      }
    }
    return out;
  }

  /** The argument node a call passes for `param` of `def`, by keyword or position. */
  private argumentFor(site: CallSite, def: FunctionDef, param: string): Node | undefined {
    const args = argumentNodes(site.node);
    const byName = args.keyword.get(param);
    if (byName !== undefined) return byName;
    const index = def.params.indexOf(param) - (def.method ? 1 : 0);
    return index >= 0 ? args.positional[index] : undefined;
  }


}

function isRunnerCall(fact: CallFact): boolean {
  return RUNNERS.has(fact.qname) || IPYTHON_SHELL.test(fact.callee);
}

function isCdMagic(fact: CallFact): boolean {
  if (fact.callee !== 'get_ipython().run_line_magic') return false;
  const magic = fact.args[0];
  return magic?.kind === 'str' && magic.value === 'cd';
}

function isTrue(node: Node | undefined, host: CommandHost): boolean {
  return node !== undefined && host.text(node) === 'True';
}

/** One argv word for the launch analysis: plain text, an exact repo path, or unknown. */
function wordOf(v: Val, raw: string | null): ArgWord {
  if (v.kind === 'python') return 'python';
  if (v.kind !== 'str') return { text: '$VALUE', dynamic: true };
  const at = v.value.indexOf(ROOT);
  if (at < 0) return v.value;
  const rel = at === 0 ? normalizeRel(v.value.slice(ROOT.length)) : null;
  if (rel === null || v.value.includes(ROOT, ROOT.length) || /[$`]/.test(rel)) return { text: '$VALUE', dynamic: true };
  return { text: rel, anchored: true, ...(raw !== null ? { raw } : {}) };
}
