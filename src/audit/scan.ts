import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RULES } from '../../audits/index.js';
import type { FileFacts, Language } from '../analysis/facts.js';
import { languageOf, loadFrontEnds } from '../analysis/index.js';
import { BugError } from '../core/errors.js';
import { readSource, type DiscoveredFile } from '../core/files.js';
import type { SkippedFile } from '../schemas/finding.js';
import type { Rule } from './rule.js';

export interface ScanRequest {
  files: DiscoveredFile[];
  /** Codes of the enabled rules (a worker rebuilds the prefilter from them). */
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

/** Below this many bytes a second thread costs more (its own wasm load) than it saves. */
const PARALLEL_BYTES = 8_000_000;

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

/** Read, prefilter and extract facts, in this thread. */
export async function scanFiles(request: ScanRequest): Promise<ScanResult> {
  const rules = RULES.filter((r) => request.codes.includes(r.code));
  const isCandidate = pythonPrefilter(rules);
  const languages = new Set(rules.flatMap((r) => r.languages));
  const skipped: SkippedFile[] = [];
  const loaderHints: [string, string][] = [];
  const picked: { path: string; language: Language; text: string }[] = [];
  for (const file of request.files) {
    const language = languageOf(file.path);
    if (!language || !languages.has(language)) continue;
    const read = readSource(file, request.maxFileSize);
    if (!read.ok) {
      skipped.push({ path: file.path, reason: read.reason });
      continue;
    }
    if (language === 'python') {
      if (LOADER_HINT.test(read.text) && LOAD_HINT.test(read.text)) loaderHints.push([file.path, read.text]);
      if (!isCandidate(read.text)) continue;
    }
    picked.push({ path: file.path, language, text: read.text });
  }
  const frontEnds = await loadFrontEnds(new Set(picked.map((p) => p.language)));
  const files = picked.map((p) => ({ ...p, facts: frontEnds.extract(p.text, p.path, p.language) }));
  return { files, skipped, loaderHints };
}

const WORKER = new URL('./scan-worker.js', import.meta.url);

/**
 * Splits a large scan over two threads (each thread pays its own grammar load, so more rarely pays
 * on small machines); small scans, runs from TypeScript sources and PROVENANT_THREADS=1 stay here.
 */
export async function scan(request: ScanRequest): Promise<ScanResult> {
  const bytes = request.files.reduce((n, f) => n + f.size, 0);
  const threads = Number(process.env.PROVENANT_THREADS) || Math.min(2, os.availableParallelism());
  if (bytes < PARALLEL_BYTES || threads < 2 || !existsSync(fileURLToPath(WORKER))) return scanFiles(request);

  const sorted = [...request.files].sort((a, b) => b.size - a.size);
  const buckets: DiscoveredFile[][] = [[], []];
  const sizes = [0, 0];
  for (const f of sorted) {
    const i = (sizes[0] ?? 0) <= (sizes[1] ?? 0) ? 0 : 1;
    buckets[i]?.push(f);
    sizes[i] = (sizes[i] ?? 0) + f.size;
  }
  const remote = new Promise<ScanResult>((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { ...request, files: buckets[1] ?? [] } satisfies ScanRequest });
    worker.once('message', (result: ScanResult) => resolve(result));
    worker.once('error', (cause) => reject(new BugError('the scan worker failed', { cause })));
    worker.once('exit', (code) => {
      if (code !== 0) reject(new BugError(`the scan worker exited with code ${code}`));
    });
  });
  const local = await scanFiles({ ...request, files: buckets[0] ?? [] });
  const other = await remote;
  // keep discovery order so output does not depend on the split
  const order = new Map(request.files.map((f, i) => [f.path, i]));
  const byOrder = (a: { path: string }, b: { path: string }) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0);
  return {
    files: [...local.files, ...other.files].sort(byOrder),
    skipped: [...local.skipped, ...other.skipped],
    loaderHints: [...local.loaderHints, ...other.loaderHints].sort((a, b) => byOrder({ path: a[0] }, { path: b[0] })),
  };
}
