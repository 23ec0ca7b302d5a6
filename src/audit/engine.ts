/**
 * The audit engine: from options to findings, via config, file selection, scan, rules, suppressions,
 * baseline. Git modes audit a selection but resolve scripts and loaders against the whole tree. A file's rule
 * results are cached under a key of config, sanctioned loaders and file tree; project rules' results are not.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { RULES } from '../../audits/index.js';
import { emptyFacts, FACTS_VERSION, type Language, type SuppressionFact } from '../analysis/facts.js';
import { frontEndOf, FUNCTION_LANGUAGE, isSizeSkip, languageOf, warmFrontEnds } from '../analysis/front-ends.js';
import { loadConfig } from '../config/config.js';
import { isRuleEnabled, previewFor, ruleMatches } from '../config/rule-select.js';
import { UserError } from '../core/errors.js';
import type { CodeRole, Config, Severity, TestCodeSeverity } from '../schemas/config.js';
import type { Finding, SkippedFile } from '../schemas/finding.js';
import type { FactsStore } from '../store/index.js';
import { BASELINE_FILE } from './baseline-file.js';
import { checkConfigCodes, checkFlagCodes } from './codes.js';
import { assignFingerprints } from './fingerprint.js';
import { combineLoaderSummaries, SUMMARY_FORMAT, type LoaderSummary } from './infer.js';
import modelCatalog from './model-catalog.json' with { type: 'json' };
import { type SanctionedLoader } from './project.js';
import { CodeRoles } from './roles.js';
import { checker, checkFile, frameOf, projectFor, rulesLanguage, type FileResults } from './check-file.js';
import { comparesWholeProject, DUP_CODE, findNearDuplicates } from '../similarity/audit-scope.js';
import { type AfterRule, type NearDuplicate, type ProjectRule } from './rule.js';
import { runRules, type FileRun } from './run-rules.js';
import { withFileLock } from '../core/lock.js';
import { scan } from './scan.js';
import { annotationsKey } from './replacements.js';
import { recallRun, rememberRun, runKey } from './run-memo.js';
import { countFindings, type FindingCounts } from './report.js';
import { VERSION } from '../version.js';
import { namedFilesTree, stagedTree, walkedTree, withContents, type GitAnswer } from './tree.js';

export interface AuditOptions {
  /** Files or folders; default: the current directory. */
  paths: string[];
  cwd: string;
  configPath?: string;
  isolated?: boolean;
  /** Replace / extend the configured selection, like ruff's --select / --ignore. */
  select?: string[];
  ignore?: string[];
  failOn?: Severity;
  /** Parse every file afresh and leave the cache alone. */
  noCache?: boolean;
  /** Audit the content staged in the git index instead of the working tree. */
  staged?: boolean;
  /** Audit only files changed since this git revision (committed, staged, unstaged or untracked). */
  changedSince?: string;
  /**
   * `use` (default) hides findings recorded in the baseline file when it exists; `write` records all
   * current findings; `update` drops entries that no longer occur; `ignore` reports everything.
   */
  baseline?: 'use' | 'write' | 'update' | 'ignore';
  /** Baseline file, relative to the project root unless absolute. */
  baselineFile?: string;
  /** Text to audit instead of what named files hold on disk (an editor's unsaved buffers), by absolute path; nothing parsed from it is cached. */
  contents?: ReadonlyMap<string, Buffer>;
}

export interface AuditResult {
  root: string;
  configSource: string | null;
  config: Config;
  /** Findings to act on: suppressed and baselined ones are left out. */
  findings: Finding[];
  skipped: SkippedFile[];
  /**
   * Files named on the command line that their front end could not read as its files (a `.ipynb` that is no
   * notebook, a folder named like one): a usage error, beside what was audited (see `FrontEnd.refusesUnread`).
   */
  refused: SkippedFile[];
  sanctioned: readonly SanctionedLoader[];
  /**
   * The content key (`factsKey`) of each file with findings, as the run read it: fixes are applied only
   * to a file that still holds these bytes (audit/apply-fixes.ts).
   */
  hashes: Record<string, string>;
  /** Things the user should know that are not findings (e.g. a cache that had to be rebuilt). */
  warnings: string[];
  /**
   * Set when the run answered from the run memo (an unchanged tree) and no baseline applied: the findings as the
   * JSON report prints them (UTF-8, in parts) and their counts. `findings` parses that text on first use.
   */
  remembered?: { findingsJson: Buffer[]; counts: FindingCounts };
  baseline: { file: string; mode: 'use' | 'write' | 'update'; baselined: number; fixed: number; written: number } | null;
  stats: {
    filesDiscovered: number;
    filesAnalysed: number;
    filesSkipped: number;
    bytesDiscovered: number;
    /** Files the parser actually ran on (the rest came from the cache). */
    filesParsed: number;
    suppressed: number;
    seconds: number;
  };
}

/**
 * Where config discovery starts for a target: the target itself when it is a folder (`Qwen2.5-Math/` has
 * an extension-like dot and is still a folder), its folder when it is a file or does not exist yet.
 */
function startFolder(target: string): string {
  let stat;
  try {
    stat = statSync(target, { throwIfNoEntry: false });
  } catch {
    // `run.sh/x` (ENOTDIR) or an unreadable folder: discovery guesses from the name, and the walk that
    // follows reports the path as the user error it is
    stat = undefined;
  }
  if (stat) return stat.isDirectory() ? target : path.dirname(target);
  return path.extname(target) && !target.endsWith(path.sep) ? path.dirname(target) : target;
}

let cachedEngineKey: string | undefined;

/**
 * What cached facts depend on: the engine and grammar (FACTS_VERSION, bumped with any change to extraction or
 * to a rule's prefilter), provenant's version and every rule's triggers (computed once). Nothing here depends on
 * how the code was compiled, so the bundled `provenant audit` and the modules `gate` runs share one cache.
 */
function engineKey(): string {
  if (cachedEngineKey) return cachedEngineKey;
  const h = createHash('sha256').update(`facts ${FACTS_VERSION} provenant ${VERSION}\n`);
  // the catalog is data that decides verdicts: a new family must not leave old results standing
  h.update(JSON.stringify(modelCatalog));
  for (const r of RULES) h.update(`${r.code} ${r.triggers.join('|')} ${(r.requires ?? []).join('|')} ${r.prefilter ? 'prefilter' : ''}\n`);
  return (cachedEngineKey = h.digest('hex').slice(0, 16));
}

async function openCache(root: string, warnings: string[]): Promise<FactsStore> {
  const { openStore } = await import('../store/index.js');
  return openStore({ root, engineKey: engineKey(), warn: (m) => warnings.push(m) });
}

/** What git says a git mode should audit, asked before the tree walk so the two can overlap. */
async function askGit(root: string, options: AuditOptions): Promise<GitAnswer> {
  if (options.staged) {
    // load the front ends a commit almost always needs (the Python grammar) in the background while git
    // runs. Whoever needs one awaits this same promise, so a failure surfaces there.
    warmFrontEnds();
    const git = await import('../core/git.js');
    return { staged: await git.stagedFiles(root) };
  }
  const git = await import('../core/git.js');
  return { changed: new Set(await git.changedSince(root, options.changedSince ?? 'HEAD')) };
}

export async function audit(options: AuditOptions): Promise<AuditResult> {
  const started = performance.now();
  if (options.staged && options.changedSince) {
    throw new UserError('--staged and --changed-since cannot be combined', { hint: 'pick one of the two' });
  }
  const gitMode = Boolean(options.staged || options.changedSince);
  const targets = (options.paths.length ? options.paths : ['.']).map((p) => path.resolve(options.cwd, p));
  const first = targets[0] ?? options.cwd;
  const loaded = await loadConfig({
    cwd: startFolder(first),
    ...(options.configPath ? { configPath: path.resolve(options.cwd, options.configPath) } : {}),
    ...(options.isolated ? { isolated: true } : {}),
  });
  checkConfigCodes(loaded.config, loaded.source, options.cwd);
  checkFlagCodes('--select', options.select);
  checkFlagCodes('--ignore', options.ignore);
  const config: Config = {
    ...loaded.config,
    ...(options.select?.length ? { select: options.select } : {}),
    ...(options.ignore?.length ? { ignore: [...loaded.config.ignore, ...options.ignore] } : {}),
    ...(options.failOn ? { failOn: options.failOn } : {}),
  };
  const root = loaded.root;
  const warnings: string[] = [];
  // git modes audit a selection but resolve script calls and loaders against the whole tree
  const asking = gitMode ? askGit(root, options) : null;
  // awaited just below; until then a failure must not count as unhandled
  asking?.catch(() => undefined);
  // preview rules run only when asked for (`preview = true`, or selected by their full code)
  const rules = RULES.filter((r) => isRuleEnabled(config, r.code) && (r.status !== 'preview' || previewFor(config, r.code)));
  // the cache opens while git runs
  const store = options.noCache ? null : await openCache(root, warnings);
  let asked: Awaited<typeof asking>;
  try {
    asked = await asking;
  } catch (error) {
    store?.close();
    throw error;
  }
  const unwalked =
    (asked && 'staged' in asked ? stagedTree(root, config, asked.staged, store) : null) ??
    (!gitMode && options.paths.length ? namedFilesTree(root, config, targets, store) : null);
  let tree = unwalked;
  // when the tree was walked (the run memo trusts no mtime newer than this)
  let walkStarted: number | null = null;
  if (tree === null) {
    // git modes select tracked files, which git never ignores; a walk leaves out what git ignores
    let ignored: Set<string> | null = null;
    if (!gitMode && config.respectGitignore) {
      try {
        ignored = await (await import('../core/git.js')).gitIgnored(root);
      } catch (error) {
        store?.close();
        throw error;
      }
    }
    walkStarted = Date.now();
    tree = walkedTree(root, config, gitMode ? [root] : targets, asked, ignored);
  }
  if (options.contents?.size) tree = withContents(tree, root, options.contents);
  // a full walk of an unchanged tree answers from the last such run
  const memoKey =
    store && walkStarted !== null && !gitMode && !options.contents?.size
      ? runKey(root, tree, [engineKey(), JSON.stringify(config), loaded.source ?? '', annotationsKey(root, config.registry.annotations), String(comparesWholeProject(root, config)), ...targets.map((t) => path.relative(root, t))], walkStarted)
      : null;
  const recalled = store && memoKey ? recallRun(store, memoKey) : null;
  if (recalled) {
    store?.close();
    const { memo } = recalled;
    let parsed: Finding[] | null = null;
    const remembered = (): Finding[] => (parsed ??= JSON.parse(Buffer.concat(recalled.findings).toString('utf8')) as Finding[]);
    // without a baseline to apply, the findings stay text until something reads them
    const lazy = !baselineApplies(root, options);
    const { reported, baseline } = lazy ? { reported: null, baseline: null } : await handleBaseline(root, remembered(), options, narrowedBy(options, targets, root));
    const result: AuditResult = {
      root,
      configSource: loaded.source,
      config,
      findings: reported ?? [],
      skipped: memo.skipped,
      refused: memo.refused,
      sanctioned: memo.sanctioned,
      hashes: memo.hashes,
      warnings: [...warnings, ...memo.warnings],
      baseline,
      stats: {
        filesDiscovered: tree.selection.files.length,
        filesAnalysed: memo.analysed,
        filesSkipped: memo.skipped.length,
        bytesDiscovered: tree.selection.files.reduce((n, f) => n + f.size, 0),
        filesParsed: 0,
        suppressed: memo.suppressed,
        seconds: (performance.now() - started) / 1000,
      },
    };
    if (lazy) {
      Object.defineProperty(result, 'findings', { enumerable: true, get: remembered, set: (v: Finding[]) => void (parsed = v) });
      result.remembered = { findingsJson: recalled.findings, counts: memo.counts };
    }
    return result;
  }
  const { selection, context } = tree;
  const selected = new Set(selection.files.map((f) => f.path));
  const findings: Finding[] = [];
  const hashes: Record<string, string> = {};
  let suppressedCount = 0;
  let analysed = 0;
  let scanned;
  let sanctioned: SanctionedLoader[];
  // what the store said on opening is this run's news, not the remembered run's
  const warnedBefore = warnings.length;
  try {
    const roles = new CodeRoles(config, tree.files);
    const codes = rules.map((r) => r.code);
    // the loaders the config lists are the run's; else inference decides, and none is the workers' first guess
    const configured = config.sanctionedLoaders.map((name) => ({ name, source: 'config' as const, reasons: ['listed in sanctioned-loaders'] }));
    // the rules of the files to parse run where they are parsed: a walked tree says what the workers need
    const rulesContext = tree.all ? { root, config, all: [...tree.all], sanctioned: configured, codes } : undefined;
    scanned = await scan({
      ...(rulesContext && { rulesContext }),
      root,
      // a test folder reports nothing by default: its files are skipped below, unread
      ...(config.testCodeSeverity === 'off' && { unasked: (p: string) => roles.testByPath(p) }),
      neverLoaders: (p) => roles.testByPath(p),
      files: selection.files,
      context: config.sanctionedLoaders.length ? [] : context,
      rules,
      maxFileSize: config.maxFileSize,
      store,
      known: tree.all,
      ...(selection.contents ? { contents: selection.contents } : {}),
      ...(options.contents?.size ? { forgetContents: true } : {}),
      // a project rule (DUP001) reads every file's facts before the rules run: keep them for the rules
      retainFacts: rules.some((r) => r.phase === 'project') && (previewFor(config, DUP_CODE) || comparesWholeProject(root, config)),
    });
    warnings.push(...scanned.warnings);
    sanctioned = configured.length ? configured : await inferLoaders(scanned.loaderHints, store, roles);

    // a worker may have said the same already
    const warnOnce = (m: string): void => void (warnings.includes(m) || warnings.push(m));
    const project = projectFor(root, config, tree.files, sanctioned, warnOnce);
    const local = checker(project, roles, codes);
    const { ignoresFor, knownCodes: known } = local;
    // what a file's results depend on besides its own bytes: a change here recomputes every file.
    // Staged content is never remembered, so a run that did not walk the tree needs no key, and neither does
    // a run without a cache: its files' results would only be held until the end, for nothing.
    // (The tree is in the key also because a file's role asks whether an `__init__.py` sits beside it.)
    const projectKey = store && tree.all && createHash('sha256')
      .update(`results ${RESULTS_FORMAT}\n`)
      .update(JSON.stringify(config))
      .update(sanctioned.map((l) => l.name).join('\n'))
      // deprecated script calls' fixes name the registry's replacements
      .update(annotationsKey(root, config.registry.annotations))
      .update([...tree.all].join('\n'))
      .digest('hex');
    const resultsKeyOf = (file: string, hash: string): string | null =>
      projectKey ? createHash('sha256').update(projectKey).update(file).update(hash).digest('hex').slice(0, 32) : null;
    // the files still to parse, and the cached ones whose results this run must make again, are checked in the workers
    const stale = projectKey ? (file: string, hash: string, resultsKey: string | null) => resultsKey !== resultsKeyOf(file, hash) : undefined;
    if (rulesContext) for (const w of scanned.checkInWorkers({ ...rulesContext, sanctioned }, stale)) warnOnce(w);
    const afterRules = rules.filter((r): r is AfterRule => r.phase === 'after');
    // project rules depend on other files: computed afresh (from their own memo), never cached per file
    const projectRules = rules.filter((r): r is ProjectRule => r.phase === 'project');
    const near = projectRules.length
      ? await findNearDuplicates({ root, config, canonical: canonicalOf(root, config), noCache: Boolean(options.noCache), scanned: scanned.files, selection, context, all: tree.all, warn: (m) => warnings.push(m) })
      : new Map<string, readonly NearDuplicate[]>();
    const projectFindings = (file: string, language: Language, role: CodeRole, source: () => string): Finding[] => {
      const found = near.get(file);
      if (!found?.length) return [];
      const out: Finding[] = [];
      const run: FileRun = { language, path: file, role, facts: emptyFacts(file, language), project, config, ignored: ignoresFor(file), knownCodes: known, out, source };
      runRules(projectRules, run, (rule, ctx) => rule.check(ctx), { duplicates: found });
      const lines = out.length ? source().split('\n') : [];
      for (const f of out) f.frame = frameOf(lines, f.span);
      return out;
    };
    for (const file of scanned.files) {
      // a test folder reports nothing by default: its files are not even parsed for it
      if (config.testCodeSeverity === 'off' && roles.testByPath(file.path)) continue;
      const ignored = ignoresFor(file.path);
      const key = resultsKeyOf(file.path, file.row.hash);
      let own: Finding[];
      let role: CodeRole;
      const remembered = key && file.row.resultsKey === key && file.row.results !== null ? (JSON.parse(file.row.results) as FileResults) : null;
      const checked = remembered ? null : await file.checked();
      if (remembered) {
        ({ role, findings: own } = remembered);
      } else {
        let results: FileResults;
        if (checked) {
          results = checked.results;
          for (const w of checked.warnings) warnOnce(w);
        } else {
          const facts = await file.facts();
          results = checkFile(local, { path: file.path, language: file.language, candidate: file.candidate, facts, source: file.source });
        }
        ({ role, findings: own } = results);
        // staged content is audited but never remembered as the working file's results
        if (key && !selection.contents?.has(file.path)) {
          file.row.resultsKey = key;
          file.row.results = checked?.json ?? JSON.stringify(results satisfies FileResults);
        }
      }
      if (file.candidate) analysed++;
      own = [...own, ...projectFindings(file.path, rulesLanguage(file.language), role, file.source)];
      const { kept, used, suppressed } = applySuppressions(own, file.row.suppressions);
      suppressedCount += suppressed;
      const after: Finding[] = [];
      if (file.row.suppressions.length) {
        const facts = { ...emptyFacts(file.path, file.language), suppressions: file.row.suppressions };
        const run: FileRun = { language: rulesLanguage(file.language), path: file.path, role, facts, project, config, ignored, knownCodes: known, out: after };
        runRules(afterRules, run, (rule, ctx) => rule.check(ctx), { suppressionsUsed: used });
        const lines = after.length ? file.source().split('\n') : [];
        for (const f of after) f.frame = frameOf(lines, f.span);
      }
      // suppressions were matched against every finding first, so none is called unused because of this
      const placed = [...kept, ...after];
      // findings were on the front end's read source until here (suppressions are matched there)
      const { mapFinding } = frontEndOf(file.language);
      const facts = mapFinding && placed.length ? await file.facts() : null;
      if (placed.length) hashes[file.path] = file.row.hash;
      findings.push(...forRole(facts && mapFinding ? placed.map((f) => mapFinding(f, facts)) : placed, role, config.testCodeSeverity));
    }
    // files no file rule looked at, where a project rule found something (they hold no suppressions)
    const looked = new Set(scanned.files.map((f) => f.path));
    for (const file of near.keys()) {
      if (looked.has(file)) continue;
      if (config.testCodeSeverity === 'off' && roles.testByPath(file)) continue;
      const text = () => selection.contents?.get(file)?.toString('utf8') ?? readFileSync(path.join(root, file), 'utf8');
      const role = roles.of(file, null);
      findings.push(...forRole(projectFindings(file, FUNCTION_LANGUAGE, role, text), role, config.testCodeSeverity));
    }
    scanned.save();
  } catch (error) {
    store?.close();
    throw error;
  }
  const skipped = [...tree.skipped.filter((s) => !gitMode || selected.has(s.path)), ...scanned.skipped];
  // a folder named like a file of some front end is walked as a folder: say so rather than report it checked
  for (const t of gitMode ? [] : targets) {
    const language = languageOf(t);
    const reason = language ? frontEndOf(language).directoryReason : undefined;
    if (reason && existsSync(t) && statSync(t).isDirectory()) {
      skipped.push({ path: path.relative(root, t).split(path.sep).join('/'), reason });
    }
  }
  const named = new Set(gitMode ? [] : targets.map((t) => path.relative(root, t).split(path.sep).join('/')));
  const refused = skipped.filter((s) => {
    const language = named.has(s.path) ? languageOf(s.path) : null;
    return language !== null && frontEndOf(language).refusesUnread === true && !isSizeSkip(s.reason);
  });

  const sorted = dedupeAndSort(findings);
  assignFingerprints(sorted);
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  refused.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  try {
    // a file whose worker died is not analysed this time only: such a run is not remembered
    if (store && memoKey && !scanned.lost()) {
      const said = warnings.slice(warnedBefore);
      rememberRun(store, memoKey, { skipped, refused, sanctioned, hashes, warnings: said, analysed, suppressed: suppressedCount, counts: countFindings(sorted) }, sorted);
    }
  } finally {
    store?.close();
  }
  const { reported, baseline } = await handleBaseline(root, sorted, options, narrowedBy(options, targets, root));
  const bytes = selection.files.reduce((n, f) => n + f.size, 0);
  return {
    root,
    configSource: loaded.source,
    config,
    findings: reported,
    skipped,
    refused,
    sanctioned,
    hashes,
    warnings,
    baseline,
    stats: {
      filesDiscovered: selection.files.length,
      filesAnalysed: analysed,
      filesSkipped: skipped.length,
      bytesDiscovered: bytes,
      filesParsed: scanned.parsed(),
      suppressed: suppressedCount,
      seconds: (performance.now() - started) / 1000,
    },
  };
}

/** What narrows a run to part of the project (a baseline is written or updated only by a whole run), or null. */
function narrowedBy(options: AuditOptions, targets: readonly string[], root: string): string | null {
  if (options.staged || options.changedSince) return options.staged ? '--staged' : '--changed-since';
  if (options.select?.length || options.ignore?.length) return '--select/--ignore';
  return targets.some((t) => path.resolve(t) === path.resolve(root)) ? null : 'paths inside the project';
}

/**
 * Zero-config loaders. What each candidate file contributes is remembered by its content hash, so a
 * run decodes the facts of no loader file that did not change, even when an edited file (a staged
 * script) joins the candidates.
 */
async function inferLoaders(
  hints: { row: { path: string; hash: string }; summary(): Promise<LoaderSummary> }[],
  store: FactsStore | null,
  roles: CodeRoles,
): Promise<SanctionedLoader[]> {
  const memoKey = `${engineKey()}:loader-summaries:${SUMMARY_FORMAT}`;
  let known: Record<string, LoaderSummary> = {};
  const remembered = store?.memo('loaders');
  if (remembered) {
    try {
      const parsed = JSON.parse(remembered) as { key?: unknown; summaries?: Record<string, LoaderSummary> };
      if (parsed.key === memoKey && parsed.summaries && typeof parsed.summaries === 'object') known = parsed.summaries;
    } catch (error) {
      // a damaged memo is only a missed shortcut: it is recomputed and overwritten below
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  // test code is never a loader: a test folder's files are not even read for it
  const sorted = hints.filter((h) => !roles.testByPath(h.row.path)).sort((a, b) => (a.row.path < b.row.path ? -1 : 1));
  const summaries: Record<string, LoaderSummary> = {};
  let fresh = false;
  for (const h of sorted) {
    const id = `${h.row.path}\0${h.row.hash}`;
    const summary = known[id] ?? (await h.summary());
    if (!known[id]) fresh = true;
    summaries[id] = summary;
  }
  // only what the tree holds now is kept, so the memo never grows with history
  if (fresh || Object.keys(known).length !== sorted.length) {
    store?.remember('loaders', JSON.stringify({ key: memoKey, summaries }));
  }
  return combineLoaderSummaries(Object.values(summaries), (s) => roles.ofKnown(s.path, s)).chosen;
}

/** Bumped when `FileResults` changes shape, so results remembered in another shape are never read. */
const RESULTS_FORMAT = 3;

/** Findings of a file as its role lets them stand: test code's are dropped or lowered to info unless `inherit`. */
function forRole(findings: Finding[], role: CodeRole, mode: TestCodeSeverity): Finding[] {
  if (role !== 'test' || mode === 'inherit' || !findings.length) return findings;
  if (mode === 'off') return [];
  return findings.map((f) => (f.severity === 'info' ? f : { ...f, severity: 'info' }));
}

/**
 * Drops findings a suppression comment covers (its line, and the next line for a comment alone on its
 * line) and records which codes each suppression actually silenced, for the unused-suppression rule.
 */
function applySuppressions(
  findings: Finding[],
  suppressions: readonly SuppressionFact[],
): { kept: Finding[]; used: Map<SuppressionFact, Set<string>>; suppressed: number } {
  const used = new Map<SuppressionFact, Set<string>>();
  if (!suppressions.length) return { kept: findings, used, suppressed: 0 };
  const kept: Finding[] = [];
  let suppressed = 0;
  for (const f of findings) {
    let hit = false;
    for (const s of suppressions) {
      if (!s.lines.includes(f.span.line)) continue;
      for (const code of s.codes) {
        if (ruleMatches(f.code, [code])) {
          hit = true;
          const set = used.get(s) ?? new Set<string>();
          set.add(code);
          used.set(s, set);
        }
      }
    }
    if (hit) suppressed++;
    else kept.push(f);
  }
  return { kept, used, suppressed };
}

/** Whether a baseline takes part in the run: asked to be written or updated, named, or present by default. */
function baselineApplies(root: string, options: AuditOptions): boolean {
  const mode = options.baseline ?? 'use';
  if (mode === 'ignore') return false;
  return mode !== 'use' || Boolean(options.baselineFile) || existsSync(path.resolve(root, BASELINE_FILE));
}

async function handleBaseline(
  root: string,
  findings: Finding[],
  options: AuditOptions,
  narrowed: string | null,
): Promise<{ reported: Finding[]; baseline: AuditResult['baseline'] }> {
  const mode = options.baseline ?? 'use';
  if (mode === 'ignore' || !baselineApplies(root, options)) return { reported: findings, baseline: null };
  if ((mode === 'write' || mode === 'update') && narrowed) {
    // a partial run would record (or prune) only part of the project's findings
    throw new UserError(`--${mode}-baseline needs a run over the whole project, not one narrowed by ${narrowed}`, {
      hint: `run \`provenant audit --${mode}-baseline\` from the project root without paths or rule filters`,
    });
  }
  const file = path.resolve(root, options.baselineFile ?? BASELINE_FILE);
  // the baseline module (and its schema library) loads only when a baseline is involved
  const { applyBaseline, readBaseline, updateBaseline, writeBaseline } = await import('./baseline.js');
  if (mode === 'write') {
    const { written } = await withFileLock(root, file, file, () => writeBaseline(file, findings));
    return { reported: [], baseline: { file, mode, baselined: findings.length, fixed: 0, written } };
  }
  if (!existsSync(file)) {
    if (options.baselineFile || mode === 'update') {
      throw new UserError(`${file}: no such baseline file`, { hint: 'create it with `provenant audit --write-baseline`' });
    }
    return { reported: findings, baseline: null };
  }
  const baseline = readBaseline(file);
  if (!baseline) return { reported: findings, baseline: null };
  const applied = applyBaseline(baseline, findings);
  if (mode === 'update') {
    // read again under the lock: another update may have dropped entries since
    const { kept, dropped } = await withFileLock(root, file, file, () => updateBaseline(file, readBaseline(file) ?? baseline, findings));
    return { reported: applied.fresh, baseline: { file, mode, baselined: applied.baselined.length, fixed: dropped, written: kept } };
  }
  return {
    reported: applied.fresh,
    baseline: { file, mode, baselined: applied.baselined.length, fixed: applied.fixed.length, written: 0 },
  };
}

/** The registry's canonical files, read (YAML, schema) only when near-duplicates are compared. */
function canonicalOf(root: string, config: Config): () => Promise<ReadonlyMap<string, readonly string[]>> {
  return async () => (await import('../registry/canonical.js')).canonicalFiles(root, config.registry.annotations);
}

function dedupeAndSort(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of findings) {
    // a cell written as one JSON string has all its lines on one line of the file: its line in the cell tells them apart
    const key = `${f.path}\0${f.span.line}\0${f.cell?.line ?? 0}\0${f.span.col}\0${f.code}\0${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out.sort(
    (a, b) =>
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      a.span.line - b.span.line ||
      (a.cell?.line ?? 0) - (b.cell?.line ?? 0) ||
      a.span.col - b.span.col ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
