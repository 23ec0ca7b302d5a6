/**
 * `provenant registry similar PATH[:FUNCTION]`: the functions elsewhere in the project that nearly
 * match a file's functions (or one of them), best first, canonical implementations marked. The function
 * index is brought up to date first, so a project that never ran `registry sync` gets one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { languageOf, sizedBySource, sourceProblem } from '../analysis/index.js';
import { loadConfig } from '../config/config.js';
import { errorMessage, UserError } from '../core/errors.js';
import { decodeSource, discover } from '../core/files.js';
import type { SimilarReport } from '../schemas/similar.js';
import { FunctionIndex, type IndexedFunction } from '../similarity/function-index.js';
import { syncFunctionIndex } from '../similarity/index-sync.js';
import { matchFunctions, toNearDuplicate } from '../similarity/near-duplicates.js';
import { canonicalFiles } from './canonical.js';

export interface SimilarOptions {
  cwd: string;
  configPath?: string;
  isolated?: boolean;
  /** `PATH` or `PATH:FUNCTION` (a function name or dotted qualname such as `Critic.score`). */
  target: string;
  /** Overrides `registry.similarity-threshold` (0-1). */
  threshold?: number;
}

export interface SimilarResult extends SimilarReport {
  warnings: string[];
  /** Files whose functions were (re)indexed and how many of them had to be parsed. */
  indexed: number;
  parsed: number;
}

/** Splits `scripts/x.py:score_pair`; a colon not followed by a name is part of the path. */
export function parseTarget(target: string): { file: string; fn: string | null } {
  const m = /^(.+?):([A-Za-z_][\w.]*)$/.exec(target);
  return m?.[1] && m[2] ? { file: m[1], fn: m[2] } : { file: target, fn: null };
}

function checkThreshold(value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0 || value > 1) {
    throw new UserError(`--threshold: expected a number above 0 and at most 1, got ${String(value)}`, { hint: 'e.g. --threshold 0.8 for 80%' });
  }
}

function relativeTarget(root: string, cwd: string, file: string): string {
  const rel = path.relative(root, path.resolve(cwd, file)).split(path.sep).join('/');
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new UserError(`${file}: outside the project at ${root}`, { hint: 'name a Python file inside the project' });
  }
  return rel;
}

function pickFunctions(all: IndexedFunction[], file: string, fn: string | null): IndexedFunction[] {
  if (fn === null) return all;
  const picked = all.filter((f) => f.qualname === fn || f.qualname.split('.').pop() === fn);
  if (picked.length === 0) {
    const names = all.map((f) => f.qualname);
    throw new UserError(`${file}: no function \`${fn}\``, {
      hint: names.length ? `its functions: ${names.join(', ')}` : 'it defines no function',
    });
  }
  return picked;
}

/**
 * A notebook asked about that is no notebook (invalid JSON, nbformat 3, a bad cell) has no functions to
 * compare: a usage error naming why, not "nothing is similar".
 */
function refuseUnreadable(root: string, file: string, maxFileSize: number): void {
  const language = languageOf(file);
  if (language === null || !sizedBySource(language)) return;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(root, file));
  } catch (error) {
    throw new UserError(`${file}: cannot read it (${errorMessage(error)})`, { cause: error });
  }
  const decoded = decodeSource(bytes);
  const problem = decoded.ok ? sourceProblem(language, decoded.text, maxFileSize) : decoded.reason;
  if (problem !== null) throw new UserError(`${file}: ${problem}`, { hint: 'its functions cannot be compared until it reads as a notebook' });
}

/** A function's line as people find it: in a notebook, the JSON's line and the cell with the line in it. */
function located(f: IndexedFunction): { line: number; cell?: { index: number; line: number } } {
  return f.place ? { line: f.place.jsonLine, cell: { index: f.place.cell, line: f.place.line } } : { line: f.line };
}

export async function findSimilar(options: SimilarOptions): Promise<SimilarResult> {
  checkThreshold(options.threshold);
  const loaded = await loadConfig({
    cwd: options.cwd,
    ...(options.configPath ? { configPath: path.resolve(options.cwd, options.configPath) } : {}),
    ...(options.isolated ? { isolated: true } : {}),
  });
  const { root, config } = loaded;
  const { file: rawFile, fn } = parseTarget(options.target);
  const file = relativeTarget(root, options.cwd, rawFile);
  const threshold = options.threshold ?? config.registry.similarityThreshold;
  const minTokens = config.registry.minTokens;
  const found = discover({ root, targets: [root], include: config.include, exclude: config.exclude });
  // a notebook's code cells are Python: its functions are compared with the scripts' both ways
  const python = found.files.filter((f) => f.path.endsWith('.py') || f.path.toLowerCase().endsWith('.ipynb'));
  if (!python.some((f) => f.path === file)) {
    throw new UserError(`${rawFile}: not a Python file or notebook of the project`, {
      hint: found.all.has(file) ? 'only functions of Python files and notebooks are compared' : 'check the path (relative to the current folder)',
    });
  }
  refuseUnreadable(root, file, config.maxFileSize);
  const warnings: string[] = [];
  const canonical = await canonicalFiles(root, config.registry.annotations);
  const { openDatabase } = await import('../store/index.js');
  const db = openDatabase({ root, warn: (m) => warnings.push(m) });
  if (!db) throw new UserError(`${root}/.provenant: cannot open the index`, { hint: warnings.join('; ') || 'check the folder is writable' });
  try {
    const index = new FunctionIndex(db);
    const synced = await syncFunctionIndex({
      root,
      index,
      files: python.map((f) => ({ path: f.path, stat: { mtimeMs: f.mtimeMs, size: f.size } })),
      mode: 'complete',
      maxFileSize: config.maxFileSize,
      warn: (m) => warnings.push(m),
    });
    const queries = pickFunctions(index.functionsOf(file), file, fn);
    const short = queries.filter((q) => q.tokens < minTokens);
    const wanted = new Set(queries.map((q) => q.id));
    const settings = { threshold, minTokens, canonical };
    const pairs = matchFunctions(index, [file], synced.current, settings, { only: (f) => wanted.has(f.id), sameFile: 'any' }).flatMap(
      ({ query, matches }) => matches.map((m) => ({ query, near: toNearDuplicate(query, m, canonical), tokens: m.of.tokens })),
    );
    pairs.sort((a, b) => b.near.similarity - a.near.similarity || a.query.line - b.query.line || (a.near.of.path < b.near.of.path ? -1 : a.near.of.path > b.near.of.path ? 1 : a.near.of.line - b.near.of.line));
    return {
      root,
      path: file,
      function: fn,
      threshold,
      minTokens,
      pairs: pairs.map(({ query, near, tokens }) => ({
        function: { path: file, qualname: query.qualname, ...located(query), tokens: query.tokens },
        duplicateOf: {
          path: near.of.path,
          qualname: near.of.qualname,
          line: near.of.line,
          ...(near.of.cell && { cell: near.of.cell }),
          tokens,
          canonical: near.of.canonical,
          canonicalFor: near.of.canonicalFor,
        },
        similarity: near.similarity,
      })),
      tooShort: short.map((q) => ({ qualname: q.qualname, ...located(q), tokens: q.tokens })),
      warnings,
      indexed: synced.indexed,
      parsed: synced.parsed,
    };
  } finally {
    db.close();
  }
}
