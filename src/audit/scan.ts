/**
 * The scan step of an audit: reads each file, prefilters it with the rules' triggers, and extracts facts. It
 * also collects every file's suppressions and the Python and TS/JS files that may define a sanctioned loader. Python
 * and TS/JS files are prefiltered (their front ends are the costly ones); TS/JS declaration files and
 * bundles are skipped with a reason.
 */

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { RULES } from '../../audits/index.js';
import { emptyFacts, factsKey, type FileFacts, type Language } from '../analysis/facts.js';
import { languageOf, loadFrontEnds, type FrontEnds } from '../analysis/index.js';
import { loadYamlFrontEnd } from '../analysis/launch/index.js';
import { readNotebookSource } from '../analysis/notebook/index.js';
import { parseSuppressions, SUPPRESSION_MARKER } from '../analysis/suppressions.js';
import { parseScriptSuppressions, scriptSkipReason } from '../analysis/typescript/files.js';
import { applyAliases, aliasStems, optionsDigest, readScriptOptions, type ScriptOptions } from '../analysis/typescript/tsconfig.js';
import { barrelTags, resolveReexports } from '../analysis/typescript/barrels.js';
import { ReachMemo, ScriptGraph } from '../analysis/typescript/graph.js';
import { importCandidates, isRelativeSpecifier } from '../analysis/typescript/paths.js';
import { decodeSource, readBytes, type DiscoveredFile } from '../core/files.js';
import type { SkippedFile } from '../schemas/finding.js';
import type { CachedFile, FactsStore } from '../store/index.js';
import type { Rule } from './rule.js';

export interface ScanRequest {
  /** The project root (where tsconfig.json is looked for); else told from the files' paths. */
  root?: string;
  files: DiscoveredFile[];
  /** The enabled rules: their triggers decide which files are parsed. */
  rules: readonly Rule[];
  maxFileSize: number;
  /** Cached facts and prefilter verdicts; null runs without a cache. */
  store: FactsStore | null;
  /** Content to audit instead of the working tree's (the git index in `--staged` mode). */
  contents?: ReadonlyMap<string, Buffer>;
  /**
   * Every path under the project root: cache rows for others are dropped. Null when the run did not walk
   * the tree: then only the rows of the scanned files are read, and none is dropped.
   */
  known: ReadonlySet<string> | null;
  /** Other files of the project, examined only for what zero-config loader inference needs. */
  context?: DiscoveredFile[];
}

export interface ScannedFile {
  path: string;
  language: Language;
  /** What the cache knows of the file (hash, suppressions, cached results); saved after the run. */
  row: CachedFile;
  /** True when some enabled rule could fire on the file; false for files scanned only for suppressions. */
  candidate: boolean;
  /** The file's facts: from the cache, else parsed now. Files no rule parses get empty facts. */
  facts(): Promise<FileFacts>;
  /** The source text, read on demand (only files whose results are computed anew need it). */
  source(): string;
}

export interface ScanResult {
  files: ScannedFile[];
  skipped: SkippedFile[];
  /** Python and TS/JS files that may define a sanctioned loader (zero-config inference), facts on demand. */
  loaderHints: { row: CachedFile; facts(): Promise<FileFacts> }[];
  /** How many files the front ends parsed so far (cache misses); grows as `facts()` is called. */
  parsed(): number;
  /** Writes what this run learned to the cache (rows, new facts); the caller fills in results first. */
  save(): void;
  /** Things the user should know (a tsconfig.json that could not be read). */
  warnings: string[];
}

/** The TS/JS compiler options of the run, and whether they differ from the last run's. */
interface ScriptSetup {
  options: ScriptOptions;
  digest: string;
  changed: boolean;
}

function rootOf(files: readonly DiscoveredFile[]): string {
  const f = files[0];
  return f ? f.abs.slice(0, f.abs.length - f.path.length) || '.' : '.';
}

const SCRIPT_OPTIONS_MEMO = 'script-options';
const LOADER_HINT = /chat_template|add_special_tokens/;
const LOAD_HINT = /from_pretrained|LLM\(/;
const SCRIPT_LOADER_HINT = /chat_template|add_special_tokens|LlamaCompletion/;
const SCRIPT_LOAD_HINT = /from_pretrained|loadModel/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function anyOf(words: readonly string[]): RegExp {
  return new RegExp(words.map(escapeRegExp).join('|'));
}

/**
 * The codes of every rule of one language a text could fire on (triggers, then `requires`, then
 * `prefilter`). Computed for the whole catalog, not only enabled rules, so a cached verdict survives
 * `--select`.
 */
function matcher(rules: readonly Rule[], language: Language): (text: string) => string[] {
  const selected = rules.filter((r) => r.languages.includes(language) && r.triggers.length);
  const tests = selected.map((r) => ({
    code: r.code,
    triggers: anyOf(r.triggers),
    requires: r.requires?.length ? anyOf(r.requires) : null,
    prefilter: r.prefilter,
  }));
  const union = anyOf([...new Set(selected.flatMap((r) => r.triggers))]);
  return (text) =>
    union.test(text)
      ? tests.filter((t) => t.triggers.test(text) && (!t.requires || t.requires.test(text)) && (!t.prefilter || t.prefilter(text))).map((t) => t.code)
      : [];
}

const matchPython = matcher(RULES, 'python');
// JSON and TOML rules are written for both formats
const matchConfig = matcher(RULES, 'json');
// every TS/JS rule is written for both languages, so one matcher serves both
const matchScript = matcher(RULES, 'typescript');

/**
 * The TS/JS rules whose triggers a package specifier passed on by a barrel matches: triggers alone,
 * since the importer's own text may hold what `requires` asks for.
 */
function packageCodes(spec: string): string[] {
  return RULES.filter((r) => r.languages.includes('typescript') && r.triggers.some((t) => spec.includes(t))).map((r) => r.code);
}

const isScript = (language: Language): boolean => language === 'typescript' || language === 'javascript';
/** Config formats: most such files are data or settings no rule reads, so they are parsed only on a trigger. */
const isConfig = (language: Language): boolean => language === 'json' || language === 'toml';
/** Languages whose files are parsed only when some rule's triggers match. */
const prefiltered = (language: Language): boolean => language === 'python' || isScript(language) || isConfig(language);

interface Fresh {
  row: CachedFile;
  text: string | null;
}

/** Reads one file and computes everything the cache keeps about it. */
function examine(file: DiscoveredFile, language: Language, maxFileSize: number, override: Buffer | undefined): Fresh {
  const row: CachedFile = {
    path: file.path,
    mtimeMs: file.mtimeMs,
    size: file.size,
    hash: '',
    matches: [],
    hint: false,
    skip: null,
    suppressions: [],
    resultsKey: null,
    results: null,
  };
  // a notebook's size is mostly outputs: its limit applies to its code, below
  const read = override ? { ok: true as const, bytes: override } : readBytes(file, language === 'notebook' ? Number.POSITIVE_INFINITY : maxFileSize);
  if (!read.ok) return { row: { ...row, skip: read.reason }, text: null };
  row.hash = factsKey(file.path, read.bytes);
  row.size = read.bytes.length;
  // a latin1 view is cheap and enough for ASCII triggers; only files worth it are decoded properly
  const view = read.bytes.toString('latin1');
  let codes: string[] = [];
  if (language === 'python') {
    row.matches = codes = matchPython(view);
    row.hint = LOADER_HINT.test(view) && LOAD_HINT.test(view);
  } else if (isScript(language)) {
    const skip = scriptSkipReason(file.path, view);
    if (skip) return { row: { ...row, skip }, text: null };
    codes = matchScript(view);
    // beside the codes, what the import graph needs (graph.ts), so an unchanged file is never re-read for it
    row.matches = [...codes, ...barrelTags(view)];
    row.hint = SCRIPT_LOADER_HINT.test(view) && SCRIPT_LOAD_HINT.test(view);
  } else if (isConfig(language)) {
    row.matches = codes = matchConfig(view);
  }
  const needsText = !prefiltered(language) || codes.length > 0 || row.hint || view.includes(SUPPRESSION_MARKER);
  if (!needsText) return { row, text: null };
  const decoded = decodeSource(read.bytes);
  if (!decoded.ok) return { row: { ...row, skip: decoded.reason, matches: [], hint: false }, text: null };
  if (language === 'notebook') {
    const notebook = readNotebookSource(decoded.text);
    if (!notebook.ok) return { row: { ...row, skip: notebook.reason }, text: null };
    const { display } = notebook.notebook;
    if (display.length > maxFileSize) return { row: { ...row, skip: `code cells too large (${display.length} bytes > max-file-size)` }, text: null };
    row.suppressions = parseSuppressions(display);
    return { row, text: decoded.text };
  }
  row.suppressions = isScript(language) ? parseScriptSuppressions(decoded.text) : parseSuppressions(decoded.text);
  return { row, text: decoded.text };
}

/** One file of the run with the row this run holds for it. */
interface Entry {
  file: DiscoveredFile;
  language: Language;
  isTarget: boolean;
  override: Buffer | undefined;
  row: CachedFile;
  /** The decoded text when the examination read it. */
  text: string | null;
}

/** The source text of an entry, read on demand (only files whose results are computed anew need it). */
function entrySource(e: Entry): string {
  if (e.text === null) {
    const read = e.override ? { ok: true as const, bytes: e.override } : readBytes(e.file, Number.POSITIVE_INFINITY);
    const decoded = read.ok ? decodeSource(read.bytes) : null;
    e.text = decoded?.ok ? decoded.text : '';
  }
  return e.text;
}

/** The text findings' lines refer to: for a notebook, its code cells joined (analysis/notebook). */
function sourceOf(e: Entry): string {
  const text = entrySource(e);
  if (e.language !== 'notebook') return text;
  const notebook = readNotebookSource(text);
  return notebook.ok ? notebook.notebook.display : '';
}

function memoize<T>(f: () => Promise<T>): () => Promise<T> {
  let memo: Promise<T> | undefined;
  return () => (memo ??= f());
}

interface GraphSetup {
  root: string;
  request: ScanRequest;
  entries: Entry[];
  cached: ReadonlyMap<string, CachedFile>;
  /** Rows to save: files read here for the first time join them. */
  rows: CachedFile[];
  options(): ScriptOptions;
  facts(e: Entry): Promise<FileFacts>;
}

/**
 * The import graph of the run's TS/JS files. A module outside the run's files (an audit of one folder
 * importing a barrel elsewhere) is examined here on first use, like any file of the run.
 */
function scriptGraph(g: GraphSetup): ScriptGraph {
  const byPath = new Map<string, Entry | null>(g.entries.map((e) => [e.file.path, e]));
  const { known, contents } = g.request;
  const exists = (p: string): boolean => (known ? known.has(p) : Boolean(contents?.has(p)) || existsSync(path.join(g.root, p)));
  const entry = (p: string): Entry | null => {
    let e = byPath.get(p);
    if (e === undefined) byPath.set(p, (e = probe(p)));
    return e && !e.row.skip && isScript(e.language) ? e : null;
  };
  const probe = (p: string): Entry | null => {
    const language = languageOf(p);
    if (!language || !isScript(language) || !exists(p)) return null;
    const abs = path.join(g.root, p);
    const override = contents?.get(p);
    let stat;
    try {
      stat = statSync(abs);
    } catch (error) {
      // gone since the walk: nothing to follow there
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !override) return null;
      if (!override) throw error;
    }
    const file: DiscoveredFile = { path: p, abs, size: override?.length ?? stat?.size ?? 0, mtimeMs: stat?.mtimeMs ?? 0 };
    const previous = g.cached.get(p);
    if (!override && previous && previous.mtimeMs === file.mtimeMs && previous.size === file.size) {
      return { file, language, isTarget: false, override, row: previous, text: null };
    }
    const fresh = examine(file, language, g.request.maxFileSize, override);
    if (!override) g.rows.push(fresh.row);
    return { file, language, isTarget: false, override, row: fresh.row, text: fresh.text };
  };
  return new ScriptGraph({
    node: (p) => {
      const e = entry(p);
      return e ? { hash: e.row.hash, tags: e.row.matches } : null;
    },
    candidates: (spec, from) =>
      isRelativeSpecifier(spec) ? importCandidates(spec, from) : aliasStems(spec, g.options()).flatMap((s) => importCandidates(`./${s}`, 'index.ts')),
    exists,
    codesOf: packageCodes,
    facts: async (p) => {
      const e = entry(p);
      return e ? g.facts(e) : null;
    },
  });
}

/**
 * Reads and prefilters every file and extracts facts from the candidates. With a store, a file whose
 * size and mtime are unchanged is not read at all, and facts are reused by content hash, so a warm run
 * parses only what changed.
 */
export async function scan(request: ScanRequest): Promise<ScanResult> {
  const { rules, store, contents } = request;
  const enabled = new Set(rules.map((r) => r.code));
  const languages = new Set(rules.flatMap((r) => r.languages));
  if (languages.has('python')) languages.add('notebook');
  const cached =
    (request.known ? store?.files() : store?.filesFor([...request.files, ...(request.context ?? [])].map((f) => f.path))) ??
    new Map<string, CachedFile>();
  const rows: CachedFile[] = [];
  const reused: { row: CachedFile; resultsKey: string | null }[] = [];
  const newFacts: { hash: string; facts: FileFacts }[] = [];
  const skipped: SkippedFile[] = [];
  const out: ScannedFile[] = [];
  const loaderHints: ScanResult['loaderHints'] = [];
  let python: FrontEnds | null = null;
  let scripts: FrontEnds | null = null;
  let launchers: FrontEnds | null = null;
  let parsedNow = 0;
  const warnings: string[] = [];
  let setup: ScriptSetup | null = null;
  // read on the first TS/JS candidate only: a Python-only run never looks for a tsconfig
  const scriptSetup = (): ScriptSetup => {
    if (setup) return setup;
    const read = readScriptOptions(request.root ?? rootOf(request.files));
    warnings.push(...read.warnings);
    const digest = optionsDigest(read.options);
    return (setup = { options: read.options, digest, changed: store ? store.memo(SCRIPT_OPTIONS_MEMO) !== digest : false });
  };

  const parse = async (path: string, language: Language, text: string, row: CachedFile): Promise<FileFacts> => {
    // the Python grammar is a wasm load and the TypeScript compiler a large module: each only when a
    // file of its language needs parsing
    const frontEnds =
      language === 'python' || language === 'notebook'
        ? (python ??= await loadFrontEnds(new Set(['python'])))
        : isScript(language)
          ? (scripts ??= await loadFrontEnds(new Set(['typescript'])))
          : (launchers ??= await loadFrontEnds(new Set()));
    if (language === 'yaml') await loadYamlFrontEnd();
    const facts = frontEnds.extract(text, path, language);
    facts.suppressions = row.suppressions;
    newFacts.push({ hash: row.hash, facts });
    parsedNow++;
    return facts;
  };

  const targets = new Set(request.files.map((f) => f.path));
  // first every row, so a TS/JS file can ask about the modules it imports before its candidacy is decided
  const entries: Entry[] = [];
  for (const file of [...request.files, ...(request.context ?? [])]) {
    const language = languageOf(file.path);
    if (!language) continue;
    const isTarget = targets.has(file.path);
    const override = contents?.get(file.path);
    // the size limit is configuration, not a property of the file: decide it before the cache
    if (!override && file.size > request.maxFileSize && language !== 'notebook') {
      // a JSON file that large is data, not a config a rule reads: not worth a word
      if (isTarget && languages.has(language) && !isConfig(language)) {
        const mb = (n: number) => (n / 1e6).toFixed(1);
        skipped.push({ path: file.path, reason: `too large (${mb(file.size)} MB > max-file-size ${mb(request.maxFileSize)} MB)` });
      }
      continue;
    }
    const previous = cached.get(file.path);
    const reuse = !override && previous && previous.mtimeMs === file.mtimeMs && previous.size === file.size;
    let fresh: Fresh | null = null;
    const row = reuse ? previous : (fresh = examine(file, language, request.maxFileSize, override)).row;
    // only rows that may differ from the stored ones are handed back to the store
    if (!override) {
      if (fresh) rows.push(row);
      else reused.push({ row, resultsKey: row.resultsKey });
    }
    entries.push({ file, language, isTarget, override, row, text: fresh?.text ?? null });
  }

  const root = request.root ?? rootOf(request.files);
  const graph = entries.some((e) => isScript(e.language) && e.isTarget)
    ? scriptGraph({ root, request, entries, cached, rows, options: () => scriptSetup().options, facts: (e) => loadFacts(e) })
    : null;
  const reach = graph && new ReachMemo(store, request.known);
  const loaded = new Map<string, Promise<FileFacts>>();
  // a file's own facts: from the cache, else parsed; aliases apply after the cache
  const loadFacts = (e: Entry): Promise<FileFacts> => {
    let got = loaded.get(e.file.path);
    if (!got) {
      got = (async () => {
        const stored = store?.facts(e.row.hash);
        const facts = stored ?? (await parse(e.file.path, e.language, entrySource(e), e.row));
        facts.path = e.file.path;
        facts.suppressions = e.row.suppressions;
        return isScript(e.language) ? applyAliases(facts, scriptSetup().options) : facts;
      })();
      loaded.set(e.file.path, got);
    }
    return got;
  };

  for (const e of entries) {
    const { file, language, isTarget, row } = e;
    if (row.skip) {
      if (isTarget && languages.has(language)) skipped.push({ path: file.path, reason: row.skip });
      continue;
    }
    const script = isScript(language);
    const inherited = graph && script && isTarget ? graph.reach(file.path).codes : null;
    const candidate =
      isTarget &&
      languages.has(language) &&
      (!prefiltered(language) || row.matches.some((c) => enabled.has(c)) || [...(inherited ?? [])].some((c) => enabled.has(c)));
    const suppressions = isTarget ? row.suppressions : [];
    if (!candidate && !row.hint && !suppressions.length) continue;

    const options = candidate && script ? scriptSetup() : null;
    // results computed under other `paths` aliases are not reused; facts are (aliases apply after the cache)
    if (options?.changed) row.resultsKey = null;
    // nor results computed while a barrel it imports from said something else
    if (candidate && graph && reach && script && reach.changed(file.path, graph.digest(file.path))) row.resultsKey = null;
    const facts = async (): Promise<FileFacts> => {
      const own = await loadFacts(e);
      return graph && script ? resolveReexports(own, await graph.lookupFor(file.path)) : own;
    };
    if (row.hint) loaderHints.push({ row, facts });
    if (candidate || suppressions.length) {
      out.push({
        path: file.path,
        language,
        row,
        candidate,
        facts: candidate ? memoize(facts) : async () => ({ ...emptyFacts(file.path, language), suppressions }),
        source: () => sourceOf(e),
      });
    }
  }
  return {
    files: out,
    skipped,
    loaderHints,
    parsed: () => parsedNow,
    // staged content is not the working tree's, so its rows were never collected
    save: () => {
      store?.save([...rows, ...reused.filter((r) => r.row.resultsKey !== r.resultsKey).map((r) => r.row)], newFacts, request.known);
      if (setup?.changed) store?.remember(SCRIPT_OPTIONS_MEMO, setup.digest);
      reach?.save();
    },
    warnings,
  };
}
