/**
 * The audit's entry to near-duplicate search (DUP001): decides what is compared and hands the work to
 * the function index (audit-run.ts), loaded only when the rule runs. Kept light: the engine imports it
 * on every audit.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import type { DiscoveredFile } from '../core/files.js';
import { previewFor, ruleMatches } from '../config/rule-select.js';
import type { Language } from '../schemas/languages.js';
import type { FileFacts } from '../analysis/facts.js';
import type { Config } from '../schemas/config.js';
import type { CanonicalFiles, NearDuplicate } from '../schemas/similar.js';

export const DUP_CODE = 'DUP001';

/**
 * Whether near-duplicates are looked for across the whole project: when it keeps a registry (its
 * annotations file or generated Markdown exists) or DUP is selected by name. Otherwise only the files
 * the audit parses anyway are compared, so DUP001 never makes a plain audit parse more.
 */
export function comparesWholeProject(root: string, config: Config): boolean {
  if (config.select.some((s) => s !== 'ALL' && ruleMatches(DUP_CODE, [s]))) return true;
  return keepsRegistry(root, config);
}

/** The project keeps a registry: its annotations file or its generated Markdown exists. */
function keepsRegistry(root: string, config: Config): boolean {
  return [config.registry.annotations, config.registry.markdown].some((f) => existsSync(path.join(root, f)));
}

/** What the audit's scan knows of a file (its `ScannedFile`, as far as the comparison needs it). */
export interface ScannedForDuplicates {
  path: string;
  language: Language;
  row: { hash: string; mtimeMs: number; size: number };
  /** Some enabled rule parses the file anyway. */
  candidate: boolean;
  facts(): Promise<FileFacts>;
}

export interface DuplicateInput {
  root: string;
  config: Config;
  noCache: boolean;
  scanned: readonly ScannedForDuplicates[];
  /** The files the registry's annotations mark canonical (read only when something is compared). */
  canonical(): Promise<CanonicalFiles>;
  /** The audited files, with their staged content in `--staged` mode. */
  selection: { files: readonly DiscoveredFile[]; contents?: ReadonlyMap<string, Buffer> };
  /** Other discovered files (stat known). */
  context: readonly DiscoveredFile[];
  /** Every path under the root, or null when the run did not walk the tree. */
  all: ReadonlySet<string> | null;
  warn(message: string): void;
}

/** The files whose functions are compared: Python files and notebooks (their code cells are Python). */
const isCompared = (p: string): boolean => p.endsWith('.py') || p.toLowerCase().endsWith('.ipynb');

/** Near-duplicates by path, for every audited Python file or notebook DUP001 reports on. */
export async function findNearDuplicates(input: DuplicateInput): Promise<Map<string, readonly NearDuplicate[]>> {
  const { root, config } = input;
  // by default DUP001 reports only copies of a canonical implementation, which only a registry can
  // name: without one there is nothing to report and nothing to compare
  const preview = previewFor(config, DUP_CODE);
  if (!preview && !keepsRegistry(root, config)) return new Map();
  const staged = (p: string) => input.selection.contents?.get(p);
  const audited = input.scanned
    .filter((f) => f.candidate && (f.language === 'python' || f.language === 'notebook'))
    .map((f) => {
      const content = staged(f.path);
      return { path: f.path, hash: f.row.hash, mtimeMs: f.row.mtimeMs, size: f.row.size, facts: f.facts, ...(content ? { content } : {}) };
    });
  const { auditDuplicates } = await import('./audit-run.js');
  if (!comparesWholeProject(root, config)) {
    return auditDuplicates({ root, config, canonical: input.canonical, preview, noCache: input.noCache, audited, project: null, others: [], report: audited.map((f) => f.path), warn: input.warn });
  }
  const stats = new Map([...input.selection.files, ...input.context].map((f) => [f.path, f]));
  const request = (p: string) => {
    const content = staged(p);
    const s = stats.get(p);
    return content ? { path: p, content } : s ? { path: p, stat: { mtimeMs: s.mtimeMs, size: s.size } } : { path: p };
  };
  const report = input.selection.files.map((f) => f.path).filter(isCompared);
  // without a walk, the audited files are what is new; what was indexed before stands, checked where it matches
  const others = (input.all ? [...input.all].filter(isCompared) : report).map(request);
  return auditDuplicates({ root, config, canonical: input.canonical, preview, noCache: input.noCache, audited, project: input.all ? 'complete' : 'trust', others, report, warn: input.warn });
}
