/**
 * Makefile front end: finds recipe lines, expands the Makefile's own simple variables the way make
 * would, and hands each recipe line (make runs each in its own shell) to the shell analysis.
 */
import { emptyFacts, type FileFacts } from '../facts.js';
import { analyzeShellText, markRuntimeTargets, toFact, type FoundCall } from './calls.js';
import { dirnameOf, pathCandidates } from './paths.js';
import { LineIndex } from './spans.js';

/** Stands in for what make would know and we do not (`$@`, `$(shell …)`, undefined variables). */
const UNRESOLVED = '${MAKE_UNRESOLVED}';
const MAX_EXPANSION_DEPTH = 32;

/** null: defined in a way we cannot evaluate (`VAR != cmd`). */
type Vars = Map<string, { value: string; simple: boolean } | null>;

const ASSIGN_RE = /^\s*(?:(?:override|export|private|unexport)\s+)*([^\s:#=+?!]+)\s*(:::=|::=|:=|\?=|\+=|!=|=)\s*(.*)$/s;
const PREREQ_ASSIGN_RE = /^\s*(?:(?:override|export|private)\s+)*[^\s:#=+?!]+\s*(?:::=|:=|\?=|\+=|!=|=)/;
const CONDITIONAL_RE = /^\s*(?:ifeq|ifneq|ifdef|ifndef|else|endif)\b/;
const DEFINE_RE = /^\s*(?:(?:override|export|private)\s+)*define\b/;
const ENDEF_RE = /^\s*endef\b/;
const NAME_RE = /^[^\s:#=$(){}]+$/;

interface Line {
  start: number;
  end: number;
}

/** Physical lines joined by trailing backslashes; `end` excludes the final newline. */
function logicalLines(source: string): Line[] {
  const lines: Line[] = [];
  const n = source.length;
  let pos = 0;
  while (pos < n) {
    const start = pos;
    for (;;) {
      const nl = source.indexOf('\n', pos);
      const lineEnd = nl < 0 ? n : nl;
      let k = source[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
      let backslashes = 0;
      while (k > pos && source[k - 1] === '\\') {
        backslashes++;
        k--;
      }
      pos = nl < 0 ? n : nl + 1;
      if (backslashes % 2 === 1 && nl >= 0 && pos < n) continue;
      lines.push({ start, end: source[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd });
      break;
    }
  }
  return lines;
}

/** Index just past the `)`/`}` closing the reference whose bracket is at `open`; `to` if unclosed. */
function closeRef(text: string, open: number, to: number): number {
  const openCh = text[open];
  const closeCh = openCh === '(' ? ')' : '}';
  let depth = 0;
  for (let j = open; j < to; j++) {
    if (text[j] === openCh) depth++;
    else if (text[j] === closeCh && --depth === 0) return j + 1;
  }
  return to;
}

/** Index of the first `ch` outside variable references at or after `from`, or -1. */
function findOutsideRefs(text: string, ch: string, from = 0): number {
  for (let j = from; j < text.length; j++) {
    const c = text[j];
    if (c === '$' && (text[j + 1] === '(' || text[j + 1] === '{')) j = closeRef(text, j + 1, text.length) - 1;
    else if (c === ch) return j;
  }
  return -1;
}

function lookup(name: string, vars: Vars, depth: number, seen: ReadonlySet<string>): string | null {
  const variable = vars.get(name);
  if (variable === undefined && name === 'CURDIR') return '.';
  if (variable === undefined || variable === null || seen.has(name) || depth > MAX_EXPANSION_DEPTH) return null;
  if (variable.simple) return variable.value;
  return expandValue(variable.value, vars, depth + 1, new Set([...seen, name]));
}

/** Expand references in `text`; what cannot be known becomes `UNRESOLVED`. */
function expandValue(text: string, vars: Vars, depth = 0, seen: ReadonlySet<string> = new Set()): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c !== '$' || next === undefined) {
      out += c;
      i++;
    } else if (next === '$') {
      out += '$';
      i += 2;
    } else {
      const end = next === '(' || next === '{' ? closeRef(text, i + 1, text.length) : i + 2;
      const name = next === '(' || next === '{' ? text.slice(i + 2, end - 1) : next;
      out += (NAME_RE.test(name) ? lookup(name, vars, depth, seen) : null) ?? UNRESOLVED;
      i = end;
    }
  }
  return out;
}

function define(vars: Vars, name: string, op: string, rawValue: string): void {
  const value = rawValue.replace(/(^|[^\\])#.*$/s, '$1').trim();
  const previous = vars.get(name);
  switch (op) {
    case '=':
      vars.set(name, { value, simple: false });
      break;
    case ':=':
    case '::=':
    case ':::=':
      vars.set(name, { value: expandValue(value, vars), simple: true });
      break;
    case '?=':
      if (previous === undefined) vars.set(name, { value, simple: false });
      break;
    case '+=':
      if (previous === undefined) vars.set(name, { value, simple: false });
      else if (previous !== null) {
        const added = previous.simple ? expandValue(value, vars) : value;
        vars.set(name, { value: previous.value === '' ? added : `${previous.value} ${added}`, simple: previous.simple });
      }
      break;
    default:
      vars.set(name, null);
  }
}

/** Expand a recipe the way make does before the shell sees it, remembering where each char came from. */
function expandRecipe(source: string, from: number, to: number, vars: Vars): { text: string; starts: number[]; ends: number[] } {
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  const emit = (chunk: string, start: number, end: number): void => {
    text += chunk;
    for (let k = 0; k < chunk.length; k++) {
      starts.push(start);
      ends.push(end);
    }
  };
  let i = from;
  while (i < to) {
    const c = source[i] as string;
    const next = i + 1 < to ? source[i + 1] : undefined;
    if (c !== '$' || next === undefined) {
      emit(c, i, i + 1);
      i++;
    } else if (next === '$') {
      emit('$', i, i + 2);
      i += 2;
    } else {
      const end = next === '(' || next === '{' ? closeRef(source, i + 1, to) : i + 2;
      const name = next === '(' || next === '{' ? source.slice(i + 2, end - 1) : next;
      emit((NAME_RE.test(name) ? lookup(name, vars, 0, new Set()) : null) ?? UNRESOLVED, i, end);
      i = end;
    }
  }
  return { text, starts, ends };
}

/** Script calls in recipe lines of a Makefile; variables defined in the file are expanded. */
export function extractMakeFacts(source: string, path: string): FileFacts {
  const facts = emptyFacts(path, 'make');
  const index = new LineIndex(source);
  facts.lines = index.lineCount;
  const vars: Vars = new Map();
  const recipes: Line[] = [];
  /** Files the Makefile's rules and recipes make (`markRuntimeTargets`). */
  const runtime = new Set<string>();
  let inRule = false;
  let inDefine = false;

  for (const line of logicalLines(source)) {
    const raw = source.slice(line.start, line.end);
    if (inDefine) {
      if (ENDEF_RE.test(raw)) inDefine = false;
      continue;
    }
    if (raw.startsWith('\t') && inRule) {
      recipes.push({ start: line.start + 1, end: line.end });
      continue;
    }
    const text = raw.replace(/\\\r?\n\s*/g, ' ');
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#') || CONDITIONAL_RE.test(trimmed)) continue;
    inRule = false;
    if (DEFINE_RE.test(trimmed)) {
      inDefine = true;
      continue;
    }
    const assign = ASSIGN_RE.exec(text);
    if (assign !== null) {
      define(vars, assign[1] as string, assign[2] as string, assign[3] as string);
      continue;
    }
    const colon = findOutsideRefs(raw, ':');
    if (colon < 0) continue;
    const semicolon = findOutsideRefs(raw, ';', colon + 1);
    const prerequisites = raw.slice(colon + 1, semicolon < 0 ? raw.length : semicolon).replace(/^:+/, '');
    if (PREREQ_ASSIGN_RE.test(prerequisites)) continue;
    inRule = true;
    // a rule's targets are files make builds: a recipe that runs one does not need it in the tree
    for (const target of expandValue(raw.slice(0, colon), vars).split(/\s+/)) {
      // only file names (`gen.py`, `build/x.sh`): `data:` or `train:` are phony names, not folders being made
      if (/^[\w./-]*\w\.\w+$/.test(target) && !target.startsWith('.')) {
        for (const made of pathCandidates(target, [dirnameOf(path)])) runtime.add(made);
      }
    }
    if (semicolon >= 0) recipes.push({ start: line.start + semicolon + 1, end: line.end });
  }

  const found: Array<{ call: FoundCall; from: number; to: number }> = [];
  for (const recipe of recipes) {
    let start = recipe.start;
    while (start < recipe.end && ' \t@-+'.includes(source[start] as string)) start++;
    const expanded = expandRecipe(source, start, recipe.end, vars);
    for (const call of analyzeShellText(expanded.text, { callerPath: path, runtime }).calls) {
      const from = expanded.starts[call.word.start] ?? start;
      found.push({ call, from, to: expanded.ends[call.word.end - 1] ?? from });
    }
  }
  markRuntimeTargets(found.map((f) => f.call), runtime);
  for (const { call, from, to } of found) facts.scriptCalls.push(toFact(call, index.span(from, to), 'make'));
  return facts;
}
