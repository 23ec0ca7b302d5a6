/**
 * `provenant registry import`: reads a hand-written registry (headings with backticked paths, "⭐ PRIMARY"
 * marks, "❌ DEPRECATED" sections, `**Purpose**:` / `**Why**:` / `**Use instead**:` / `Status` / `Known
 * bug` lines, bullets or tables of paths) into the annotations file. It only adds: whatever a person
 * already wrote in the annotations file is kept, and a disagreement is reported, never resolved silently.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { loadConfig } from '../config/config.js';
import { errorMessage, UserError } from '../core/errors.js';
import { toPosix } from '../core/paths.js';
import type { Annotation, LegacyImportReport, Status } from '../schemas/registry.js';
import { editAnnotations, loadAnnotations, normalisePath, type AnnotationField } from './annotations.js';
import { registeredFiles } from './files.js';
import { configOptions, isFile } from './edit.js';
import { formatCoverage } from './markdown.js';

export interface ImportLegacyOptions {
  cwd: string;
  /** The hand-written registry, relative to `cwd` (or to the project root). */
  file: string;
  dryRun?: boolean;
  configPath?: string;
  isolated?: boolean;
}

type Report = LegacyImportReport;

export async function importLegacyRegistry(options: ImportLegacyOptions): Promise<Report> {
  const { config, root } = await loadConfig(configOptions(options));
  const legacyAbs = await findLegacy(options.cwd, root, options.file);
  const legacyFile = toPosix(path.relative(root, legacyAbs)) || path.basename(legacyAbs);
  const parsed = parseLegacyRegistry(await readLegacy(legacyAbs, options.file), legacyFile);
  const warnings: Report['warnings'] = parsed.warnings.map((w) => ({ line: w.line, message: w.message }));
  if (parsed.entries.length === 0) {
    const why = warnings.map((w) => `${legacyFile}${w.line === null ? '' : `:${w.line}`}: ${w.message}`);
    throw new UserError([`${legacyFile}: no registry entries found`, ...why].join('\n'), {
      hint: 'an entry is a heading, bullet or table row that starts with a script path, e.g. "### `scripts/train.py` ⭐ PRIMARY"',
    });
  }

  const registered = registeredFiles(root, config).files.map((f) => f.path);
  const exists = existsIn(root);
  const resolve = resolver(registered, exists, path.posix.dirname(legacyFile));
  const entries: Report['entries'] = [];
  const stale: Report['stale'] = [];
  const proposals = new Map<string, { entry: LegacyEntry; annotation: Annotation }[]>();
  for (const entry of parsed.entries) {
    let target = await resolve(entry.path);
    if (target === null) {
      const renamed = await renamedTarget(entry, resolve);
      const written = normalisePath(entry.path.replace(/^\/+/, ''));
      stale.push({
        path: written,
        line: entry.line,
        renamedTo: renamed?.path ?? null,
        message: renamed === null ? 'no such file' : `renamed to ${renamed.path}${renamed.stated ? '' : ' (found beside it)'}; the annotation goes there`,
      });
      target = renamed?.path ?? null;
    }
    entries.push({ path: entry.path, line: entry.line, target, status: entry.status, purpose: entry.purpose });
    if (target === null) continue;
    const annotation = await proposal(entry, target, resolve, warnings, stale.at(-1)?.renamedTo === target);
    proposals.set(target, [...(proposals.get(target) ?? []), { entry, annotation }]);
  }

  const annotationsFile = config.registry.annotations;
  const existing = await loadAnnotations(root, annotationsFile);
  const plan = mergePlan(proposals, existing.data.files);
  const registeredSet = new Set(registered);
  const documented = [...proposals.keys()].filter((p) => registeredSet.has(p)).sort();
  const coverage = { documented: documented.length, total: registered.length, percent: percentOf(documented.length, registered.length) };
  let written = false;
  if (!options.dryRun && plan.sets.length > 0) {
    const outcome = await editAnnotations(root, annotationsFile, (editor) => {
      for (const set of plan.sets) {
        if (set.field === 'bugs') for (const bug of set.value as NonNullable<Annotation['bugs']>) editor.addBug(set.path, bug);
        else editor.set(set.path, set.field, set.value as never);
      }
    });
    written = outcome.changed;
  }
  const coverageLine = legacyCoverageLine({ legacyFile, coverage });
  return { legacyFile, annotationsFile, dryRun: Boolean(options.dryRun), written, entries, documented, coverage, coverageLine, stale, changes: plan.changes, conflicts: plan.conflicts, warnings };
}

/** "docs/IMPLEMENTATION_REGISTRY.md documented 11 of 27 registered files (41%)". */
export function legacyCoverageLine(report: Pick<Report, 'legacyFile' | 'coverage'>): string {
  const { documented, total, percent } = report.coverage;
  return `${report.legacyFile} documented ${documented} of ${total} registered files (${percent}%)`;
}

function percentOf(documented: number, total: number): number {
  return Number(/\((\d+)%\)/.exec(formatCoverage({ documented, total }))?.[1] ?? 0);
}

async function findLegacy(cwd: string, root: string, file: string): Promise<string> {
  for (const candidate of [path.resolve(cwd, file), path.resolve(root, file)]) {
    if (await isFile(candidate)) return candidate;
  }
  throw new UserError(`${file}: no such file`, { hint: 'give the hand-written registry relative to this folder or to the project root' });
}


async function readLegacy(abs: string, display: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(abs);
  } catch (error) {
    throw new UserError(`${display}: cannot read: ${errorMessage(error)}`, { cause: error });
  }
  if (bytes.includes(0)) throw new UserError(`${display}: is not a text file (it contains NUL bytes)`, { hint: 'give the Markdown registry, e.g. docs/IMPLEMENTATION_REGISTRY.md' });
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\uFFFD')) throw new UserError(`${display}: is not UTF-8 text`, { hint: 'save it as UTF-8 and try again' });
  return text;
}

function existsIn(root: string): (rel: string) => Promise<boolean> {
  return (rel) => isFile(path.join(root, rel));
}

type Resolve = (written: string) => Promise<string | null>;

/**
 * An existing root-relative path for a path as written: from the root (a leading `/` means the root, as
 * in the seeds), from the registry's own folder, or a bare file name that names one registered file.
 */
function resolver(registered: readonly string[], exists: (rel: string) => Promise<boolean>, legacyDir: string): Resolve {
  return async (written) => {
    const plain = normalisePath(written.replace(/^\/+/, ''));
    const candidates = [plain, normalisePath(path.posix.join(legacyDir, written))];
    for (const candidate of candidates) {
      if (!candidate.startsWith('..') && candidate !== '' && (await exists(candidate))) return candidate;
    }
    if (!plain.includes('/')) {
      const named = registered.filter((p) => p === plain || p.endsWith(`/${plain}`));
      if (named.length === 1) return named[0] ?? null;
    }
    return null;
  };
}

async function renamedTarget(entry: LegacyEntry, resolve: Resolve): Promise<{ path: string; stated: boolean } | null> {
  for (const candidate of entry.renamedTo) {
    const found = await resolve(candidate);
    if (found !== null) return { path: found, stated: true };
  }
  const beside = await resolve(`${entry.path}.DEPRECATED`);
  return beside === null ? null : { path: beside, stated: false };
}

/** What the legacy entry says about `target`, in the annotations file's terms. */
async function proposal(entry: LegacyEntry, target: string, resolve: Resolve, warnings: Report['warnings'], renamed: boolean): Promise<Annotation> {
  const status: Status | null = renamed || target.endsWith('.DEPRECATED') ? 'deprecated' : entry.status;
  const annotation: Annotation = {};
  if (entry.purpose !== null) annotation.purpose = entry.purpose;
  // `active` is what every file is unless said otherwise; writing it down would only add noise.
  if (status !== null && status !== 'active') annotation.status = status;
  if (status === 'canonical' && entry.capability !== null) annotation.canonical_for = [entry.capability];
  if (status === 'deprecated') {
    if (entry.reason !== null) annotation.reason = entry.reason;
    const replacement = await firstExisting(entry.useInstead, resolve, target);
    if (replacement !== null) annotation.replaced_by = replacement;
    else if (entry.useInstead.length > 0) {
      warnings.push({ line: entry.line, message: `"Use instead" names ${entry.useInstead.join(', ')}, and none of them exists; replaced_by left out for ${target}` });
    }
  }
  if (entry.bugs.length > 0) annotation.bugs = entry.bugs.map((summary) => ({ summary }));
  return annotation;
}

async function firstExisting(paths: readonly string[], resolve: Resolve, self: string): Promise<string | null> {
  for (const written of paths) {
    const found = await resolve(written);
    if (found !== null && found !== self) return found;
  }
  return null;
}

interface Plan {
  sets: { path: string; field: AnnotationField; value: unknown }[];
  changes: Report['changes'];
  conflicts: Report['conflicts'];
}

const MERGED: readonly AnnotationField[] = ['purpose', 'status', 'canonical_for', 'replaced_by', 'reason', 'bugs'];

/** Only fields the annotation does not have yet; a differing value already there is kept and reported. */
function mergePlan(proposals: Map<string, { annotation: Annotation }[]>, current: Record<string, Annotation>): Plan {
  const plan: Plan = { sets: [], changes: [], conflicts: [] };
  for (const target of [...proposals.keys()].sort()) {
    const merged = combine((proposals.get(target) ?? []).map((p) => p.annotation));
    const had = current[target] ?? {};
    const status = had.status ?? merged.status;
    const fields: string[] = [];
    for (const field of MERGED) {
      const value = merged[field];
      if (value === undefined) continue;
      if ((field === 'replaced_by' || field === 'reason') && status !== 'deprecated') continue;
      if (field === 'canonical_for' && status !== 'canonical') continue;
      if (field === 'bugs') {
        const known = new Set((had.bugs ?? []).map((b) => b.summary));
        const fresh = (value as NonNullable<Annotation['bugs']>).filter((b) => !known.has(b.summary));
        if (fresh.length > 0) plan.sets.push({ path: target, field, value: fresh });
        if (fresh.length > 0) fields.push(field);
        continue;
      }
      const existing = had[field];
      if (existing === undefined) {
        plan.sets.push({ path: target, field, value });
        fields.push(field);
      } else if (!isDeepStrictEqual(existing, value) && !(field === 'canonical_for' && sameCapabilities(existing, value))) {
        const kept = show(existing);
        plan.conflicts.push({ path: target, field, kept, legacy: show(value), message: `kept the annotation's ${field} for ${target} (${kept})` });
      }
    }
    if (fields.length > 0) plan.changes.push({ path: target, fields });
  }
  return plan;
}

/** Several legacy entries for one file: the first to say something about a field wins. */
function combine(annotations: readonly Annotation[]): Annotation {
  const out: Annotation = {};
  for (const annotation of annotations) {
    for (const [field, value] of Object.entries(annotation) as [AnnotationField, never][]) {
      if (field === 'bugs') out.bugs = [...(out.bugs ?? []), ...(value as NonNullable<Annotation['bugs']>)];
      else if (out[field] === undefined) out[field] = value;
    }
  }
  return out;
}

function sameCapabilities(existing: unknown, legacy: unknown): boolean {
  const lower = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x).toLowerCase()) : []);
  return lower(legacy).every((c) => lower(existing).includes(c));
}

function show(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

// ---------------------------------------------------------------------------------------------------
// Reading the Markdown

export interface LegacyEntry {
  /** As written, without backticks. */
  path: string;
  line: number;
  status: Status | null;
  /** For a PRIMARY entry: the heading's `— Name`, the words after PRIMARY, or the section title. */
  capability: string | null;
  purpose: string | null;
  reason: string | null;
  /** Paths named by "Use instead" / "Replaced by", in order. */
  useInstead: string[];
  /** Paths the entry says it was renamed or moved to. */
  renamedTo: string[];
  bugs: string[];
}

export interface LegacyWarning {
  line: number | null;
  message: string;
}

const SCRIPT = String.raw`(?:[\w.-]+/)*(?:[\w.-]*\w\.(?:py|sh|bash|mk|ipynb)(?:\.DEPRECATED)?|Makefile)`;
const TICKED = new RegExp(String.raw`\x60(/?${SCRIPT})\x60`, 'g');
const BARE = new RegExp(String.raw`(?:^|[\s(*])(/?${SCRIPT})(?=$|[\s),.:;*])`, 'g');
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$/;
const FIELD = /^\s*(?:[-*+]\s+)?(?:\*\*|__)?([A-Za-z][A-Za-z /-]{0,24}?)\s*(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:|:)\s*(.*)$/;
const LABELS: Record<string, 'purpose' | 'reason' | 'useInstead' | 'status' | 'bug' | 'renamed'> = {
  purpose: 'purpose', description: 'purpose', what: 'purpose', summary: 'purpose',
  why: 'reason', reason: 'reason',
  'use instead': 'useInstead', 'replaced by': 'useInstead', replacement: 'useInstead', instead: 'useInstead',
  status: 'status',
  'known bug': 'bug', 'known bugs': 'bug', bug: 'bug', bugs: 'bug',
  now: 'renamed', renamed: 'renamed', moved: 'renamed', 'renamed to': 'renamed', 'moved to': 'renamed',
};

/** Paths in a piece of Markdown: backticked ones, else bare ones with a script extension. */
function pathsIn(text: string): string[] {
  const ticked = [...text.matchAll(TICKED)].map((m) => m[1] ?? '');
  return ticked.length > 0 ? ticked : [...text.matchAll(BARE)].map((m) => m[1] ?? '');
}

function statusIn(text: string): Status | null {
  if (/PRIMARY|\bcanonical\b|⭐/i.test(text)) return 'canonical';
  if (/DEPRECATED|❌|\bobsolete\b|do not (?:use|run)/i.test(text)) return 'deprecated';
  if (/\bexperimental\b|🧪|\bWIP\b/i.test(text)) return 'experimental';
  if (/\bactive\b|✅|\bin use\b/i.test(text)) return 'active';
  return null;
}

/** The first sentence, Markdown emphasis removed, whitespace collapsed. */
export function firstSentence(text: string): string {
  const flat = text.replace(/\*\*|__/g, '').replace(/\s+/g, ' ').trim();
  for (const m of flat.matchAll(/[.!?](?=\s|$)/g)) {
    const before = flat.slice(0, m.index + 1);
    if (/(?:\b(?:e\.g|i\.e|etc|vs|cf)|\b[A-Za-z])\.$/i.test(before) && m.index + 1 < flat.length) continue;
    return capitalise(before);
  }
  return capitalise(flat);
}

function capitalise(text: string): string {
  return text.replace(/^[a-z]/, (c) => c.toUpperCase());
}

function newEntry(p: string, line: number): LegacyEntry {
  return { path: p, line, status: null, capability: null, purpose: null, reason: null, useInstead: [], renamedTo: [], bugs: [] };
}

/** The capability a PRIMARY heading names: `— Name`, or the words after PRIMARY. */
function capabilityIn(rest: string): string | null {
  const named = /^\s*[—–-]+\s*(.+?)\s*(?:⭐|❌|✅|$)/.exec(rest)?.[1];
  if (named !== undefined && named.replace(/[`*_]/g, '').trim() !== '') return named.replace(/[`*_]/g, '').trim();
  const after = /PRIMARY\s+([A-Za-z][\w -]*)/i.exec(rest)?.[1]?.replace(/\bscripts?\b/i, '').trim();
  return after ? after.toLowerCase() : null;
}

function cellsOf(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** Entries and warnings of a hand-written registry; never throws on odd Markdown. */
export function parseLegacyRegistry(text: string, file: string): { entries: LegacyEntry[]; warnings: LegacyWarning[] } {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const entries: LegacyEntry[] = [];
  const warnings: LegacyWarning[] = [];
  const sections: string[] = [];
  let deprecatedLevel: number | null = null;
  let current: { entry: LegacyEntry; kind: 'heading' | 'bullet' } | null = null;
  let field: { name: string; text: string } | null = null;
  let fence: { marker: string; line: number } | null = null;
  let table: { pathCol: number; purposeCol: number; statusCol: number } | null = null;

  const closeField = (): void => {
    if (current !== null && field !== null) applyField(current.entry, field.name, field.text);
    field = null;
  };
  const start = (p: string, line: number, kind: 'heading' | 'bullet', marks: string, rest: string): LegacyEntry => {
    closeField();
    const entry = newEntry(p, line);
    entry.status = statusIn(marks) ?? (deprecatedLevel !== null ? 'deprecated' : null);
    if (entry.status === 'canonical') entry.capability = capabilityIn(rest) ?? sections.filter(Boolean).at(-1)?.toLowerCase() ?? null;
    entries.push(entry);
    current = { entry, kind };
    return entry;
  };

  lines.forEach((raw, i) => {
    const line = i + 1;
    const fenceMark = /^\s*(```+|~~~+)/.exec(raw)?.[1];
    if (fence !== null) {
      if (fenceMark !== undefined && fenceMark[0] === fence.marker[0] && fenceMark.length >= fence.marker.length) fence = null;
      return;
    }
    if (fenceMark !== undefined) {
      fence = { marker: fenceMark, line };
      return;
    }
    const heading = HEADING.exec(raw);
    if (heading !== null) {
      closeField();
      table = null;
      current = null;
      const level = (heading[1] ?? '#').length;
      const title = heading[2] ?? '';
      if (deprecatedLevel !== null && level <= deprecatedLevel) deprecatedLevel = null;
      const [p] = pathsIn(title);
      if (p !== undefined) {
        const rest = title.slice(title.indexOf(p) + p.length).replace(/^`/, '');
        start(p, line, 'heading', title, rest);
        return;
      }
      sections.length = level;
      sections[level - 1] = title.replace(/[`*_]/g, '').trim();
      if (/deprecat|obsolete|do not use/i.test(title)) deprecatedLevel = level;
      return;
    }
    if (raw.trim().startsWith('|')) {
      closeField();
      table = tableRow(raw, lines[i + 1] ?? '', table, (p, cells) => {
        const entry = start(p, line, 'bullet', cells.status ?? '', '');
        entry.purpose = cells.purpose === null || cells.purpose === '' ? null : firstSentence(cells.purpose);
        current = null;
      });
      return;
    }
    table = null;
    if (raw.trim() === '') {
      closeField();
      return;
    }
    const bullet = BULLET.exec(raw);
    const lead = bullet !== null ? pathsIn((bullet[2] ?? '').split(/\s[—–:-]\s|:\s/)[0] ?? '') : [];
    if (bullet !== null && lead.length > 0 && (current === null || current.kind === 'bullet') && /^(?:\*\*|__)?\x60?\/?[\w.]/.test(bullet[2] ?? '')) {
      const body = bullet[2] ?? '';
      const p = lead[0] ?? '';
      const rest = body.slice(body.indexOf(p) + p.length).replace(/^[`*_]+/, '');
      const entry = start(p, line, 'bullet', rest, rest);
      const purpose = /^\s*(?:[—–:-]+)\s*(.*)$/.exec(rest)?.[1];
      if (purpose) entry.purpose = firstSentence(purpose.replace(/(?:⭐|❌)\s*(?:PRIMARY|DEPRECATED)?/g, ''));
      return;
    }
    const labelled = FIELD.exec(raw);
    const name = labelled === null ? undefined : LABELS[(labelled[1] ?? '').toLowerCase().trim()];
    if (current !== null && labelled !== null) {
      closeField();
      if (name !== undefined) field = { name, text: labelled[2] ?? '' };
      return;
    }
    if (current !== null && field !== null && /^\s+\S/.test(raw) && bullet === null) {
      field.text += ` ${raw.trim()}`;
      return;
    }
    closeField();
  });
  closeField();
  if (fence !== null) {
    const opened: { line: number } = fence;
    warnings.push({ line: opened.line, message: `a code fence opened here is never closed; the ${lines.length - opened.line} lines after it were ignored` });
  }
  if (entries.length === 0 && warnings.length === 0) warnings.push({ line: null, message: `${file} names no script path in a heading, bullet or table row` });
  return { entries, warnings };
}

function applyField(entry: LegacyEntry, name: string, text: string): void {
  const clean = text.trim();
  if (clean === '') return;
  if (name === 'purpose' && entry.purpose === null) entry.purpose = firstSentence(clean);
  else if (name === 'reason' && entry.reason === null) entry.reason = clean.replace(/\*\*|__/g, '').replace(/\s+/g, ' ');
  else if (name === 'useInstead') entry.useInstead.push(...pathsIn(clean));
  else if (name === 'status') entry.status = entry.status === 'canonical' || entry.status === 'deprecated' ? entry.status : (statusIn(clean) ?? entry.status);
  else if (name === 'bug') entry.bugs.push(firstSentence(clean));
  else if (name === 'renamed' && /renamed|moved/i.test(`${name} ${clean}`)) entry.renamedTo.push(...pathsIn(clean));
}

type TableState = { pathCol: number; purposeCol: number; statusCol: number } | null;

/** One table line: a header (with its separator below) sets the columns; a body row with a path is an entry. */
function tableRow(raw: string, next: string, state: TableState, add: (p: string, cells: { purpose: string | null; status: string | null }) => void): TableState {
  const cells = cellsOf(raw);
  if (/^\s*\|?\s*:?-{2,}/.test(raw)) return state;
  if (/^\s*\|?\s*:?-{2,}/.test(next)) {
    const find = (re: RegExp): number => cells.findIndex((c) => re.test(c));
    return { pathCol: find(/path|script|file|location|name/i), purposeCol: find(/purpose|description|what|summary/i), statusCol: find(/status/i) };
  }
  const columns = state ?? { pathCol: -1, purposeCol: -1, statusCol: -1 };
  const pathCell = columns.pathCol >= 0 ? cells[columns.pathCol] : cells.find((c) => pathsIn(c).length > 0);
  const [p] = pathsIn(pathCell ?? '');
  if (p !== undefined) {
    const other = cells.filter((c) => c !== pathCell).join(' ');
    add(p, {
      purpose: columns.purposeCol >= 0 ? (cells[columns.purposeCol] ?? null) : null,
      status: columns.statusCol >= 0 ? (cells[columns.statusCol] ?? null) : other,
    });
  }
  return state;
}
