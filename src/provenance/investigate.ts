/**
 * `provenant investigate PATH`: the data-provenance investigation of a file made before stamps existed. It
 * matches the file's field set against the record shapes each Python script or notebook writes (Jaccard), dates the file
 * (its first commit, else its mtime) and the sanctioned loader (its first commit), reads which scripts existed
 * when the file appeared (from that commit's tree, so renamed and deleted scripts count), and gathers the
 * candidates' registry status and known bugs. The answer is an evidence table and a verdict with its reason;
 * `record` writes a legacy stamp holding the investigation, through the crash-safe stamp commit, so
 * `provenant verify` refuses a quarantined file from then on.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { isNotebookPath, readNotebookSource } from '../analysis/notebook/index.js';
import { loadConfig } from '../config/config.js';
import { UserError } from '../core/errors.js';
import { discover } from '../core/files.js';
import { commitAtDate, filesAtCommit, firstAdded, isAncestor, textsAtCommit, type DatedCommit } from '../core/git-history.js';
import type { Config } from '../schemas/config.js';
import type { InvestigateCandidate, InvestigateReport } from '../schemas/provenance-reports.js';
import { artifactPath } from './lineage.js';
import { scriptWrites, jaccard } from './investigate-keys.js';
import { decide, evidenceTable, OUTPUT_FIELDS, type Facts, type Loader } from './investigate-verdict.js';
import { producerLookup, type ProducerLookup } from './producer.js';
import { isJsonl, readJsonl } from './records.js';

export interface InvestigateOptions {
  cwd: string;
  path: string;
  /** Write a legacy stamp holding the investigation. */
  record?: boolean;
  /** A person's reason for accepting the file as it is: recorded in the legacy stamp, which then verifies. */
  accept?: string;
  env?: NodeJS.ProcessEnv;
  warn(message: string): void;
}

/** A candidate counts as the likely producer from this overlap up. */
export const LIKELY = 0.6;
/** Scripts and notebooks (a notebook's code cells are Python), kept under `.DEPRECATED` or not. */
const SCRIPT_GLOBS = ['**/*.py', '**/*.py.DEPRECATED', '**/*.ipynb', '**/*.ipynb.DEPRECATED'];
const SCRIPT_PATH = /\.(?:py|ipynb)(?:\.DEPRECATED)?$/;
const PYTHON_PATH = /\.py(?:\.DEPRECATED)?$/;

/** The Python a candidate runs: a script's text, a notebook's code cells joined; null for a notebook that does not read. */
function codeOf(file: string, text: string): string | null {
  if (!isNotebookPath(file.replace(/\.DEPRECATED$/, ''))) return text;
  const read = readNotebookSource(text);
  return read.ok ? read.notebook.python : null;
}

export async function investigate(options: InvestigateOptions): Promise<InvestigateReport> {
  const { config, root } = await loadConfig({ cwd: options.cwd });
  const rel = artifactPath(root, options.cwd, options.path);
  const abs = path.join(root, rel);
  if (!existsSync(abs)) throw new UserError(`${rel}: no such file`, { hint: 'investigate a file that exists' });
  if (statSync(abs).isDirectory()) throw new UserError(`${rel}: a folder`, { hint: 'investigate one data file at a time' });

  const added = await firstAdded(root);
  const summary = isJsonl(rel) ? readJsonl(abs) : null;
  const fields = summary?.fields ?? [];
  const firstSeen = await dateOf(root, rel, added);
  const loader = findLoader(root, config, added);
  const producers = await producerLookup(root, config);
  const candidates = await rankCandidates(root, config, fields, firstSeen, loader, producers, added);
  const facts: Facts = {
    path: rel,
    size: statSync(abs).size,
    records: summary?.records ?? null,
    problem: summary?.problem ?? null,
    fields,
    outputs: fields.filter((f) => OUTPUT_FIELDS.has(f)),
    firstSeen,
    loader,
    candidates: candidates.ranked,
    scriptsThen: candidates.scriptsThen,
  };
  const { verdict, reason } = decide(facts, LIKELY);
  const report: InvestigateReport = {
    version: 1,
    path: rel,
    verdict,
    reason,
    records: facts.records,
    fields,
    firstSeen: { source: firstSeen.source, commit: firstSeen.commit, date: firstSeen.date },
    loader: loader ? { path: loader.path, commit: loader.added?.commit ?? null, date: loader.added?.date ?? null } : null,
    candidates: candidates.ranked,
    evidence: evidenceTable(facts, verdict, LIKELY),
    recorded: null,
  };
  if (options.accept !== undefined && verdict === 'quarantine') {
    throw new UserError(`${rel}: the investigation quarantines it (${reason}); accepting does not lift a quarantine`, { hint: 'regenerate the file with an active script through `provenant run`' });
  }
  if (options.record || options.accept !== undefined) {
    const { recordLegacyStamp } = await import('./investigate-record.js');
    report.recorded = await recordLegacyStamp(root, config, report, options.env ?? process.env, options.warn, options.accept);
  }
  return report;
}

export interface FirstSeen {
  source: 'git' | 'mtime';
  commit: string | null;
  date: string;
}

/** The file's first commit, else its modification time (the weaker evidence, said so in the table). */
async function dateOf(root: string, rel: string, added: Map<string, DatedCommit>): Promise<FirstSeen> {
  const commit = added.get(rel);
  if (commit) return { source: 'git', commit: commit.commit, date: commit.date };
  return { source: 'mtime', commit: null, date: statSync(path.join(root, rel)).mtime.toISOString() };
}

/**
 * The file of the first configured sanctioned loader: `pkg.mod.Name` is looked for as `pkg/mod.py` (or
 * `pkg/mod/__init__.py`), then `pkg.py`, anywhere under the root; null when none is configured or found.
 */
function findLoader(root: string, config: Config, added: Map<string, DatedCommit>): Loader | null {
  const found = sanctionedLoaderFile(root, config);
  return found && { ...found, added: added.get(found.path) ?? null };
}

/** The file (root-relative) and module name of the first configured sanctioned loader found in the tree. */
export function sanctionedLoaderFile(root: string, config: Config): Omit<Loader, 'added'> | null {
  if (config.sanctionedLoaders.length === 0) return null;
  const files = discover({ root, targets: [root], include: ['**/*.py'], exclude: config.exclude }).files.map((f) => f.path);
  for (const name of config.sanctionedLoaders) {
    const parts = name.split('.');
    for (let k = parts.length - 1; k >= 1; k--) {
      const mod = parts.slice(0, k).join('/');
      const hit = files
        .filter((f) => f === `${mod}.py` || f.endsWith(`/${mod}.py`) || f === `${mod}/__init__.py` || f.endsWith(`/${mod}/__init__.py`))
        .sort((a, b) => a.length - b.length)[0];
      if (hit) return { name, path: hit, module: parts[k - 1] ?? mod };
    }
  }
  return null;
}

interface Ranked {
  ranked: InvestigateCandidate[];
  /** How many Python scripts existed when the file appeared (null: unknown, no history). */
  scriptsThen: number | null;
}

/** Every script whose record shapes overlap the file's fields, best first. */
async function rankCandidates(
  root: string,
  config: Config,
  fields: string[],
  seen: FirstSeen,
  loader: Loader | null,
  producers: ProducerLookup,
  added: Map<string, DatedCommit>,
): Promise<Ranked> {
  const then = await scriptsAt(root, seen);
  const now = new Map<string, string>();
  // a script of that time now elsewhere with the same text (renamed `.DEPRECATED`, moved) is one candidate
  const thenByText = new Map([...then.texts].map(([file, text]) => [text, file]));
  const movedTo = new Map<string, string>();
  for (const f of discover({ root, targets: [root], include: SCRIPT_GLOBS, exclude: config.exclude }).files) {
    if (then.texts.has(f.path)) continue;
    const text = readFileSync(f.abs, 'utf8');
    const before = thenByText.get(text);
    if (before && !then.texts.has(f.path)) movedTo.set(before, f.path);
    else now.set(f.path, text);
  }
  const out: InvestigateCandidate[] = [];
  const quoted = fields.map((f) => new RegExp(`["']${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']|\\b${f.replace(/\W/g, '')}\\s*=`));
  const consider = async (file: string, raw: string, existedThen: boolean): Promise<void> => {
    const text = codeOf(file, raw);
    if (text === null || fields.length === 0 || !quoted.some((q) => q.test(text))) return;
    const writes = await scriptWrites(text);
    let best: string[] = [];
    let score = 0;
    for (const shape of writes.shapes) {
      const s = jaccard(shape, fields);
      if (s > score) [score, best] = [s, shape];
    }
    if (score === 0) return;
    const facts = producers.facts(file);
    const usesLoader = loader ? file === loader.path || writes.modules.some((m) => m.split('.').at(-1) === loader.module) : null;
    const bugs = await relevantBugs(root, facts.bugs, seen);
    out.push({ path: file, score: Math.round(score * 100) / 100, existedThen, status: facts.status, usesLoader, bugs, keys: best, reasons: reasonsFor(file, best, fields, existedThen, facts, usesLoader, added, seen, movedTo.get(file)) });
  };
  for (const [file, text] of then.texts) await consider(file, text, true);
  for (const [file, text] of now) await consider(file, text, then.known ? false : isOlder(added.get(file)?.date ?? mtimeOf(root, file), seen.date));
  out.sort((a, b) => b.score - a.score || Number(b.existedThen) - Number(a.existedThen) || (a.path < b.path ? -1 : 1));
  // the evidence counts the Python scripts of that time; notebooks are weighed as candidates all the same
  return { ranked: out, scriptsThen: then.known ? [...then.texts.keys()].filter((f) => PYTHON_PATH.test(f)).length : null };
}

function mtimeOf(root: string, rel: string): string {
  return statSync(path.join(root, rel)).mtime.toISOString();
}

function isOlder(a: string, b: string): boolean {
  return Date.parse(a) <= Date.parse(b);
}

/** The Python scripts and notebooks of the commit the file appeared in (or the last commit before its mtime), with their text then. */
async function scriptsAt(root: string, seen: FirstSeen): Promise<{ known: boolean; texts: Map<string, string> }> {
  const commit = seen.commit ?? (await commitAtDate(root, new Date(seen.date)))?.commit ?? null;
  if (!commit) return { known: false, texts: new Map() };
  const files = (await filesAtCommit(root, commit)).filter((f) => SCRIPT_PATH.test(f));
  return { known: true, texts: await textsAtCommit(root, commit, files) };
}

/** Open bugs, and bugs fixed only after the file was made (or whose fix git cannot place). */
async function relevantBugs(root: string, bugs: readonly { summary: string; fixed_in?: string | undefined }[], seen: FirstSeen): Promise<string[]> {
  const out: string[] = [];
  for (const bug of bugs) {
    if (!bug.fixed_in) out.push(`${bug.summary} (open)`);
    else if (!seen.commit || (await isAncestor(root, bug.fixed_in, seen.commit)) !== true) out.push(`${bug.summary} (fixed in ${bug.fixed_in}, after the file was made)`);
  }
  return out;
}

function reasonsFor(
  file: string,
  keys: string[],
  fields: string[],
  existedThen: boolean,
  facts: ReturnType<ProducerLookup['facts']>,
  usesLoader: boolean | null,
  added: Map<string, DatedCommit>,
  seen: FirstSeen,
  movedTo: string | undefined,
): string[] {
  const reasons: string[] = [];
  const missing = fields.filter((f) => !keys.includes(f));
  const extra = keys.filter((k) => !fields.includes(k));
  if (!missing.length && !extra.length) reasons.push('writes records with exactly these fields');
  else reasons.push(`writes {${keys.join(', ')}}${missing.length ? `; never writes ${missing.join(', ')}` : ''}${extra.length ? `; the file lacks ${extra.join(', ')}` : ''}`);
  const date = added.get(file)?.date;
  reasons.push(existedThen ? 'existed when the file appeared' : `did not exist yet when the file appeared${date ? ` (first committed ${date.slice(0, 10)})` : ''}`);
  if (movedTo && !facts.renamedDeprecated) reasons.push(`now at ${movedTo}`);
  else if (!facts.exists && !facts.renamedDeprecated) reasons.push('no longer in the tree (deleted, or moved and changed since)');
  if (facts.status === 'deprecated') reasons.push(`deprecated${facts.reason ? `: ${facts.reason}` : ''}${facts.replacedBy ? `; replaced by ${facts.replacedBy}` : ''}`);
  if (usesLoader !== null) reasons.push(usesLoader ? 'imports the sanctioned loader' : 'does not import the sanctioned loader');
  if (seen.source === 'mtime') reasons.push('dated by file modification times, not git');
  return reasons;
}
