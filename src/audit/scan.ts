import { emptyFacts, type FileFacts, type Language } from '../analysis/facts.js';
import { languageOf, loadFrontEnds } from '../analysis/index.js';
import { decodeSource, readBytes, type DiscoveredFile } from '../core/files.js';
import type { SkippedFile } from '../schemas/finding.js';
import type { Rule } from './rule.js';

export interface ScanRequest {
  files: DiscoveredFile[];
  /** The enabled rules: their triggers decide which files are parsed. */
  rules: readonly Rule[];
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
  const { rules } = request;
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

/**
 * Facts for each picked file, in order. One thread: a second one (its own grammar load, structured
 * clone of the results) measured no steady gain on 2 cores even at 6 MB of candidates, and cost 80+ MB.
 */
async function extractAll(picked: readonly Picked[]): Promise<FileFacts[]> {
  const frontEnds = await loadFrontEnds(new Set(picked.map((p) => p.language)));
  return picked.map((p) => frontEnds.extract(p.text, p.path, p.language));
}
