/**
 * Near-duplicate functions: which functions of some files nearly match a function elsewhere in a set
 * of files (the universe), the canonical implementations first. Shared by `registry similar` and the
 * audit's DUP001, which keeps the answers per file in a memo and recomputes only the files an index
 * change can affect.
 */
import { createHash } from 'node:crypto';

import { percent } from '../analysis/python/fingerprint.js';
import type { CanonicalFiles, NearDuplicate } from '../schemas/similar.js';
import { byBestMatch, INDEX_VERSION, type FunctionIndex, type IndexedFunction, type Match } from './function-index.js';

export interface DuplicateSettings {
  threshold: number;
  minTokens: number;
  canonical: CanonicalFiles;
}

export type { CanonicalFiles, NearDuplicate };

/**
 * Every match of every function of `paths` against the functions of `universe` (path → indexed hash; null
 * for every indexed file), best first; a canonical match ranks before any other. Within one file only
 * earlier functions count, so a pair in one file is reported once, on the later copy. A function of a
 * canonical file is never reported: it is the one to keep.
 */
export function matchFunctions(
  index: FunctionIndex,
  paths: readonly string[],
  universe: ReadonlyMap<string, string> | null,
  settings: DuplicateSettings,
  options: { only?: (f: IndexedFunction) => boolean; sameFile?: 'earlier' | 'any'; bestOnly?: boolean } = {},
): { query: IndexedFunction; matches: Match[] }[] {
  const { only, sameFile = 'earlier' } = options;
  const rank = (a: Match, b: Match): number => Number(settings.canonical.has(b.of.path)) - Number(settings.canonical.has(a.of.path)) || byBestMatch(a, b);
  const queries = paths
    .filter((p) => !universe || universe.has(p))
    .flatMap((p) => index.functionsOf(p))
    .filter((f) => f.tokens >= settings.minTokens && (!only || only(f)));
  const found = index.matches(queries, settings.threshold, (candidate, query) => {
    if (candidate.tokens < settings.minTokens || (universe && !universe.has(candidate.path))) return false;
    if (candidate.path !== query.path) return true;
    // an enclosing function holds its nested one's text: that is not a copy
    if (nests(candidate.qualname, query.qualname) || nests(query.qualname, candidate.qualname)) return false;
    return sameFile === 'any' || candidate.line < query.line;
  }, { ...(universe && { pool: universe.keys() }), ...(options.bestOnly && { best: rank }) });
  return queries.map((query, i) => ({ query, matches: [...(found[i] ?? [])].sort(rank) }));
}

/** For each of `paths`, its functions' best near-duplicates in `universe` (see `matchFunctions`). */
export function bestMatches(
  index: FunctionIndex,
  paths: readonly string[],
  universe: ReadonlyMap<string, string> | null,
  settings: DuplicateSettings,
): Map<string, NearDuplicate[]> {
  const out = new Map<string, NearDuplicate[]>();
  // a function of a canonical file is the one to keep: not asked about
  const only = (f: IndexedFunction): boolean => !settings.canonical.has(f.path);
  for (const { query, matches } of matchFunctions(index, paths, universe, settings, { only, bestOnly: true })) {
    const best = matches[0];
    if (!best) continue;
    const found = out.get(query.path);
    const near = toNearDuplicate(query, best, settings.canonical);
    if (found) found.push(near);
    else out.set(query.path, [near]);
  }
  return out;
}

function nests(outer: string, inner: string): boolean {
  return inner.startsWith(`${outer}.`);
}


export function toNearDuplicate(query: IndexedFunction, match: Match, canonical: CanonicalFiles): NearDuplicate {
  const capabilities = canonical.get(match.of.path);
  const place = match.of.place;
  return {
    // the query's line stays the joined cells' line in a notebook: the audit places findings from it
    qualname: query.qualname,
    line: query.line,
    col: query.col,
    similarity: percent(match.similarity),
    of: {
      path: match.of.path,
      qualname: match.of.qualname,
      line: place ? place.jsonLine : match.of.line,
      ...(place && { cell: { index: place.cell, line: place.line } }),
      canonical: capabilities !== undefined,
      canonicalFor: [...(capabilities ?? [])],
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The audit's memo: results per file, valid while the universe they were computed against stands.

interface Memo {
  settings: string;
  universe: Record<string, string>;
  results: Record<string, { hash: string; found: NearDuplicate[] }>;
}

export interface DuplicateRun {
  index: FunctionIndex;
  /** path → indexed content hash of every file compared against. */
  universe: ReadonlyMap<string, string>;
  /** Files whose functions are reported on (each in the universe). */
  audited: readonly string[];
  settings: DuplicateSettings;
  /** The previous run's memo (JSON), if any. */
  memo: string | undefined;
}

/** Bumped whenever what counts as a match changes, so remembered answers from before are dropped. */
const MATCHING_VERSION = 4;

function settingsKey(s: DuplicateSettings): string {
  const canonical = [...s.canonical].sort(([a], [b]) => (a < b ? -1 : 1));
  // the index version too: answers computed from other fingerprints are not answers any more
  return createHash('sha256').update(JSON.stringify([INDEX_VERSION, MATCHING_VERSION, s.threshold, s.minTokens, canonical])).digest('hex').slice(0, 16);
}

function readMemo(text: string | undefined, settings: string): Memo | null {
  if (text === undefined) return null;
  try {
    const memo = JSON.parse(text) as Partial<Memo>;
    if (memo.settings !== settings || !memo.universe || !memo.results) return null;
    return memo as Memo;
  } catch (error) {
    // a damaged memo only costs a recomputation
    if (!(error instanceof SyntaxError)) throw error;
    return null;
  }
}

/**
 * Files whose answer a universe change can alter: those whose best match lives in a changed or
 * vanished file, and those holding a function similar enough to one of a new or changed file
 * (similarity is symmetric, so asking from the new functions finds them).
 */
function affected(run: DuplicateRun, before: Memo): Set<string> {
  const changed = new Set<string>();
  for (const [p, h] of Object.entries(before.universe)) if (run.universe.get(p) !== h) changed.add(p);
  const added = [...run.universe].filter(([p, h]) => before.universe[p] !== h).map(([p]) => p);
  for (const p of added) changed.add(p);
  const dirty = new Set<string>();
  for (const [p, r] of Object.entries(before.results)) if (r.found.some((d) => changed.has(d.of.path))) dirty.add(p);
  for (const { matches } of matchFunctions(run.index, added, run.universe, { ...run.settings, canonical: new Map() })) {
    for (const m of matches) dirty.add(m.of.path);
  }
  // a pair inside one added file was found from its later function only: the file itself is dirty anyway
  for (const p of added) dirty.add(p);
  return dirty;
}

/** Near-duplicates per audited file, and the memo to keep for the next run. */
export function duplicatesFor(run: DuplicateRun): { byPath: Map<string, NearDuplicate[]>; memo: string; computed: number } {
  const settings = settingsKey(run.settings);
  const before = readMemo(run.memo, settings);
  const dirty = before ? affected(run, before) : null;
  const results: Memo['results'] = {};
  const todo: string[] = [];
  for (const p of run.audited) {
    const hash = run.universe.get(p);
    if (hash === undefined) continue;
    const kept = before?.results[p];
    if (kept && kept.hash === hash && !dirty?.has(p)) results[p] = kept;
    else todo.push(p);
  }
  for (const [p, found] of bestMatches(run.index, todo, run.universe, run.settings)) results[p] = { hash: run.universe.get(p) ?? '', found };
  for (const p of todo) results[p] ??= { hash: run.universe.get(p) ?? '', found: [] };
  // files audited before but not now keep their answers while the universe stands
  if (before && dirty) {
    for (const [p, r] of Object.entries(before.results)) {
      if (!(p in results) && run.universe.get(p) === r.hash && !dirty.has(p)) results[p] = r;
    }
  }
  const byPath = new Map<string, NearDuplicate[]>();
  for (const p of run.audited) {
    const found = results[p]?.found;
    if (found?.length) byPath.set(p, found);
  }
  const memo: Memo = { settings, universe: Object.fromEntries(run.universe), results };
  return { byPath, memo: JSON.stringify(memo), computed: todo.length };
}
