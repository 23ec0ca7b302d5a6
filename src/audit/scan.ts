import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RULES } from '../../audits/index.js';
import { emptyFacts, type FileFacts, type Language } from '../analysis/facts.js';
import { languageOf, loadFrontEnds } from '../analysis/index.js';
import { BugError } from '../core/errors.js';
import { decodeSource, readBytes, type DiscoveredFile } from '../core/files.js';
import type { SkippedFile } from '../schemas/finding.js';
import type { Rule } from './rule.js';

export interface ScanRequest {
  files: DiscoveredFile[];
  /** Codes of the enabled rules. */
  codes: string[];
  maxFileSize: number;
}

export interface ScannedFile {
  path: string;
  language: Language;
  text: string;
  facts: FileFacts;
}

export interface ScanResult {
  files: ScannedFile[];
  skipped: SkippedFile[];
  /** Python files that may define a sanctioned loader (for zero-config inference), with their text. */
  loaderHints: [string, string][];
}

export const LOADER_HINT = /chat_template|add_special_tokens/;
export const LOAD_HINT = /from_pretrained|LLM\(/;

/**
 * Below this much candidate source a second thread costs more (its own module and grammar load)
 * than it saves; on 2 cores no gain was measured at 2 MB.
 */
const PARALLEL_BYTES = 6_000_000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function anyOf(words: readonly string[]): RegExp {
  return new RegExp(words.map(escapeRegExp).join('|'));
}

/**
 * The Python prefilter: a file is parsed only when some enabled rule could fire on it (its triggers,
 * its `requires` when set, its `prefilter` when set). One union regex rejects most files in one pass.
 */
export function pythonPrefilter(rules: readonly Rule[]): (text: string) => boolean {
  const python = rules.filter((r) => r.languages.includes('python') && r.triggers.length);
  if (!python.length) return () => false;
  const tests = python.map((r) => ({
    triggers: anyOf(r.triggers),
    requires: r.requires?.length ? anyOf(r.requires) : null,
    prefilter: r.prefilter,
  }));
  const union = anyOf([...new Set(python.flatMap((r) => r.triggers))]);
  return (text) =>
    union.test(text) &&
    tests.some((t) => t.triggers.test(text) && (!t.requires || t.requires.test(text)) && (!t.prefilter || t.prefilter(text)));
}

interface Picked {
  path: string;
  language: Language;
  text: string;
}

/**
 * Reads and prefilters every file, then extracts facts from the candidates. The prefilter runs on a
 * latin1 view of the bytes (cheap, and every trigger is ASCII); only candidates are decoded properly.
 */
export async function scan(request: ScanRequest): Promise<ScanResult> {
  const rules = RULES.filter((r) => request.codes.includes(r.code));
  const isCandidate = pythonPrefilter(rules);
  const languages = new Set(rules.flatMap((r) => r.languages));
  const skipped: SkippedFile[] = [];
  const loaderHints: [string, string][] = [];
  const picked: Picked[] = [];
  for (const file of request.files) {
    const language = languageOf(file.path);
    if (!language || !languages.has(language)) continue;
    const read = readBytes(file, request.maxFileSize);
    if (!read.ok) {
      skipped.push({ path: file.path, reason: read.reason });
      continue;
    }
    let hint = false;
    if (language === 'python') {
      const view = read.bytes.toString('latin1');
      hint = LOADER_HINT.test(view) && LOAD_HINT.test(view);
      if (!hint && !isCandidate(view)) continue;
    }
    const decoded = decodeSource(read.bytes);
    if (!decoded.ok) {
      skipped.push({ path: file.path, reason: decoded.reason });
      continue;
    }
    if (hint) loaderHints.push([file.path, decoded.text]);
    if (language !== 'python' || isCandidate(decoded.text)) picked.push({ path: file.path, language, text: decoded.text });
  }
  const facts = await extractAll(picked);
  return { files: picked.map((p, i) => ({ ...p, facts: facts[i] ?? emptyFacts(p.path, p.language) })), skipped, loaderHints };
}

/** Facts for each picked file, in order, in this thread. */
export async function extractInThread(picked: readonly Picked[]): Promise<FileFacts[]> {
  const frontEnds = await loadFrontEnds(new Set(picked.map((p) => p.language)));
  return picked.map((p) => frontEnds.extract(p.text, p.path, p.language));
}

const WORKER = new URL('./scan-worker.js', import.meta.url);

/**
 * Splits extraction over two threads when there is enough to parse to repay the second thread's own
 * grammar load; small jobs, runs from TypeScript sources and PROVENANT_THREADS=1 stay in this thread.
 */
async function extractAll(picked: Picked[]): Promise<FileFacts[]> {
  const bytes = picked.reduce((n, p) => n + p.text.length, 0);
  const threads = Number(process.env.PROVENANT_THREADS) || Math.min(2, os.availableParallelism());
  if (bytes < PARALLEL_BYTES || threads < 2 || !existsSync(fileURLToPath(WORKER))) return extractInThread(picked);

  const order = picked.map((_, i) => i).sort((a, b) => (picked[b]?.text.length ?? 0) - (picked[a]?.text.length ?? 0));
  const buckets: number[][] = [[], []];
  const sizes = [0, 0];
  for (const i of order) {
    const b = (sizes[0] ?? 0) <= (sizes[1] ?? 0) ? 0 : 1;
    buckets[b]?.push(i);
    sizes[b] = (sizes[b] ?? 0) + (picked[i]?.text.length ?? 0);
  }
  const take = (ids: number[] | undefined) => (ids ?? []).map((i) => picked[i]).filter((p): p is Picked => p !== undefined);
  const remote = new Promise<FileFacts[]>((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: take(buckets[1]) });
    worker.once('message', (facts: FileFacts[]) => resolve(facts));
    worker.once('error', (cause) => reject(new BugError('the extraction worker failed', { cause })));
    worker.once('exit', (code) => {
      if (code !== 0) reject(new BugError(`the extraction worker exited with code ${code}`));
    });
  });
  const local = await extractInThread(take(buckets[0]));
  const other = await remote;
  const out: FileFacts[] = new Array<FileFacts>(picked.length);
  (buckets[0] ?? []).forEach((i, k) => {
    const f = local[k];
    if (f) out[i] = f;
  });
  (buckets[1] ?? []).forEach((i, k) => {
    const f = other[k];
    if (f) out[i] = f;
  });
  return out;
}
