/**
 * The facts model: what every front end extracts from one file, and all that rules, the registry and
 * the cache ever see. Plain JSON-serialisable data (cached by content hash), no parser objects.
 *
 * Positions: `line` is 1-based, `col` is 1-based in UTF-16 code units (what editors and SARIF show).
 */

import { createHash } from 'node:crypto';
import type { Language } from '../schemas/languages.js';

export type { Language };

/**
 * Bumped whenever extraction changes what facts hold, so facts cached before (by the audit and by the
 * registry) are not reused; also when the scan changes what it keeps per file (prefilter tags, loader
 * hints) or a rule's prefilter decides differently, since the audit's cache is keyed by it.
 */
export const FACTS_VERSION = 20;

export interface Span {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/** A value as far as it can be known statically without evaluation. */
export type Literal =
  | { kind: 'str'; value: string }
  | { kind: 'fstring'; text: string }
  | { kind: 'num'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'list'; items: Literal[] }
  /**
   * A dict display; keys are the string-literal keys only. `bools` holds the keys given a `True`/`False`
   * literal (`{"trust_remote_code": True}`), so a flag passed on as `**kwargs` can be read.
   */
  | { kind: 'dict'; keys: string[]; bools?: Record<string, boolean> }
  /** A reference to a name or dotted attribute; `qname` when it resolves through imports/bindings. */
  | { kind: 'name'; text: string; qname: string | null }
  /** The result of a call; `call` indexes `FileFacts.calls`. */
  | { kind: 'call'; call: number }
  | { kind: 'expr'; text: string };

export interface ImportFact {
  /** Module as written, without the leading dots of a relative import: `from ..a.b import c` → `a.b`. */
  module: string;
  /** Imported member (`from m import name`), `*` for a wildcard, null for `import m`. */
  name: string | null;
  alias: string | null;
  /** Number of leading dots of a relative import; 0 for absolute imports. */
  level: number;
  span: Span;
  scope: string;
  /**
   * Repo-relative POSIX paths the import may denote, in order of preference, from front ends that can
   * tell by themselves (TS/JS: `./x.js` → `dir/x.ts`, `dir/x.js`, `dir/x/index.ts`). Python leaves it out:
   * its resolution depends on the search path, which the consumer decides.
   */
  candidates?: string[];
}

export interface CallFact {
  /** The callee as written, dotted: `tf.AutoTokenizer.from_pretrained`, `self.tok.encode`, `foo().bar`. */
  callee: string;
  /**
   * The resolved qualified name. Imports and aliases are followed, and a receiver bound to a call's
   * result in a visible scope becomes that call's name plus `()`:
   * `tok = AutoTokenizer.from_pretrained(x); tok.apply_chat_template(m)` →
   * `transformers.AutoTokenizer.from_pretrained().apply_chat_template`.
   * When nothing resolves, this equals `callee`.
   */
  qname: string;
  /** True when the root of `qname` came from an import (or a binding that leads to one). */
  resolved: boolean;
  span: Span;
  args: Literal[];
  kwargs: Record<string, Literal>;
  /** `*args` or `**kwargs` present, so absent keywords may still be passed. */
  splat: boolean;
  /** The names passed as `*x` or `**x`, when plain dotted names (`model.generate(**inputs)` → `inputs`). */
  splats?: string[];
  /** What each `**x` passes (`**load_kwargs`, `**{"trust_remote_code": True}`), when there is one. */
  kwsplats?: Literal[];
  /** Enclosing definitions, dotted: `<module>`, `main`, `CleanModelLoader.load`. */
  scope: string;
  /** For `apply_chat_template` calls (Python): where the templated result goes. */
  flow?: FlowFact;
  /**
   * The parameter whose default value this call is (`def main(model: str = typer.Option("gpt2"))` →
   * `model`), when it is one: how typer names a command-line option.
   */
  param?: string;
}

export interface AssignFact {
  /** The target as written: `tok`, `self.tokenizer`, `tokenizer.chat_template`. */
  target: string;
  /** For attribute targets, the object's resolved name plus the attribute, like `CallFact.qname`. */
  targetQname: string | null;
  value: Literal;
  span: Span;
  scope: string;
  /** Inside an `except` clause (Python). */
  inExcept?: boolean;
}

export type StringRole =
  | 'docstring'
  /** An operand of a comparison or `in` test, or the argument of a str search method. */
  | 'comparison'
  | 'argument'
  | 'keyword'
  | 'assignment'
  | 'collection'
  /** Part of a concatenation, `%` or `.format` expression, or a return value. */
  | 'expression'
  /** A dict key (only record-shape keys such as `messages`, `prompt`, `role` are kept). */
  | 'key'
  | 'other';

/**
 * String literals worth remembering: those that name scripts or data files, look like model ids, or
 * hold chat/special-token markers. Docstrings and help texts keep their role so rules can ignore them.
 */
export interface StringFact {
  value: string;
  fstring: boolean;
  span: Span;
  scope: string;
  role: StringRole;
  /** For `argument`/`keyword` roles: index into `FileFacts.calls` of the call receiving it. */
  call?: number;
  /** For the `keyword` role: the keyword name. For `assignment`: the target. For dict values: the key. */
  key?: string;
  /** Inside an `except` clause. */
  inExcept?: boolean;
  /**
   * Python strings with chat or special-token markers, or placeholder text: where the value goes in the
   * file (see `FlowFact`).
   */
  flow?: FlowFact;
  /**
   * The name this string stands in for when that name is empty or missing: `if not response: response =
   * "…"`, `response or "…"`, the `else` of `if response:` (Python placeholder strings only).
   */
  guard?: string;
}

/**
 * Where a value goes within its file (Python): followed through names, `self` attributes, containers,
 * string operations, returns, and the parameters of the file's own functions (analysis/python/flow.ts).
 * Over-approximate: a container carries whatever it holds; statement order counts only for a later
 * rebinding in the same block.
 */
export interface FlowFact {
  /**
   * Calls that receive the value (or something built from it): index into `FileFacts.calls` and the
   * argument slot, a positional index (`0`), a keyword name, `*`/`**` for a splat, or `.` when the call
   * is a method of the value (`"…".format(x)`, `tok(x).to(device)`). A call whose slot configures it
   * (`stop=`, `eos_token_id=`, `chat_template=`) is recorded and the walk ends there; calls that only
   * look the value up or test it (`convert_tokens_to_ids`, `split`, `len`, logging) end it unrecorded.
   */
  calls: { call: number; slot: string }[];
  /**
   * String keys of the records it is written into: its own (`example["text"] = …`, `{"prompt": …}`), then
   * the record's other keys (the dict's, or those written into the same container in its function).
   */
  keys: string[];
  /** Qualnames of the functions that return it. */
  returns: string[];
  /** It ends in a `raise`. */
  raised?: true;
  /**
   * Somewhere it is only looked at: compared, tested in a condition, searched, measured (`len`) or
   * printed and logged.
   */
  tested?: true;
  /** The walk stopped at its budget: it may reach more than is listed. */
  partial?: true;
}

export interface DefFact {
  name: string;
  /** Dotted path through enclosing classes and functions: `CleanModelLoader.load`. */
  qualname: string;
  kind: 'function' | 'class';
  span: Span;
  params: string[];
  decorators: string[];
  /** Class bases as resolved qualified names. */
  bases: string[];
  docstring: string | null;
  /** Hash of the body's token stream with identifiers, strings and numbers normalised. */
  fingerprint: string;
  tokens: number;
  /**
   * Winnowed k-gram hashes of that token stream (analysis/python/fingerprint.ts): sorted, unique,
   * unsigned 32-bit. Near-copies share most of them; empty for classes and other languages.
   */
  shingles: number[];
  /**
   * Set when a `# Copied from X` comment marks the def (or its class) as a deliberate copy kept in sync
   * by the project's tooling: X, as written. Such copies are not compared for near-duplicates.
   */
  copiedFrom?: string;
}

export interface CliArgFact {
  flags: string[];
  dest: string | null;
  type: string | null;
  default: Literal | null;
  help: string | null;
  required: boolean | null;
  action: string | null;
  choices: Literal | null;
  span: Span;
}

export type ScriptRunner =
  | 'python'
  | 'bash'
  | 'sh'
  | 'source'
  | 'accelerate'
  | 'torchrun'
  | 'deepspeed'
  /** node, tsx, ts-node, bun, deno: a TS/JS script. */
  | 'node'
  | 'direct';

export interface ScriptCallFact {
  runner: ScriptRunner;
  /** The target as written: `scripts/x.py`, or `pkg.mod` when `module` is true (`python -m pkg.mod`). */
  target: string;
  module: boolean;
  /**
   * Repo-relative POSIX paths the target may denote, in order of preference (relative to the
   * caller's directory, then to the repo root; for modules, `pkg/mod.py`, `pkg/mod/__main__.py`,
   * `pkg/mod/__init__.py`). The project model picks the first that exists.
   */
  candidates: string[];
  span: Span;
  via: 'subprocess' | 'os.system' | 'command-list' | 'shell' | 'make' | 'yaml';
  /**
   * Why a target absent from the tree is not evidence of a missing script: the command runs in a folder
   * the analysis cannot know (`cwd`: after `cd "$WORK"`, `subprocess.run(…, cwd=tmp)`), or the file is
   * written or fetched at run time by the same file (`runtime`: `> gen.py`, `git clone … dir`).
   */
  unknownWhenAbsent?: 'cwd' | 'runtime';
}

/**
 * A statement that stops the program unless the model is a chat model: `assert tok.chat_template`,
 * `if tok.chat_template is None: raise …`, `if "instruct" not in model_name.lower(): raise …`.
 */
export interface ChatGuardFact {
  span: Span;
  /** What it tests: the tokenizer's chat template, or the model's name. */
  on: 'template' | 'name';
}

/** `# provenant: ignore[CODE, …] reason` — on a line of code (that line) or alone (the next line). */
export interface SuppressionFact {
  span: Span;
  /** Codes or prefixes as written, upper-cased. */
  codes: string[];
  reason: string | null;
  /** Lines whose findings it covers. */
  lines: number[];
}

/**
 * A name a TS/JS module exports on behalf of another module (`export { getLlama } from 'node-llama-cpp'`,
 * `export * from './loader.js'`, or an imported name exported again: `import { x } from 'm'; export { x }`).
 * The audit follows these from an importer to where a name really comes from (audit/scan.ts).
 */
export interface ReexportFact {
  /** The name importers use; `*` for `export * from 'm'`, which passes on every name of `m`. */
  exported: string;
  /**
   * What the name stands for, rooted as the file's own imports are: `node-llama-cpp.getLlama`,
   * `src/llm/loader.Clean`; for `*` and `export * as ns from 'm'`, the module's root (`node-llama-cpp`).
   */
  qname: string;
  /** The module specifier as written. */
  module: string;
  /** Repo-relative paths the specifier may denote, as `ImportFact.candidates`; empty for packages. */
  candidates: string[];
  span: Span;
}

/**
 * A setting in a configuration file (YAML, JSON, TOML) that a rule reads, such as `trust_remote_code: true`
 * in a model config. Only the keys in `SETTING_KEYS` are kept, at any depth.
 */
export interface SettingFact {
  key: string;
  value: Literal;
  span: Span;
}

/** The configuration keys kept as `SettingFact`s. */
export const SETTING_KEYS: ReadonlySet<string> = new Set(['trust_remote_code']);

export interface ParseErrorFact {
  span: Span;
  message: string;
  /** The file was not analysed at all (e.g. nested too deeply), not only this part of it. */
  unanalysed?: boolean;
}

export interface FileFacts {
  /** Repo-relative POSIX path. */
  path: string;
  language: Language;
  lines: number;
  docstring: string | null;
  imports: ImportFact[];
  calls: CallFact[];
  assigns: AssignFact[];
  strings: StringFact[];
  defs: DefFact[];
  cliArgs: CliArgFact[];
  scriptCalls: ScriptCallFact[];
  parseErrors: ParseErrorFact[];
  suppressions: SuppressionFact[];
  /** Python only, present when there is one: statements that stop unless the model is a chat model. */
  chatGuards?: ChatGuardFact[];
  /** Runs code when executed directly (Python: a module-level `if __name__ == "__main__":`). */
  mainGuard?: boolean;
  /** TS/JS only: names exported on behalf of other modules, in source order. */
  reexports?: ReexportFact[];
  /** YAML, JSON and TOML: the settings rules read. */
  settings?: SettingFact[];
  /** Notebooks: where each line of the joined module is in the notebook (analysis/notebook). */
  notebook?: NotebookMap;
}

/**
 * A notebook's facts are those of its code cells joined into one module; per line of it (index = line − 1),
 * the 1-based cell index, the line in that cell and the line of the notebook's JSON that holds it.
 */
export interface NotebookMap {
  cells: number[];
  cellLines: number[];
  jsonLines: number[];
}

/**
 * The key of a file's cached facts, shared by the audit's scan, the registry and the function index so
 * each reuses what another extracted: the bytes *and* the path, since two identical files in different
 * folders resolve their script calls against different folders and must not share facts.
 */
export function factsKey(path: string, bytes: Buffer): string {
  return createHash('sha256').update(path).update('\u0000').update(bytes).digest('hex');
}

export function emptyFacts(path: string, language: Language): FileFacts {
  return {
    path,
    language,
    lines: 0,
    docstring: null,
    imports: [],
    calls: [],
    assigns: [],
    strings: [],
    defs: [],
    cliArgs: [],
    scriptCalls: [],
    parseErrors: [],
    suppressions: [],
  };
}
