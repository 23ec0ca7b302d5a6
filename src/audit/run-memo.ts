/**
 * A whole run remembered: the findings of the last full walk, under a key of everything they came from
 * (the engine, the config, the registry's annotations, the targets, and every file's path, size and mtime). An unchanged tree answers from it without reading the cache's per-file rows. Like the per-file
 * rows, it trusts size and mtime; a file modified in the same clock tick as the walk could hide a change
 * behind an unchanged mtime, so a run whose tree holds a file that new is not remembered.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
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
 * run's other inputs as text (engine key, config, annotations, targets). The files the walk did not select are
 * stat'ed too: a front end reads some of them (a tsconfig.json and what it extends), and a rule may.
 */
export function runKey(root: string, tree: Tree, inputs: readonly string[], walkStarted: number): string | null {
  if (!tree.all) return null;
  const walked = new Set<string>();
  for (const f of tree.selection.files) walked.add(f.path);
  for (const f of tree.context) walked.add(f.path);
  // one text hashed at once: 20,000 small updates cost more than the hash
  const lines = [`run ${RUN_FORMAT}`, ...inputs.map((input) => `${input}\0`)];
  for (const list of [tree.selection.files, tree.context]) {
    lines.push('--');
    for (const f of list) {
      if (f.mtimeMs > walkStarted - RACY_MS) return null;
      lines.push(`${f.path}\0${f.size}\0${f.mtimeMs}`);
    }
  }
  lines.push('--');
  for (const p of tree.all) {
    if (walked.has(p)) continue;
    const st = statSync(path.join(root, p), { throwIfNoEntry: false });
    if (st && st.mtimeMs > walkStarted - RACY_MS) return null;
    lines.push(`${p}\0${st?.size ?? -1}\0${st?.mtimeMs ?? -1}`);
  }
  lines.push('--', JSON.stringify(tree.skipped));
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Bytes of findings text per stored part: the memo is written and printed a part at a time. */
const PART_BYTES = 1 << 20;

/**
 * The findings as the JSON report prints them, in parts of about `partBytes`: together, exactly
 * `JSON.stringify(findings, null, 2)` with every line after the first indented once more, as the array stands
 * one level down in the report (still JSON: only whitespace differs). Made a finding at a time, so a run of
 * 50,000 findings never holds their whole text at once.
 */
export function* findingsJsonParts(findings: readonly Finding[], partBytes = PART_BYTES): Generator<Buffer> {
  if (!findings.length) {
    yield Buffer.from('[]');
    return;
  }
  let pending: string[] = ['[\n'];
  let size = 2;
  for (let i = 0; i < findings.length; i++) {
    const item = `    ${JSON.stringify(findings[i], null, 2).replaceAll('\n', '\n    ')}${i + 1 < findings.length ? ',\n' : '\n  ]'}`;
    pending.push(item);
    size += item.length;
    if (size >= partBytes) {
      yield Buffer.from(pending.join(''));
      pending = [];
      size = 0;
    }
  }
  if (pending.length) yield Buffer.from(pending.join(''));
}

/**
 * The remembered run under this key, or null (none, another key, or damaged: then it is only recomputed).
 * Its findings stay bytes, in parts, until asked for.
 */
export function recallRun(store: FactsStore, key: string): { memo: RunMemo; findings: Buffer[] } | null {
  const parts = store.memoParts(MEMO_NAME);
  const head = parts?.[0];
  if (!parts || parts.length < 2 || !head || head.length <= key.length || head.toString('latin1', 0, key.length + 1) !== `${key}\n`) return null;
  try {
    return { memo: JSON.parse(head.toString('utf8', key.length + 1)) as RunMemo, findings: parts.slice(1) };
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

/** Stored as parts: the key and the memo (one line of JSON), then the findings' text. */
export function rememberRun(store: FactsStore, key: string, memo: RunMemo, findings: readonly Finding[], partBytes = PART_BYTES): void {
  store.rememberParts(MEMO_NAME, (function* () {
    yield Buffer.from(`${key}\n${JSON.stringify(memo)}`);
    yield* findingsJsonParts(findings, partBytes);
  })());
}
