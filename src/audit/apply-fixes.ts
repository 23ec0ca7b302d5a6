/**
 * Applies fixes to the files an audit read (`provenant audit --fix`, `--diff`, `--add-suppressions`). As Ruff
 * does: the fixes of a file are taken in order of position, one that overlaps an edit already taken waits
 * for the next pass (the caller audits again), and an edit two fixes share (an import both need) is made
 * once. A file is written only when it still holds the bytes the audit read (its content key), through the
 * same atomic write as everything else, keeping its mode; otherwise it is skipped with the reason.
 */

import { accessSync, constants, lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { factsKey } from '../analysis/facts.js';
import { plainDocument, type FixDocument, type Part } from '../analysis/edit-documents.js';
import { frontEndOf, languageOf } from '../analysis/front-ends.js';
import { errorMessage } from '../core/errors.js';
import { isErrno, writeAtomic } from '../core/fs.js';
import type { Finding, Fix, FixApplicability } from '../schemas/finding.js';
import type { AuditResult } from './engine.js';
import { SourceText } from './fixes.js';

export interface FileChange {
  path: string;
  before: string;
  after: string;
  /** Fixes applied to it. */
  applied: number;
}

export interface FixPlan {
  changes: FileChange[];
  /** Files with fixes that are left untouched, and why. */
  skipped: { path: string; reason: string }[];
  /** Fixes that overlapped one taken before them: they wait for another pass. */
  deferred: number;
}

/** Per file, the fixes to make: the findings' own (`--fix`) or computed on the file's text (`--add-suppressions`). */
export interface FixSource {
  /** Whether the file has anything to do (a file that cannot be opened is reported only then). */
  wants(findings: readonly Finding[]): boolean;
  fixes(findings: readonly Finding[], document: FixDocument, file: string): { fixes: Fix[]; skipped: string[] };
}

/** The findings' own fixes of the applicabilities asked for. */
export function findingFixes(applicabilities: readonly FixApplicability[]): FixSource {
  const allowed = (f: Finding): f is Finding & { fix: Fix } => f.fix !== undefined && applicabilities.includes(f.fix.applicability);
  return {
    wants: (findings) => findings.some(allowed),
    fixes: (findings) => ({ fixes: findings.filter(allowed).map((f) => f.fix), skipped: [] }),
  };
}

/**
 * Reads each file with something to fix, checks it is what the audit read, and computes its new content.
 * Nothing is written here (`--diff` stops at this plan; `writeChanges` writes it). `held` is text the audit
 * read instead of a file's (by path from the root): what earlier passes of `--diff` made of it.
 */
export function planFixes(result: AuditResult, source: FixSource, held?: ReadonlyMap<string, Buffer>): FixPlan {
  const byFile = new Map<string, Finding[]>();
  for (const f of result.findings) byFile.set(f.path, [...(byFile.get(f.path) ?? []), f]);
  const plan: FixPlan = { changes: [], skipped: [], deferred: 0 };
  for (const [file, findings] of byFile) {
    const opened = openDocument(result, file, held?.get(file));
    if ('reason' in opened) {
      // a file without anything to do is not worth a word
      if (source.wants(findings)) plan.skipped.push({ path: file, reason: opened.reason });
      continue;
    }
    const { fixes, skipped } = source.fixes(findings, opened.document, file);
    for (const reason of skipped) plan.skipped.push({ path: file, reason });
    if (!fixes.length) continue;
    const applied = applyToDocument(opened.document, fixes);
    plan.deferred += applied.deferred;
    if (!applied.taken) {
      const why = applied.reasons.length ? applied.reasons.join('; ') : 'their edits fall outside the file\'s text';
      if (applied.unplaced) plan.skipped.push({ path: file, reason: `${applied.unplaced} fix(es) not applied: ${why}` });
      continue;
    }
    const rendered = opened.document.render(applied.texts);
    if (!rendered.ok) {
      plan.skipped.push({ path: file, reason: rendered.reason });
      continue;
    }
    if (rendered.content !== opened.before) plan.changes.push({ path: file, before: opened.before, after: rendered.content, applied: applied.taken });
  }
  return plan;
}

type Opened = { document: FixDocument; before: string } | { reason: string };

function openDocument(result: AuditResult, file: string, held: Buffer | undefined): Opened {
  const abs = path.join(result.root, file);
  let bytes: Buffer;
  try {
    if (lstatSync(abs).isSymbolicLink()) return { reason: 'a symbolic link: fixes are not written through it' };
    bytes = held ?? readFileSync(abs);
  } catch (error) {
    return { reason: isErrno(error, 'ENOENT') ? 'it no longer exists' : `cannot read it: ${errorMessage(error)}` };
  }
  const expected = result.hashes[file];
  if (expected !== undefined && factsKey(file, bytes) !== expected) {
    return { reason: 'it changed since it was audited (or differs from what is staged); nothing was written, run the audit again' };
  }
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { reason: 'not UTF-8: fixes are written only to UTF-8 files' };
  }
  const language = languageOf(file);
  const edit = language ? frontEndOf(language).editDocument : undefined;
  if (edit) {
    const document = edit(text);
    return 'reason' in document ? { reason: document.reason } : { document, before: text };
  }
  return { document: plainDocument(bom ? text.slice(1) : text, bom), before: text };
}

interface Placed {
  part: Part;
  start: number;
  end: number;
  content: string;
}

/**
 * Takes the fixes that fit together, in order of their first edit: an edit identical to one taken is
 * shared, one overlapping a taken edit defers its whole fix. Returns the new text of every edited part.
 */
export function applyToDocument(
  document: FixDocument,
  fixes: readonly Fix[],
): { texts: Map<Part, string>; taken: number; deferred: number; unplaced: number; reasons: string[] } {
  const sources = new Map<Part, SourceText | null>();
  const reasons = new Set<string>();
  const sourceOf = (part: Part): SourceText | null => {
    if (!sources.has(part)) {
      const got = document.text(part);
      if (!got.ok) reasons.add(got.reason);
      sources.set(part, got.ok ? new SourceText(got.text) : null);
    }
    return sources.get(part) ?? null;
  };
  const placedFixes: Placed[][] = [];
  let unplaced = 0;
  for (const fix of fixes) {
    const placed: Placed[] = [];
    for (const edit of fix.edits) {
      const part = edit.cell ?? 0;
      const range = sourceOf(part)?.range(edit.span);
      if (!range) break;
      placed.push({ part, ...range, content: edit.content });
    }
    if (placed.length === fix.edits.length) placedFixes.push(placed);
    else unplaced++;
  }
  placedFixes.sort((a, b) => firstStart(a) - firstStart(b));
  const taken: Placed[] = [];
  let count = 0;
  let deferred = 0;
  for (const edits of placedFixes) {
    const fresh = edits.filter((e) => !taken.some((t) => t.part === e.part && t.start === e.start && t.end === e.end && t.content === e.content));
    if (fresh.some((e) => taken.some((t) => overlaps(t, e)))) {
      deferred++;
      continue;
    }
    taken.push(...fresh);
    count++;
  }
  const texts = new Map<Part, string>();
  // from the end backwards, so earlier offsets stay valid; at one offset, a replacement before an insertion
  for (const e of [...taken].sort((a, b) => b.start - a.start || b.end - a.end)) {
    const text = texts.get(e.part) ?? sourceOf(e.part)?.text ?? '';
    texts.set(e.part, text.slice(0, e.start) + e.content + text.slice(e.end));
  }
  return { texts, taken: count, deferred, unplaced, reasons: [...reasons] };
}

function firstStart(edits: readonly Placed[]): number {
  return Math.min(...edits.map((e) => e.part * 1e12 + e.start));
}

/** Two edits of a part that cannot both be made: ranges that share characters, or two insertions at one point. */
function overlaps(a: Placed, b: Placed): boolean {
  if (a.part !== b.part) return false;
  if (a.start === a.end && b.start === b.end) return a.start === b.start;
  if (a.start === a.end) return b.start < a.start && a.start < b.end;
  if (b.start === b.end) return a.start < b.start && b.start < a.end;
  return a.start < b.end && b.start < a.end;
}

/**
 * Writes a plan's changes: each file atomically, with its mode, and only if it still holds what the plan
 * read. Returns the files written and those skipped with why (read-only, changed meanwhile, unwritable).
 */
export function writeChanges(root: string, changes: readonly FileChange[]): { written: FileChange[]; skipped: { path: string; reason: string }[] } {
  const written: FileChange[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const change of changes) {
    const abs = path.join(root, change.path);
    try {
      accessSync(abs, constants.W_OK);
      // root may write anything: a file nobody is allowed to write is read-only for fixes too
      if ((lstatSync(abs).mode & 0o222) === 0) throw Object.assign(new Error('no write permission bit'), { code: 'EACCES' });
    } catch (error) {
      skipped.push({ path: change.path, reason: isErrno(error, 'EACCES', 'EPERM', 'EROFS') ? 'read-only: not changed' : `cannot write it: ${errorMessage(error)}` });
      continue;
    }
    try {
      const mode = lstatSync(abs).mode & 0o7777;
      // the last look before the rename: an editor may have saved it since the plan read it
      if (readFileSync(abs, 'utf8') !== change.before) {
        skipped.push({ path: change.path, reason: 'it changed while the fixes were computed; nothing was written, run the audit again' });
        continue;
      }
      writeAtomic(abs, change.after, { mode });
      written.push(change);
    } catch (error) {
      skipped.push({ path: change.path, reason: `cannot write it: ${errorMessage(error)}` });
    }
  }
  return { written, skipped };
}
