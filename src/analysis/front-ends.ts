/**
 * The seam between the audit and the languages it reads: one entry per front end, saying which paths it
 * takes, how its files are prefiltered and suppressed, how its extractor loads, and what it does after the
 * cache. The scan and the engine go through this list and name no language; adding a language is one entry
 * here (and its id in `languages.ts`).
 */

import { BugError } from '../core/errors.js';
import type { Finding } from '../schemas/finding.js';
import { configLanguageForPath, extractConfigFacts, type ConfigLanguage } from './config.js';
import type { FileFacts, Language, SuppressionFact } from './facts.js';
import { extractMakeFacts, extractShellFacts, languageForPath } from './launch/index.js';
import { LANGUAGES } from '../schemas/languages.js';
import type { FixDocument } from './edit-documents.js';
import { extractNotebook, isNotebookPath, notebookDocument, readNotebookSource, toNotebookFinding } from './notebook/index.js';
import { parseSuppressions } from './suppressions.js';
import { barrelTags } from './typescript/barrels.js';
import { parseScriptSuppressions, scriptSkipReason } from './typescript/files.js';
import type { ScriptLanguage } from './typescript/index.js';
import { scriptSession } from './typescript/session.js';

/** Facts for one file of the front end's languages. Never throws on bad syntax: errors become facts. */
export type Extract = (source: string, path: string, language: Language) => FileFacts;

/**
 * How a front end's files are prefiltered: on a latin1 view of their bytes (cheap, and enough for ASCII
 * triggers), before any decoding or parsing. A front end without one has every file read whole.
 */
export interface Prefilter {
  /** The language whose rules' triggers decide candidacy: one matcher serves all the front end's languages. */
  rules: Language;
  /** A reason to skip the file outright (declaration files, bundles), or null. */
  skip?(path: string, view: string): string | null;
  /** What the front end keeps per file beside the codes (import tags), so an unchanged file is never re-read for it. */
  tags?(view: string): string[];
  /** Whether the file may define a sanctioned loader (zero-config inference reads its facts). */
  loaderHint?(view: string): boolean;
}

/** The part of the cache a session keeps its memos in. */
export interface SessionStore {
  memo(name: string): string | undefined;
  remember(name: string, value: string): void;
}

/** What the scan offers a front end's session. */
export interface SessionContext {
  root: string;
  store: SessionStore | null;
  /** Every path under the root, or null when the run did not walk the tree. */
  known: ReadonlySet<string> | null;
  /** Whether any file of the front end is audited in this run (not only read as context). */
  targeted: boolean;
  exists(path: string): boolean;
  /** A project file of this front end as the scan keeps it (examined now if the run had not), or null. */
  node(path: string): { hash: string; tags: readonly string[] } | null;
  /** A project file's facts, after `own`. */
  facts(path: string): Promise<FileFacts | null>;
  /** The codes of the front end's rules whose triggers a text (a package specifier) holds. */
  codesOf(text: string): string[];
  warn(message: string): void;
}

/** Per-run work after the cache: what depends on other files or on project settings, never cached with a file's facts. */
export interface FrontEndSession {
  /** A file's facts as read (cache or parse) → as this run uses them. */
  own(facts: FileFacts): FileFacts;
  /** Codes an audited file may fire on beyond its own triggers (names the modules it imports pass on). */
  inherited(path: string): Iterable<string>;
  /** True when an audited file's cached results no longer hold though its bytes did not change. */
  stale(path: string): boolean;
  /** The facts rules see, from the file's own. */
  resolve(path: string, own: FileFacts): Promise<FileFacts>;
  /** Writes the session's memos with the scan's rows. */
  save(): void;
}

export interface FrontEnd {
  /** For messages and the docs. */
  name: string;
  languages: readonly Language[];
  /** The language of a path this front end takes, or null. */
  languageOf(path: string): Language | null;
  prefilter?: Prefilter;
  /** Suppression comments in a file's text (`#` or `//` syntax). */
  suppressions(text: string): SuppressionFact[];
  /**
   * Loads what extraction needs, lazily: the Python grammar is a wasm load, the TypeScript compiler a few
   * hundred milliseconds of module loading; each only when a file of its language needs parsing.
   */
  load(): Promise<Extract>;
  /** A file over max-file-size is data, not code a rule reads: left out without a word (JSON). */
  largeIsData?: true;
  /** Loading costs nothing: the extractor is there even when the front end was not asked for. */
  light?: true;
  /** Loaded ahead while git answers in `--staged` mode (a commit almost always holds such a file). */
  warmOnStaged?: true;
  session?(context: SessionContext): FrontEndSession;
  /** The language whose rules run on the front end's files (a notebook's cells are Python); its own when unset. */
  rulesLanguage?: Language;
  /**
   * The text a file's suppressions, findings and frames refer to, from its decoded text (a notebook's code
   * cells joined), or why the file is skipped. With it, max-file-size (`maxSize`) applies to that text, not
   * to the file's bytes (a notebook's size is mostly outputs); over it, the file is skipped.
   */
  readSource?(text: string, maxSize: number): { ok: true; source: string } | { ok: false; reason: string };
  /** A finding on the read source, after suppressions were matched there, placed in the file itself. */
  mapFinding?(finding: Finding, facts: FileFacts): Finding;
  /** A target path this front end takes that is a directory (walked as a folder): why it is listed as skipped. */
  directoryReason?: string;
  /**
   * A file of this front end named on the command line and skipped unread (not a file of its format,
   * unreadable, a folder) is a usage error (exit 2): its name promises what it does not hold, and naming
   * it says it was meant to be audited. Being over max-file-size is a limit, not such a refusal.
   */
  refusesUnread?: true;
  /** How fixes edit a file of this front end, from its text (a notebook: by cell); a plain text when unset. */
  editDocument?(text: string): FixDocument | { reason: string };
}

/** A skip reason that is a size limit (max-file-size), not a file that could not be read. */
export function isSizeSkip(reason: string): boolean {
  return /^(?:code cells )?too large\b/.test(reason);
}

const LOADER_HINT = /chat_template|add_special_tokens/;
const LOAD_HINT = /from_pretrained|LLM\(/;
const SCRIPT_LOADER_HINT = /chat_template|add_special_tokens|LlamaCompletion/;
const SCRIPT_LOAD_HINT = /from_pretrained|loadModel/;

const python: FrontEnd = {
  name: 'Python',
  languages: ['python'],
  languageOf: (path) => (/\.pyi?$/.test(path) ? 'python' : null),
  prefilter: { rules: 'python', loaderHint: (view) => LOADER_HINT.test(view) && LOAD_HINT.test(view) },
  suppressions: parseSuppressions,
  async load() {
    const fe = await (await import('./python/index.js')).loadPythonFrontEnd();
    return (source, path) => fe.extract(source, path);
  },
  warmOnStaged: true,
};

const scripts: FrontEnd = {
  name: 'TypeScript/JavaScript',
  languages: ['typescript', 'javascript'],
  languageOf(path) {
    if (/\.[cm]?tsx?$/.test(path)) return 'typescript';
    if (/\.[cm]?jsx?$/.test(path)) return 'javascript';
    return null;
  },
  // every TS/JS rule is written for both languages, so one matcher serves both
  prefilter: {
    rules: 'typescript',
    skip: scriptSkipReason,
    // beside the codes, what the import graph needs (graph.ts)
    tags: barrelTags,
    loaderHint: (view) => SCRIPT_LOADER_HINT.test(view) && SCRIPT_LOAD_HINT.test(view),
  },
  suppressions: parseScriptSuppressions,
  async load() {
    const fe = await (await import('./typescript/index.js')).loadScriptFrontEnd();
    return (source, path, language) => fe.extract(source, path, language as ScriptLanguage);
  },
  session: scriptSession,
};

function launcher(name: string, language: 'shell' | 'make' | 'yaml', load: () => Promise<Extract>, light?: true): FrontEnd {
  return {
    name,
    languages: [language],
    languageOf: (path) => (languageForPath(path) === language ? language : null),
    suppressions: parseSuppressions,
    load,
    ...(light && { light }),
  };
}

const config: FrontEnd = {
  name: 'JSON/TOML settings',
  languages: ['json', 'toml'],
  languageOf: configLanguageForPath,
  // most such files are data or settings no rule reads, so they are parsed only on a trigger; JSON and
  // TOML rules are written for both formats
  prefilter: { rules: 'json' },
  suppressions: parseSuppressions,
  load: async () => (source, path, language) => extractConfigFacts(source, path, language as ConfigLanguage),
  light: true,
  largeIsData: true,
};

const notebook: FrontEnd = {
  name: 'Jupyter notebook',
  languages: ['notebook'],
  languageOf: (path) => (isNotebookPath(path) ? 'notebook' : null),
  // a notebook's code cells are Python: Python's rules run on them, on the cells joined into one module
  rulesLanguage: 'python',
  readSource(text, maxSize) {
    const read = readNotebookSource(text);
    if (!read.ok) return read;
    const { display } = read.notebook;
    if (display.length > maxSize) return { ok: false, reason: `code cells too large (${display.length} bytes > max-file-size)` };
    return { ok: true, source: display };
  },
  // suppressions are `#` comments in the code cells
  suppressions: parseSuppressions,
  async load() {
    const python = await (await import('./python/index.js')).loadPythonFrontEnd();
    return (source, path) => extractNotebook(source, path, python);
  },
  // findings were on the joined code cells until here: placed by cell and on the notebook's JSON line
  mapFinding: (finding, facts) => (facts.notebook ? toNotebookFinding(finding, facts.notebook) : finding),
  directoryReason: 'a directory, not a notebook file',
  refusesUnread: true,
  editDocument: notebookDocument,
};

/** Every front end, in the order a path is offered to them. */
export const FRONT_ENDS: readonly FrontEnd[] = [
  python,
  notebook,
  scripts,
  launcher('shell', 'shell', async () => extractShellFacts, true),
  launcher('Makefile', 'make', async () => extractMakeFacts, true),
  // the YAML front end pulls in a YAML parser
  launcher('YAML', 'yaml', async () => (await import('./launch/yaml.js')).extractYamlFacts),
  config,
];

const BY_LANGUAGE = new Map<Language, FrontEnd>(FRONT_ENDS.flatMap((fe) => fe.languages.map((l) => [l, fe] as const)));
for (const l of LANGUAGES) {
  // a language without a front end, or with two, is a mistake in this file: fail on load, not on some file
  if (FRONT_ENDS.filter((fe) => fe.languages.includes(l)).length !== 1) throw new BugError(`language ${l}: not exactly one front end`);
}

export function frontEndOf(language: Language): FrontEnd {
  return BY_LANGUAGE.get(language) as FrontEnd;
}

/** The language of a path, from the first front end that takes it; null for files no front end reads. */
export function languageOf(path: string): Language | null {
  for (const fe of FRONT_ENDS) {
    const language = fe.languageOf(path);
    if (language) return language;
  }
  return null;
}

/**
 * The language the function index fingerprints (near-duplicates are found among its functions, and a
 * notebook's, whose code cells are Python) and whose rules report them.
 */
export const FUNCTION_LANGUAGE: Language = 'python';

/** Starts loading the front ends a `--staged` run most likely needs, so that whoever needs one later awaits less. */
export function warmFrontEnds(): void {
  for (const fe of FRONT_ENDS) if (fe.warmOnStaged) void loaded(fe).catch(() => undefined);
}

const extractors = new Map<FrontEnd, Promise<Extract>>();
/** A front end's extractor, loaded once per process. */
export function loaded(fe: FrontEnd): Promise<Extract> {
  let got = extractors.get(fe);
  if (!got) extractors.set(fe, (got = fe.load()));
  return got;
}
