/**
 * YAML front end (CI workflows, compose files, k8s specs, pre-commit, task runners): command strings
 * under command-holding keys, argv lists, and any string that starts like a launcher command.
 */
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Scalar } from 'yaml';
import { emptyFacts, SETTING_KEYS, type FileFacts, type Literal, type Span } from '../facts.js';
import { analyzeShellText, analyzeWords, markRuntimeTargets, toFact, type FoundCall } from './calls.js';
import { basenameOf, normalizeRel } from './paths.js';
import { LineIndex } from './spans.js';
import type { Word } from './words.js';

/** Keys whose string value, or each string of whose list, is a shell script (GitHub, GitLab, Travis, tox, Taskfile). */
const SCRIPT_KEYS: ReadonlySet<string> = new Set([
  'run', 'script', 'scripts', 'before_script', 'after_script', 'commands', 'cmds', 'install', 'before_install',
  'after_success', 'after_failure', 'before_deploy', 'after_deploy',
]);
/** Keys holding a command string or an argv list (compose, k8s, pre-commit `entry`). */
const ARGV_KEYS: ReadonlySet<string> = new Set(['command', 'cmd', 'entrypoint', 'entry', 'args', 'exec']);
/** First words that make any string worth reading as a command. */
const RUNNER_WORD_RE = /^(?:python[\d.]*|pypy[\d.]*|bash|sh|source|accelerate|accelerate-launch|torchrun|deepspeed|uv|poetry|pipenv|pdm|conda|mamba|micromamba|nohup|srun|sbatch)$/;
const SCRIPT_EXT_RE = /\.(?:py|sh|bash)$/;

type StringScalar = Scalar & { value: string; range: [number, number, number] };

function isStringScalar(node: unknown): node is StringScalar {
  return isScalar(node) && typeof node.value === 'string' && node.range !== undefined && node.range !== null;
}

/** A string that reads like a launcher command: `python x.py`, `CUDA_VISIBLE_DEVICES=0 torchrun …`, `./run.sh`. */
function looksLikeCommand(text: string): boolean {
  const first = /^\s*(?:[A-Za-z_]\w*=\S*\s+)*(\S+)/.exec(text)?.[1];
  if (first === undefined) return false;
  return RUNNER_WORD_RE.test(basenameOf(first)) || (first.startsWith('./') && SCRIPT_EXT_RE.test(first));
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** Escapes that decode to whitespace; they align with no non-space char of the value. */
const SPACE_ESCAPES = new Set(['t', 'n', 'r', ' ', '\t', '\n', '\r']);

/**
 * Maps offsets in a scalar's value to source ranges. Folding, indentation and line breaks only change
 * whitespace, so the n-th non-space char of the value comes from the n-th non-space char (or escape
 * sequence) of the scalar's source text.
 */
function valueToSource(node: StringScalar, source: string): { start(offset: number): number; end(offset: number): number } {
  const [rangeStart, valueEnd] = node.range;
  let from = rangeStart;
  let to = valueEnd;
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    const nl = source.indexOf('\n', rangeStart);
    from = nl < 0 ? valueEnd : nl + 1;
  } else if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    from = rangeStart + 1;
    to = valueEnd - 1;
  }
  const starts: number[] = [];
  const ends: number[] = [];
  for (let k = from; k < to; k++) {
    const c = source[k];
    let length = 1;
    let units = isSpace(c) ? 0 : 1;
    if (node.type === 'QUOTE_DOUBLE' && c === '\\') {
      const escape = source[k + 1] ?? '';
      length = escape === 'x' ? 4 : escape === 'u' ? 6 : escape === 'U' ? 10 : 2;
      units = SPACE_ESCAPES.has(escape) ? 0 : escape === 'U' && parseInt(source.slice(k + 2, k + 10), 16) > 0xffff ? 2 : 1;
    } else if (node.type === 'QUOTE_SINGLE' && c === "'" && source[k + 1] === "'") length = 2;
    for (let u = 0; u < units; u++) {
      starts.push(k);
      ends.push(k + length);
    }
    k += length - 1;
  }
  const value = node.value;
  const before: number[] = [];
  let count = 0;
  for (let k = 0; k < value.length; k++) {
    before.push(count);
    if (!isSpace(value[k])) count++;
  }
  const nonSpaceIndex = (offset: number): number => before[offset] ?? count;
  return {
    start: (offset) => {
      const k = nonSpaceIndex(offset);
      if (!isSpace(value[offset])) return starts[k] ?? rangeStart;
      return k === 0 ? from : (ends[k - 1] ?? rangeStart);
    },
    end: (offset) => {
      const k = nonSpaceIndex(offset);
      if (!isSpace(value[offset])) return ends[k] ?? valueEnd;
      return k === 0 ? from : (ends[k - 1] ?? valueEnd);
    },
  };
}

class YamlWalker {
  /** Calls of the current document with their source offsets, held until the whole document is read. */
  private pending: Array<{ call: FoundCall; start: number; end: number }> = [];
  /** What the document's steps write or fetch: a later step may run it (see `markRuntimeTargets`). */
  private runtime = new Set<string>();

  constructor(
    private readonly facts: FileFacts,
    private readonly lines: LineCounter,
    private readonly source: string,
  ) {}

  span(start: number, end: number): Span {
    const from = this.lines.linePos(start);
    const to = this.lines.linePos(Math.max(start, end));
    return { line: from.line, col: from.col, endLine: to.line, endCol: to.col };
  }

  visit(node: unknown, key: string | null, cwd: string | null): void {
    if (isStringScalar(node)) {
      if (key !== null && (SCRIPT_KEYS.has(key) || ARGV_KEYS.has(key))) this.shell(node, false, cwd);
      else if (looksLikeCommand(node.value)) this.shell(node, true, cwd);
      return;
    }
    if (isSeq(node)) {
      if (node.tag === '!reference') return;
      const items = node.items;
      if (key !== null && SCRIPT_KEYS.has(key)) {
        // GitLab flattens nested lists of script lines.
        for (const item of items) {
          if (isStringScalar(item)) this.shell(item, false, cwd);
          else this.visit(item, isSeq(item) ? key : null, cwd);
        }
        return;
      }
      const argv = argvOf(items);
      const first = argv?.[0]?.value;
      if (argv !== null && first !== undefined && typeof first === 'string' && !/\s/.test(first)) {
        if (key !== null && ARGV_KEYS.has(key)) return this.argv(argv, false, cwd);
        if (RUNNER_WORD_RE.test(basenameOf(first))) return this.argv(argv, true, cwd);
      }
      for (const item of items) this.visit(item, key !== null && ARGV_KEYS.has(key) ? key : null, cwd);
      return;
    }
    if (isMap(node)) {
      const values = new Map<string, unknown>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        values.set(name.toLowerCase(), pair.value);
        if (SETTING_KEYS.has(name) && isScalar(pair.value) && pair.key.range && pair.value.range) {
          (this.facts.settings ??= []).push({ key: name, value: scalarLiteral(pair.value.value), span: this.span(pair.key.range[0], pair.value.range[1]) });
        }
      }
      const workdir = values.get('working-directory');
      if (isStringScalar(workdir) && !workdir.value.includes('$')) cwd = normalizeRel(workdir.value) ?? cwd;
      const consumed = new Set<string>();
      // k8s `command` + `args`, compose `entrypoint` + `command`: one argv split over two keys.
      for (const [head, tail] of [['command', 'args'], ['entrypoint', 'command']] as const) {
        const headNode = values.get(head);
        const tailNode = values.get(tail);
        if (consumed.has(head) || consumed.has(tail) || !isSeq(headNode) || !isSeq(tailNode)) continue;
        const argv = argvOf([...headNode.items, ...tailNode.items]);
        if (argv === null) continue;
        this.argv(argv, false, cwd);
        consumed.add(head).add(tail);
      }
      for (const [name, value] of values) if (!consumed.has(name)) this.visit(value, name, cwd);
    }
  }

  private shell(node: StringScalar, strict: boolean, cwd: string | null): void {
    const { calls } = analyzeShellText(node.value, { callerPath: this.facts.path, strict, cwd, runtime: this.runtime });
    if (calls.length === 0) return;
    const toSource = valueToSource(node, this.source);
    for (const call of calls) {
      const start = toSource.start(call.word.start);
      const end = call.word.end > call.word.start ? toSource.end(call.word.end - 1) : start;
      this.push(call, start, end);
    }
  }

  private argv(items: StringOrNumberScalar[], strict: boolean, cwd: string | null): void {
    const words = items.map((item): Word => {
      const [start, end] = item.range;
      const quoted = item.type === 'QUOTE_DOUBLE' || item.type === 'QUOTE_SINGLE';
      const text = String(item.value);
      return { text, start: quoted ? start + 1 : start, end: quoted ? end - 1 : end, kind: 'word', dynamic: /[$`*?]/.test(text) };
    });
    for (const call of analyzeWords(words, { callerPath: this.facts.path, strict, cwd, runtime: this.runtime })) this.push(call, call.word.start, call.word.end);
  }

  private push(call: FoundCall, start: number, end: number): void {
    this.pending.push({ call, start, end });
  }

  /** Ends a document: its calls become facts, those it makes itself marked. */
  flush(): void {
    markRuntimeTargets(this.pending.map((p) => p.call), this.runtime);
    for (const { call, start, end } of this.pending) this.facts.scriptCalls.push(toFact(call, this.span(start, end), 'yaml'));
    this.pending = [];
    this.runtime = new Set();
  }
}

/** A YAML scalar's value as a literal (`true` is a boolean in YAML 1.2; `${VAR}` stays a string). */
function scalarLiteral(value: unknown): Literal {
  if (typeof value === 'boolean') return { kind: 'bool', value };
  if (typeof value === 'number') return { kind: 'num', value };
  if (typeof value === 'string') return { kind: 'str', value };
  return { kind: 'none' };
}

type StringOrNumberScalar = Scalar & { value: string | number; range: [number, number, number] };

/** The items as an argv list when every one is a string or number scalar, else null. */
function argvOf(items: readonly unknown[]): StringOrNumberScalar[] | null {
  const out: StringOrNumberScalar[] = [];
  for (const item of items) {
    if (!isScalar(item) || (typeof item.value !== 'string' && typeof item.value !== 'number') || !item.range) return null;
    out.push(item as StringOrNumberScalar);
  }
  return out.length > 0 ? out : null;
}

/** Script calls in a YAML file. Syntax errors become `parseErrors`; what could be read is still walked. */
export function extractYamlFacts(source: string, path: string): FileFacts {
  const facts = emptyFacts(path, 'yaml');
  const lines = new LineCounter();
  const docs = parseAllDocuments(source, { lineCounter: lines });
  const walker = new YamlWalker(facts, lines, source);
  for (const doc of docs) {
    for (const error of doc.errors) {
      const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
      facts.parseErrors.push({ span: walker.span(error.pos[0], error.pos[1]), message });
    }
    walker.visit(doc.contents, null, null);
    walker.flush();
  }
  facts.lines = new LineIndex(source).lineCount;
  return facts;
}
