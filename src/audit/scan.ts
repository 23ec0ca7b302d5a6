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
  /** Files that may define a sanctioned loader (zero-config inference), facts on demand. */
  loaderHints: { row: CachedFile; facts(): Promise<FileFacts> }[];
  /** How many files the front ends parsed so far (cache misses); grows as `facts()` is called. */
  parsed(): number;
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

/** One matcher per prefiltered front end, over the rules of the language its prefilter names. */
const MATCHERS = new Map<FrontEnd, (text: string) => string[]>(
  FRONT_ENDS.flatMap((fe) => (fe.prefilter ? [[fe, matcher(RULES, fe.prefilter.rules)] as const] : [])),
);

/**
 * The rules of a front end whose triggers a text passed on from elsewhere matches (a package specifier a
 * barrel re-exports): triggers alone, since the importer's own text may hold what `requires` asks for.
 */
function codesOf(fe: FrontEnd, text: string): string[] {
  const language = fe.prefilter?.rules ?? fe.languages[0];
  return RULES.filter((r) => language && r.languages.includes(language) && r.triggers.some((t) => text.includes(t))).map((r) => r.code);
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
    codes = MATCHERS.get(fe)?.(view) ?? [];
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
  const newFacts: { hash: string; facts: FileFacts }[] = [];
  const skipped: SkippedFile[] = [];
  const out: ScannedFile[] = [];
  const loaderHints: ScanResult['loaderHints'] = [];
  let parsedNow = 0;
  const warnings: string[] = [];

  const parse = async (path: string, language: Language, text: string, row: CachedFile, remember: boolean): Promise<FileFacts> => {
    // each front end loads only when a file of its language needs parsing
    const extract = await loaded(frontEndOf(language));
    const facts = extract(text, path, language);
    facts.suppressions = row.suppressions;
    if (remember) newFacts.push({ hash: row.hash, facts });
    parsedNow++;
    return facts;
  };

  const targets = new Set(request.files.map((f) => f.path));
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
    entries.push({ file, language, isTarget, override, row, text: fresh?.text ?? null });
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
        const stored = store?.facts(e.row.hash);
        const facts = stored ?? (await parse(e.file.path, e.language, entrySource(e), e.row, !(e.override && request.forgetContents)));
        facts.path = e.file.path;
        facts.suppressions = e.row.suppressions;
        const session = sessionOf(e.language);
        return session ? session.own(facts) : facts;
      })();
      factsOfPath.set(e.file.path, got);
    }
    return got;
  };

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
      for (const session of sessions.values()) session?.save();
    },
    warnings,
  };
}
