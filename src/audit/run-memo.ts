/**
 * A whole run remembered: the findings of the last full walk, under a key of everything they came from
 * (the engine, the config, the registry's annotations, the targets, and every walked file's path, size and
 * mtime). An unchanged tree answers from it without reading the cache's per-file rows. Like the per-file
 * rows, it trusts size and mtime; a file modified in the same clock tick as the walk could hide a change
 * behind an unchanged mtime, so a run whose tree holds a file that new is not remembered.
 */
import { createHash } from 'node:crypto';
import type { Finding, SkippedFile } from '../schemas/finding.js';
import type { FindingCounts } from './report.js';
import type { FactsStore } from '../store/index.js';
import type { SanctionedLoader } from './project.js';
import type { Tree } from './tree.js';

/** Bumped when `RunMemo` changes shape. */
const RUN_FORMAT = 1;

/** A file modified this close to the walk (ms) may change again without its mtime moving. */
export const RACY_MS = 2000;

const MEMO_NAME = 'run';

/** What a run keeps besides its findings: what it said about the tree, and counts for the report. */
export interface RunMemo {
  skipped: SkippedFile[];
  refused: SkippedFile[];
  sanctioned: SanctionedLoader[];
  hashes: Record<string, string>;
  warnings: string[];
  analysed: number;
  suppressed: number;
  counts: FindingCounts;
}

/**
 * The key of a walked run, or null when its tree is too fresh to trust mtimes (see above). `inputs` are the
 * run's other inputs as text (engine key, config, annotations, targets).
 */
export function runKey(tree: Tree, inputs: readonly string[], walkStarted: number): string | null {
  if (!tree.all) return null;
  const h = createHash('sha256').update(`run ${RUN_FORMAT}\n`);
  for (const input of inputs) h.update(input).update('\0');
  for (const list of [tree.selection.files, tree.context]) {
    h.update('\n--\n');
    for (const f of list) {
      if (f.mtimeMs > walkStarted - RACY_MS) return null;
      h.update(`${f.path}\0${f.size}\0${f.mtimeMs}\n`);
    }
  }
  h.update('\n--\n').update([...tree.all].join('\n'));
  h.update('\n--\n').update(JSON.stringify(tree.skipped));
  return h.digest('hex');
}

/**
 * The findings as the JSON report prints them: `JSON.stringify(findings, null, 2)` with every line after the
 * first indented once more, as it stands one level down in the report (still JSON: only whitespace differs).
 */
export function findingsJson(findings: readonly Finding[]): string {
  return JSON.stringify(findings, null, 2).replaceAll('\n', '\n  ');
}

/**
 * The remembered run under this key, or null (none, another key, or damaged: then it is only recomputed).
 * Its findings stay bytes until asked for.
 */
export function recallRun(store: FactsStore, key: string): { memo: RunMemo; findings: Buffer } | null {
  const bytes = store.memoBytes(MEMO_NAME);
  if (!bytes || bytes.length <= key.length || bytes.toString('latin1', 0, key.length + 1) !== `${key}\n`) return null;
  const headEnd = bytes.indexOf(0x0a, key.length + 1);
  if (headEnd < 0) return null;
  try {
    return { memo: JSON.parse(bytes.toString('utf8', key.length + 1, headEnd)) as RunMemo, findings: bytes.subarray(headEnd + 1) };
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

/** Stored as bytes: the key, the memo (one line of JSON) and the findings' text. */
export function rememberRun(store: FactsStore, key: string, memo: RunMemo, findings: readonly Finding[]): void {
  store.remember(MEMO_NAME, Buffer.from(`${key}\n${JSON.stringify(memo)}\n${findingsJson(findings)}`));
}
