/**
 * The scan step of an audit: reads each file, prefilters it with the rules' triggers, and extracts facts. It
 * also collects every file's suppressions and the files that may define a sanctioned loader. Which files are
 * prefiltered, skipped, suppressed and how, and what is done after the cache, each front end says
 * (analysis/front-ends.ts); this step names no language.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { RULES } from '../../audits/index.js';
import { emptyFacts, factsKey, type FileFacts, type Language } from '../analysis/facts.js';
import { FRONT_ENDS, frontEndOf, languageOf, loaded, type FrontEnd, type FrontEndSession } from '../analysis/front-ends.js';
import { SUPPRESSION_MARKER } from '../analysis/suppressions.js';
import { decodeSource, readBytes, type DiscoveredFile } from '../core/files.js';
import type { SkippedFile } from '../schemas/finding.js';
import type { CachedFile, FactsStore } from '../store/index.js';
import { freshRow } from '../store/row.js';
import type { Rule } from './rule.js';
import { ParsePool, poolSize, WorkerLost, type CheckPayload, type FactsPayload } from '../analysis/parse-pool.js';
import type { CheckerData, FileResults } from './check-file.js';
import type { SanctionedLoader } from './project.js';
import { summarizeForLoaders, type LoaderSummary } from './infer.js';
import { unpackFacts } from '../analysis/packed-facts.js';
import { ParseAhead } from './parse-ahead.js';

/** New facts are written to the cache in one transaction per this many files. */
const FACTS_BATCH = 500;
/** Python files larger than this are always parsed in a worker. */
const ISOLATE_BYTES = 2_000_000;
/** Hinted Python files found before the parse workers start on them while the examination goes on. */
const EARLY_AFTER = 64;
/** Files examined between two looks at the workers' answers (and more files for them) while they parse. */
const EARLY_YIELD = 32;

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
  /** Facts parsed from `contents` are not written to the cache (an editor's buffer is new at every keystroke). */
  forgetContents?: boolean;
  /**
   * Every path under the project root: cache rows for others are dropped. Null when the run did not walk
   * the tree: then only the rows of the scanned files are read, and none is dropped.
   */
  known: ReadonlySet<string> | null;
  /** Files whose facts and results the run never asks for (test code, when it reports nothing). */
  unasked?: (path: string) => boolean;
  /** Files loader inference never reads (test code): not loader hints, whatever they hold. */
  neverLoaders?: (path: string) => boolean;
  /**
   * What the parse workers' checks need, with the sanctioned loaders known before inference (those the config
   * lists, else none): the files loader inference reads first are checked with it, in case inference agrees.
   */
  rulesContext?: CheckerData;
  /** Other files of the project, examined only for what zero-config loader inference needs. */
  context?: DiscoveredFile[];
  /**
   * Keep every file's facts once read (default): a project rule (DUP001) reads them all before the rules
   * run. Without it, a Python file's facts are let go once its rules asked for them, so memory stays flat.
   */
  retainFacts?: boolean;
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
  /** The file's own results as a parse worker checked them (after `checkInWorkers`), else null: check it here. */
  checked(): Promise<CheckedFile | null>;
  /** The source text, read on demand (only files whose results are computed anew need it). */
  source(): string;
}

export interface ScanResult {
  files: ScannedFile[];
  skipped: SkippedFile[];
  /** Files that may define a sanctioned loader (zero-config inference), facts on demand. */
  loaderHints: { row: CachedFile; facts(): Promise<FileFacts>; summary(): Promise<LoaderSummary> }[];
  /**
   * From now on, the Python files still to parse are checked in the parse workers with what `context` says of
   * the run: their facts stay there and only results cross (`ScannedFile.checked`). Nothing changes without
   * workers, or when a project rule reads every file's facts. Returns the warnings of checks made under other
   * loaders and set aside. With `stale`, the cached Python files whose remembered results it calls stale (a
   * config change) are checked there too, from their packed facts, when they are enough for workers.
   */
  checkInWorkers(context: CheckerData, stale?: (path: string, hash: string, resultsKey: string | null) => boolean): string[];
  /** How many files the front ends parsed so far (cache misses); grows as `facts()` is called. */
  parsed(): number;
  /** How many files went with a parse worker that died (reported as not analysed). */
  lost(): number;
  /** Writes what this run learned to the cache (rows, new facts); the caller fills in results first. */
  save(): void;
  /** Things the user should know (a tsconfig.json that could not be read). */
  warnings: string[];
}

function rootOf(files: readonly DiscoveredFile[]): string {
  const f = files[0];
  return f ? f.abs.slice(0, f.abs.length - f.path.length) || '.' : '.';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function anyOf(words: readonly string[]): RegExp {
  return new RegExp(words.map(escapeRegExp).join('|'));
}

/**
 * The words of `words` that occur in a text, in one scan: alternatives longest first, each match resumed one
 * character on (so overlapping words are found), and a found word brings the words inside it.
 */
export function wordsIn(words: readonly string[]): (text: string) => Set<string> {
  const sorted = [...new Set(words)].sort((a, b) => b.length - a.length);
  const scan = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  const inside = new Map(sorted.map((w) => [w, sorted.filter((o) => o !== w && w.includes(o))]));
  return (text) => {
    const found = new Set<string>();
    scan.lastIndex = 0;
    for (let m = scan.exec(text); m; m = scan.exec(text)) {
      const word = m[0];
      if (!found.has(word)) {
        found.add(word);
        for (const o of inside.get(word) ?? []) found.add(o);
      }
      scan.lastIndex = m.index + 1;
    }
    return found;
  };
}

/**
 * The codes of every rule of one language a text could fire on (triggers, then `requires`, then
 * `prefilter`). Computed for the whole catalog, not only enabled rules, so a cached verdict survives
 * `--select`. A `requires` word may also be in the file's path: a relative import or a definition takes its
 * qualified name from the path (`from . import create` in `chat/completions/run.py`).
 */
function matcher(rules: readonly Rule[], language: Language): (text: string, path: string) => string[] {
  const selected = rules.filter((r) => r.languages.includes(language) && r.triggers.length);
  const tests = selected.map((r) => ({
    code: r.code,
    triggers: r.triggers,
    requires: r.requires?.length ? anyOf(r.requires) : null,
    prefilter: r.prefilter,
  }));
  const union = anyOf([...new Set(selected.flatMap((r) => r.triggers))]);
  const found = wordsIn(selected.flatMap((r) => r.triggers));
  return (text, path) => {
    if (!union.test(text)) return [];
    const words = found(text);
    return tests
      .filter((t) => t.triggers.some((w) => words.has(w)) && (!t.requires || t.requires.test(text) || t.requires.test(path)) && (!t.prefilter || t.prefilter(text)))
      .map((t) => t.code);
  };
}

/** One matcher per prefiltered front end, over the rules of the language its prefilter names. */
const MATCHERS = new Map<FrontEnd, (text: string, path: string) => string[]>(
  FRONT_ENDS.flatMap((fe) => (fe.prefilter ? [[fe, matcher(RULES, fe.prefilter.rules)] as const] : [])),
);

/**
 * Whether a cold run without configuration parses this text of a language: some rule's trigger occurs in it,
 * or it may define a sanctioned loader. For benchmarks that measure the parse alone over the same files.
 */
export function parsedCold(language: Language, text: string, path: string): boolean {
  const fe = frontEndOf(language);
  if (!fe.prefilter) return true;
  return (MATCHERS.get(fe)?.(text, path).length ?? 0) > 0 || Boolean(fe.prefilter.loaderHint?.(text));
}

/**
 * The rules of a front end whose triggers a text passed on from elsewhere matches (a package specifier a
 * barrel re-exports): triggers alone, since the importer's own text may hold what `requires` asks for.
 */
function codesOf(fe: FrontEnd, text: string): string[] {
  const language = fe.prefilter?.rules ?? fe.languages[0];
  return RULES.filter((r) => language && r.languages.includes(language) && r.triggers.some((t) => text.includes(t))).map((r) => r.code);
}

/** A file's own results as a worker checked them, as JSON text too (what the cache keeps), and its warnings. */
export interface CheckedFile {
  results: FileResults;
  json: string;
  warnings: string[];
}

interface Fresh {
  row: CachedFile;
  text: string | null;
}

/** Reads one file and computes everything the cache keeps about it. */
function examine(file: DiscoveredFile, language: Language, maxFileSize: number, override: Buffer | undefined): Fresh {
  const row = freshRow(file.path, file.mtimeMs, file.size);
  const fe = frontEndOf(language);
  // a front end that reads a file's source has the limit applied to that source, below
  const read = override ? { ok: true as const, bytes: override } : readBytes(file, fe.readSource ? Number.POSITIVE_INFINITY : maxFileSize);
  if (!read.ok) return { row: { ...row, skip: read.reason }, text: null };
  row.hash = factsKey(file.path, read.bytes);
  row.size = read.bytes.length;
  const prefilter = fe.prefilter;
  // a latin1 view is cheap and enough for ASCII triggers; only files worth it are decoded properly
  const view = read.bytes.toString('latin1');
  let codes: string[] = [];
  if (prefilter) {
    const skip = prefilter.skip?.(file.path, view);
    if (skip) return { row: { ...row, skip }, text: null };
    codes = MATCHERS.get(fe)?.(view, file.path) ?? [];
    // beside the codes, what the front end keeps per file, so an unchanged file is never re-read for it
    row.matches = prefilter.tags ? [...codes, ...prefilter.tags(view)] : codes;
    row.hint = prefilter.loaderHint?.(view) ?? false;
  }
  const needsText = !prefilter || codes.length > 0 || row.hint || view.includes(SUPPRESSION_MARKER);
  if (!needsText) return { row, text: null };
  const decoded = decodeSource(read.bytes);
  if (!decoded.ok) return { row: { ...row, skip: decoded.reason, matches: [], hint: false }, text: null };
  if (fe.readSource) {
    // the text suppressions, findings and frames refer to
    const source = fe.readSource(decoded.text, maxFileSize);
    if (!source.ok) return { row: { ...row, skip: source.reason }, text: null };
    row.suppressions = fe.suppressions(source.source);
    return { row, text: decoded.text };
  }
  row.suppressions = fe.suppressions(decoded.text);
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
  /** Examined in this run (its facts are likely not in the cache). */
  fresh?: boolean;
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

/** The text findings' lines (and frames) refer to: the front end's read source when it has one. */
function sourceOf(e: Entry): string {
  const text = entrySource(e);
  const fe = frontEndOf(e.language);
  if (!fe.readSource) return text;
  const source = fe.readSource(text, Number.POSITIVE_INFINITY);
  return source.ok ? source.source : '';
}

function checkedFile(json: string, warnings: string[]): CheckedFile {
  return { results: JSON.parse(json) as FileResults, json, warnings };
}

/** Whether two runs' sanctioned loaders are the same (by name, in order: the rules name the first). */
function sameLoaders(a: readonly SanctionedLoader[], b: readonly SanctionedLoader[]): boolean {
  return a.length === b.length && a.every((l, i) => l.name === b[i]?.name && l.source === b[i]?.source);
}

function memoize<T>(f: () => Promise<T>): () => Promise<T> {
  let memo: Promise<T> | undefined;
  return () => (memo ??= f());
}

interface ProjectFiles {
  root: string;
  request: ScanRequest;
  entries: Entry[];
  cached: ReadonlyMap<string, CachedFile>;
  /** Rows to save: files read here for the first time join them. */
  rows: CachedFile[];
}

/**
 * The project's files of one front end as its session asks for them by path. A file outside the run's files
 * (an audit of one folder importing a barrel elsewhere) is examined here on first use, like any file of the run.
 */
function projectFiles(g: ProjectFiles, fe: FrontEnd): { exists(p: string): boolean; entry(p: string): Entry | null } {
  const byPath = new Map<string, Entry | null>(g.entries.map((e) => [e.file.path, e]));
  const { known, contents } = g.request;
  const exists = (p: string): boolean => (known ? known.has(p) : Boolean(contents?.has(p)) || existsSync(path.join(g.root, p)));
  const entry = (p: string): Entry | null => {
    let e = byPath.get(p);
    if (e === undefined) byPath.set(p, (e = probe(p)));
    return e && !e.row.skip && frontEndOf(e.language) === fe ? e : null;
  };
  const probe = (p: string): Entry | null => {
    const language = languageOf(p);
    if (!language || frontEndOf(language) !== fe || !exists(p)) return null;
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
  return { exists, entry };
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
  // a front end that runs another language's rules is read when they are enabled
  for (const fe of FRONT_ENDS) if (fe.rulesLanguage && languages.has(fe.rulesLanguage)) for (const l of fe.languages) languages.add(l);
  const cached =
    (request.known ? store?.files() : store?.filesFor([...request.files, ...(request.context ?? [])].map((f) => f.path))) ??
    new Map<string, CachedFile>();
  const rows: CachedFile[] = [];
  const reused: { row: CachedFile; resultsKey: string | null }[] = [];
  const newFacts: { hash: string; facts: FileFacts | string | Uint8Array }[] = [];
  const skipped: SkippedFile[] = [];
  const out: ScannedFile[] = [];
  const loaderHints: ScanResult['loaderHints'] = [];
  let parsedNow = 0;
  const warnings: string[] = [];

  // new facts go to the cache in batches while the run goes on, not all at the end; a worker's come as JSON text or packed
  const keep = (row: CachedFile, facts: FileFacts | string | Uint8Array): void => {
    newFacts.push({ hash: row.hash, facts });
    if (newFacts.length >= FACTS_BATCH) store?.save([], newFacts.splice(0), null);
  };
  const parsed = (facts: FileFacts, row: CachedFile, remember: boolean): FileFacts => {
    facts.suppressions = row.suppressions;
    parsedNow++;
    if (store && remember) keep(row, facts);
    return facts;
  };
  const parse = async (path: string, language: Language, text: string, row: CachedFile, remember: boolean): Promise<FileFacts> => {
    // each front end loads only when a file of its language needs parsing
    const extract = await loaded(frontEndOf(language));
    return parsed(extract(text, path, language), row, remember);
  };
  // staged content the caller asks to forget is never written to the cache
  const remembers = (e: Entry): boolean => !(e.override && request.forgetContents);
  let pool: ParsePool | null = null;
  let ahead: ParseAhead<Entry, FactsPayload> | null = null;
  // once the run says what its rules need, the files still to parse are checked in the workers
  let checks: ParseAhead<Entry, CheckPayload> | null = null;
  // files whose parse worker died: reported as not analysed, their results never remembered
  const lost = new Map<Entry, string>();
  const lose = (e: Entry, error: unknown): void => {
    if (!(error instanceof WorkerLost)) throw error;
    lost.set(e, error.message);
    skipped.push({ path: e.file.path, reason: `not analysed: ${error.message}` });
  };
  // facts read twice with the rules' reads far apart (loader inference, then the rules) wait deflated
  const packed = new Map<Entry, Buffer>();
  const summaries = new Map<Entry, LoaderSummary>();
  // results a worker sent beside facts, under the loaders known before inference: used if inference agrees
  const speculated = new Map<Entry, { results: string; warnings: string[] }>();
  let speculationHeld = false;
  // what a file says when its parse was lost with its worker: nothing, but its suppressions
  const noFacts = (e: Entry): FileFacts => ({ ...emptyFacts(e.file.path, e.language), suppressions: e.row.suppressions });
  const unpack = (payload: { json: string } | { packed: Buffer }): FileFacts =>
    JSON.parse('json' in payload ? payload.json : unpackFacts(payload.packed)) as FileFacts;
  // files a worker was asked to send no facts for: whatever needs them after all parses the file again
  const factless = new Set<Entry>();
  // what a worker sent for a file, taken once: counted, cached, kept deflated or handed on; null when lost
  const taken = new Map<Entry, Promise<FactsPayload | null>>();
  const receive = (e: Entry, a: ParseAhead<Entry, FactsPayload>): Promise<FactsPayload | null> => {
    let got = taken.get(e);
    if (!got) {
      got = a.take(e).then(
        (payload) => {
          parsedNow++;
          // the cache keeps facts packed: what a worker packed goes there as it is
          if (store && remembers(e) && !('factless' in payload)) keep(e.row, 'json' in payload ? payload.json : payload.packed);
          if ('packed' in payload) packed.set(e, payload.packed);
          if (payload.summary) summaries.set(e, payload.summary as LoaderSummary);
          if (payload.results !== undefined) speculated.set(e, { results: payload.results, warnings: payload.warnings ?? [] });
          // the text is read again if a finding needs a frame
          if (!e.override) e.text = null;
          return payload;
        },
        (error: unknown) => {
          lose(e, error);
          return null;
        },
      );
      taken.set(e, got);
    }
    return got;
  };
  const fromWorker = async (e: Entry, a: ParseAhead<Entry, FactsPayload>): Promise<FileFacts> => {
    const payload = await receive(e, a);
    taken.delete(e);
    summaries.delete(e);
    if (payload && 'factless' in payload) return parse(e.file.path, e.language, entrySource(e), e.row, false);
    return payload ? unpack(payload) : noFacts(e);
  };

  const targets = new Set(request.files.map((f) => f.path));
  const retain = request.retainFacts ?? true;
  // with what the rules need, the files read twice (for loader inference, then for the rules) are checked when
  // first parsed, in case inference agrees
  const speculate = Boolean(request.rulesContext) && !retain;
  // whether the run asks for a file's results: for a front end without a session (so no inherited codes), known
  // as soon as the file is examined
  const asked = (e: Entry): boolean =>
    e.isTarget &&
    languages.has(e.language) &&
    (!frontEndOf(e.language).prefilter || e.row.matches.some((c) => enabled.has(c))) &&
    !request.unasked?.(e.file.path);
  const twice = (e: Entry): boolean => e.row.hint && asked(e);
  // without a cache, the facts of a file read only for its loader summary, or checked beside its parse, are read
  // by nothing: they stay in the worker (if the check must be made again, the file is parsed again)
  const unread = (e: Entry): boolean => !store && !retain && e.row.hint && (!twice(e) || speculate);
  const sendParse =
    (workers: ParsePool) =>
    (e: Entry): Promise<FactsPayload> => {
      if (unread(e)) factless.add(e);
      return workers.extract(e.file.path, entrySource(e), {
        pack: !retain && twice(e),
        summarize: e.row.hint,
        check: speculate && twice(e),
        factless: unread(e),
        suppressions: e.row.suppressions,
      });
    };
  // hinted Python files are handed to the parse workers while the other files are examined, once there are enough
  // of them to need workers: loader inference reads them first, whatever their candidacy
  const early = (e: Entry): boolean =>
    e.language === 'python' && (e.fresh === true || !store) && !e.row.skip && e.row.hint && !request.neverLoaders?.(e.file.path);
  const pythonFiles = request.files.reduce((n, f) => n + (languageOf(f.path) === 'python' ? 1 : 0), 0);
  let earlyPool = poolSize(pythonFiles) > 0;
  const earlyFound: Entry[] = [];
  // first every row, so a file can ask about the modules it imports before its candidacy is decided
  const entries: Entry[] = [];
  for (const file of [...request.files, ...(request.context ?? [])]) {
    const language = languageOf(file.path);
    if (!language) continue;
    const isTarget = targets.has(file.path);
    const override = contents?.get(file.path);
    // the size limit is configuration, not a property of the file: decide it before the cache
    // a front end that reads a file's source has the limit applied to that source (examine)
    if (!override && file.size > request.maxFileSize && !frontEndOf(language).readSource) {
      if (isTarget && languages.has(language) && !frontEndOf(language).largeIsData) {
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
    const entry: Entry = { file, language, isTarget, override, row, text: fresh?.text ?? null, fresh: fresh !== null };
    entries.push(entry);
    if (earlyPool && early(entry)) {
      if (ahead) ahead.add(entry);
      else if (earlyFound.push(entry) >= EARLY_AFTER && !pool) {
        pool = ParsePool.open(poolSize(pythonFiles));
        if (pool) {
          if (speculate && request.rulesContext) pool.setContext(request.rulesContext);
          ahead = new ParseAhead(pool.size, earlyFound, sendParse(pool));
        } else earlyPool = false;
      }
    }
    // answers come in, and the workers are given more, only when the examination lets the event loop run
    if (ahead && entries.length % EARLY_YIELD === 0) {
      ahead.fill(true);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const root = request.root ?? rootOf(request.files);
  const sessions = new Map<FrontEnd, FrontEndSession | null>();
  // a front end's per-run work after the cache, begun on its first file
  const sessionOf = (language: Language): FrontEndSession | null => {
    const fe = frontEndOf(language);
    let session = sessions.get(fe);
    if (session !== undefined) return session;
    if (!fe.session) {
      sessions.set(fe, null);
      return null;
    }
    const files = projectFiles({ root, request, entries, cached, rows }, fe);
    session = fe.session({
      root,
      store,
      known: request.known,
      targeted: entries.some((e) => e.isTarget && frontEndOf(e.language) === fe),
      exists: files.exists,
      node: (p) => {
        const e = files.entry(p);
        return e ? { hash: e.row.hash, tags: e.row.matches } : null;
      },
      facts: async (p) => {
        const e = files.entry(p);
        return e ? loadFacts(e) : null;
      },
      codesOf: (text) => codesOf(fe, text),
      warn: (message) => warnings.push(message),
    });
    sessions.set(fe, session);
    return session;
  };
  const factsOfPath = new Map<string, Promise<FileFacts>>();
  // a file's own facts: from the cache, else parsed; the session's part applies after the cache
  const loadFacts = (e: Entry): Promise<FileFacts> => {
    let got = factsOfPath.get(e.file.path);
    if (!got) {
      got = (async () => {
        const kept = packed.get(e);
        const a = ahead?.covers(e) ? ahead : null;
        const stored = kept || a ? undefined : store?.facts(e.row.hash);
        const facts = kept
          ? unpack({ packed: kept })
          : (stored ?? (a ? await fromWorker(e, a) : await parse(e.file.path, e.language, entrySource(e), e.row, remembers(e))));
        facts.path = e.file.path;
        facts.suppressions = e.row.suppressions;
        const session = sessionOf(e.language);
        return session ? session.own(facts) : facts;
      })();
      factsOfPath.set(e.file.path, got);
    }
    return got;
  };

  // the files whose facts the run will ask for: loader hints first (inference reads them by path), then the rest
  const hinted: Entry[] = [];
  const wanted: Entry[] = [];
  // the candidates a parse worker may check, in the order the run asks for their results
  const checkable: Entry[] = [];
  for (const e of entries) {
    const { file, language, isTarget, row } = e;
    if (row.skip) {
      if (isTarget && languages.has(language)) skipped.push({ path: file.path, reason: row.skip });
      continue;
    }
    const prefiltered = Boolean(frontEndOf(language).prefilter);
    const session = isTarget ? sessionOf(language) : null;
    const inherited = session ? session.inherited(file.path) : null;
    const candidate =
      isTarget &&
      languages.has(language) &&
      (!prefiltered || row.matches.some((c) => enabled.has(c)) || [...(inherited ?? [])].some((c) => enabled.has(c)));
    const suppressions = isTarget ? row.suppressions : [];
    if (!candidate && !row.hint && !suppressions.length) continue;

    if (candidate && session?.stale(file.path)) row.resultsKey = null;
    const facts = async (): Promise<FileFacts> => {
      const own = await loadFacts(e);
      const s = sessionOf(language);
      return s ? s.resolve(file.path, own) : own;
    };
    // without a project rule reading every file's facts first, a Python file's facts are let go once read
    // for the last time: by its rules, or by loader inference when no rule reads it
    const release = !retain && language === 'python';
    const releasing = (): Promise<FileFacts> => facts().finally(() => factsOfPath.delete(file.path));
    // the rules' read is the last: the deflated copy goes too
    const last = (): Promise<FileFacts> => releasing().finally(() => packed.delete(e));
    if (row.hint && !request.neverLoaders?.(file.path)) {
      // a file the rules read later keeps its facts: deflated when a worker sent them so, else as they are
      const hintRead = async (): Promise<FileFacts> => facts().finally(() => packed.has(e) && factsOfPath.delete(file.path));
      const read = !release ? facts : candidate ? hintRead : releasing;
      // what loader inference needs: sent beside the facts by the worker that parsed the file, else made here
      const summary = async (): Promise<LoaderSummary> => {
        if (ahead?.covers(e) && !factsOfPath.has(file.path)) {
          const payload = await receive(e, ahead);
          // lost with its worker (reported): it says what a file without facts says
          if (!payload) return summarizeForLoaders(noFacts(e));
          const sent = summaries.get(e);
          summaries.delete(e);
          // no rule reads a file that is only a hint: what the worker sent for it is let go
          if (!candidate) taken.delete(e);
          if (sent) return sent;
        }
        return summarizeForLoaders(await read());
      };
      loaderHints.push({ row, facts: read, summary });
      hinted.push(e);
    }
    // a file the run never asks about (test code that reports nothing) is not handed to the workers
    const asked = candidate && !request.unasked?.(file.path);
    if (asked) wanted.push(e);
    if (asked && language === 'python') checkable.push(e);
    if (candidate || suppressions.length) {
      out.push({
        path: file.path,
        language,
        row,
        get candidate() {
          return candidate && !lost.has(e);
        },
        facts: !candidate ? async () => ({ ...emptyFacts(file.path, language), suppressions }) : release ? last : memoize(facts),
        checked: candidate ? () => checkedOf(e) : async () => null,
        source: () => sourceOf(e),
      });
    }
  }
  const toParse = [...new Set([...hinted.sort((a, b) => (a.file.path < b.file.path ? -1 : 1)), ...wanted])].filter(
    (e) => e.language === 'python' && (e.fresh || !store),
  );
  // a very large file is parsed in a worker even when the rest is not: a parser that runs out of its memory
  // there loses that file (reported), not the run
  const size = pool ? pool.size : poolSize(toParse.length);
  const order = size ? toParse : toParse.filter((e) => e.row.size > ISOLATE_BYTES);
  pool ??= order.length ? ParsePool.open(Math.max(size, 1)) : null;
  if (pool) {
    const workers = pool;
    // the text is read again when handed to a worker, so the run never holds every candidate's text at once
    for (const e of order) if (!e.override) e.text = null;
    if (!ahead) {
      if (speculate && request.rulesContext) workers.setContext(request.rulesContext);
      ahead = new ParseAhead(workers.size, order, sendParse(workers));
    } else ahead.reorder(order);
    ahead.fill();
  }

  // files the workers check: parsed there now, or sent back the facts they sent before
  const checkedOf = async (e: Entry): Promise<CheckedFile | null> => {
    // a file whose answer had not come when the workers were told the loaders: it carries results made under them
    if (speculationHeld && ahead?.holds(e) && !checks?.covers(e)) {
      await receive(e, ahead);
      if (speculated.has(e)) {
        packed.delete(e);
        taken.delete(e);
      }
    }
    const early = speculationHeld ? speculated.get(e) : undefined;
    if (early) {
      speculated.delete(e);
      return checkedFile(early.results, early.warnings);
    }
    if (!checks?.covers(e)) return null;
    let answer: CheckPayload;
    try {
      answer = await checks.take(e);
    } catch (error) {
      lose(e, error);
      // the rules then run here, on no facts, as for a file whose parse was lost
      factsOfPath.set(e.file.path, Promise.resolve(noFacts(e)));
      return null;
    }
    // a file parsed again (its facts were left in the worker) counts once
    if (answer.parsed && !factless.has(e)) parsedNow++;
    if (answer.facts !== undefined) keep(e.row, answer.facts);
    return checkedFile(answer.results, answer.warnings ?? []);
  };
  const checkInWorkers = (context: CheckerData, stale?: (path: string, hash: string, resultsKey: string | null) => boolean): string[] => {
    const discarded: string[] = [];
    // a project rule reads every file's facts on this thread, which then runs the rules too
    if (retain) return discarded;
    const a = ahead;
    if (a) {
      // the checks made beside the facts stand when inference found what was known before it
      speculationHeld = request.rulesContext !== undefined && sameLoaders(request.rulesContext.sanctioned, context.sanctioned);
      if (speculationHeld) {
        // their facts are not needed again
        for (const e of speculated.keys()) {
          packed.delete(e);
          taken.delete(e);
        }
      } else {
        // what reading the registry's annotations said does not depend on the loaders: it stands
        for (const s of speculated.values()) discarded.push(...s.warnings);
        speculated.clear();
      }
    }
    // what the workers still have to parse, or sent deflated for the rules to read; not what waits here already
    const fresh = (e: Entry): boolean =>
      a !== null &&
      a.covers(e) &&
      !lost.has(e) &&
      !factsOfPath.has(e.file.path) &&
      !speculated.has(e) &&
      // one still held, whose check stands, is read from its answer (checkedOf)
      !(speculationHeld && a.holds(e)) &&
      (factless.has(e) || (!a.holds(e) && (packed.has(e) || !a.sent(e))));
    // cached files whose results must be made again: their facts go from the cache to a worker still packed
    const cached = new Set(
      stale && store ? checkable.filter((e) => !a?.covers(e) && !factsOfPath.has(e.file.path) && stale(e.file.path, e.row.hash, e.row.resultsKey)) : [],
    );
    if (!pool && poolSize(cached.size) > 0) pool = ParsePool.open(poolSize(cached.size));
    const order = checkable.filter((e) => fresh(e) || cached.has(e));
    if (!pool || !order.length) return discarded;
    const workers = pool;
    a?.stop();
    if (!a || !speculationHeld) workers.setContext(context);
    checks = new ParseAhead(workers.size, order, (e) => {
      // a row whose facts the cache no longer holds is parsed in the worker, and its facts come back to be kept
      const kept = packed.get(e) ?? (cached.has(e) ? store?.factsPacked(e.row.hash) : undefined);
      packed.delete(e);
      taken.delete(e);
      const text = entrySource(e);
      if (!e.override) e.text = null;
      return workers.check(e.file.path, text, kept, e.row.suppressions, !kept && Boolean(store) && remembers(e));
    });
    checks.fill();
    return discarded;
  };
  return {
    files: out,
    skipped,
    loaderHints,
    checkInWorkers,
    parsed: () => parsedNow,
    lost: () => lost.size,
    // staged content is not the working tree's, so its rows were never collected
    save: () => {
      void pool?.close();
      for (const e of lost.keys()) {
        e.row.resultsKey = null;
        e.row.results = null;
      }
      store?.save([...rows, ...reused.filter((r) => r.row.resultsKey !== r.resultsKey).map((r) => r.row)], newFacts, request.known);
      for (const session of sessions.values()) session?.save();
    },
    warnings,
  };
}
