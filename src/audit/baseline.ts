/**
 * The baseline: findings a project accepted when it turned provenant on, kept in a committed JSON file so
 * later runs fail only on new ones.
 *
 * - `--write-baseline` rewrites the file from the current findings (`writeBaseline`).
 * - Every run splits its findings into fresh and baselined (`applyBaseline`).
 * - `--update-baseline` drops the entries nothing matched any more and never adds one (`updateBaseline`).
 *
 * Matching is by fingerprint and counts: each entry absorbs at most one finding, so an accepted finding
 * never hides a second identical one (unlike set membership, which lets one entry absorb any number).
 * The file is written in a stable order with one key per line, so reviews see small diffs.
 */
import { describeExpected, describeValue, valueAt } from '../core/describe.js';
import { closeSync, fsyncSync, openSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

import { BugError, errorMessage, UserError } from '../core/errors.js';
import { displayPath, invalidJsonMessage, isErrno, isRecord, parseJson, writeAtomic } from '../core/fs.js';
import {
  BASELINE_FORMAT,
  BaselineFileSchema,
  type Baseline,
  type BaselineEntry,
  type BaselineFile,
} from '../schemas/baseline.js';
import type { Finding } from '../schemas/finding.js';
import { normalisedLine } from './fingerprint.js';

export type { Baseline, BaselineEntry } from '../schemas/baseline.js';

export { BASELINE_FILE } from './baseline-file.js';

const REWRITE = 'provenant audit --write-baseline';

/** The baseline in `file`, or null when there is no such file. Anything unreadable is a UserError naming it. */
export function readBaseline(file: string): Baseline | null {
  const display = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return null;
    if (isErrno(error, 'EISDIR')) throw new UserError(`${display}: is a directory, not a baseline file`, { cause: error });
    if (isErrno(error, 'EACCES', 'EPERM')) {
      throw new UserError(`${display}: cannot read the baseline: permission denied`, { cause: error });
    }
    throw new UserError(`${display}: cannot read the baseline: ${errorMessage(error)}`, { cause: error });
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  if (text.trim() === '') {
    throw new UserError(`${display}: the baseline file is empty`, {
      hint: `delete it to audit without a baseline, or rewrite it with \`${REWRITE}\``,
    });
  }
  const data = parseBaselineJson(text, display);
  const version = isRecord(data) ? data.version : undefined;
  if (typeof version === 'number' && Number.isInteger(version) && version > BASELINE_FORMAT) {
    throw new UserError(
      `${display}: written by a newer provenant (format ${version}); this one reads format ${BASELINE_FORMAT}`,
      { hint: `upgrade provenant, or rewrite the baseline with this one: \`${REWRITE}\`` },
    );
  }
  const result = BaselineFileSchema.safeParse(data);
  if (!result.success) throw shapeError(result.error.issues, data, display);
  return { version: result.data.version, entries: result.data.entries };
}

/** Writes a fresh baseline holding every finding, replacing `file` atomically. */
export function writeBaseline(file: string, findings: Finding[]): { written: number } {
  const entries = findings.map(entryOf);
  writeEntries(file, entries);
  return { written: entries.length };
}

/**
 * Splits `findings` into fresh ones (not in the baseline) and baselined ones, each in input order;
 * `fixed` lists the entries no finding matched, in baseline order.
 */
export function applyBaseline(
  baseline: Baseline,
  findings: Finding[],
): { fresh: Finding[]; baselined: Finding[]; fixed: BaselineEntry[] } {
  // fingerprint → indexes of entries not yet used; a multiset, so each entry absorbs at most one finding.
  const open = new Map<string, number[]>();
  baseline.entries.forEach((entry, index) => {
    const slots = open.get(entry.fingerprint);
    if (slots === undefined) open.set(entry.fingerprint, [index]);
    else slots.push(index);
  });
  const used = new Set<number>();
  const fresh: Finding[] = [];
  const baselined: Finding[] = [];
  for (const finding of findings) {
    if (finding.fingerprint === '') {
      throw new BugError(`finding ${finding.code} at ${finding.path}:${finding.span.line} reached the baseline without a fingerprint`);
    }
    const index = open.get(finding.fingerprint)?.shift();
    if (index === undefined) {
      fresh.push(finding);
    } else {
      used.add(index);
      baselined.push(finding);
    }
  }
  const fixed = baseline.entries.filter((_, index) => !used.has(index));
  return { fresh, baselined, fixed };
}

/**
 * Rewrites `file` with only the entries of `baseline` that some finding still matches. Kept entries stay
 * as they were (their `line` is not refreshed), so the diff shows only removals. Never adds an entry;
 * leaves the file untouched when nothing was dropped.
 */
export function updateBaseline(file: string, baseline: Baseline, findings: Finding[]): { kept: number; dropped: number } {
  const { fixed } = applyBaseline(baseline, findings);
  const gone = new Set(fixed);
  const kept = baseline.entries.filter((entry) => !gone.has(entry));
  if (fixed.length > 0) writeEntries(file, kept);
  return { kept: kept.length, dropped: fixed.length };
}

// ---------------------------------------------------------------------------------------------------
// Writing

function entryOf(finding: Finding): BaselineEntry {
  return {
    fingerprint: finding.fingerprint,
    code: finding.code,
    path: finding.path,
    line: finding.span.line,
    text: normalisedLine(finding),
  };
}

function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  // Code-unit order, not localeCompare: the file must come out the same on every machine.
  return compare(a.path, b.path) || a.line - b.line || compare(a.code, b.code) || compare(a.fingerprint, b.fingerprint);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function writeEntries(file: string, entries: readonly BaselineEntry[]): void {
  const document: BaselineFile = {
    version: BASELINE_FORMAT,
    tool: 'provenant',
    entries: [...entries].sort(compareEntries).map((entry) => ({
      fingerprint: entry.fingerprint,
      code: entry.code,
      path: entry.path,
      line: entry.line,
      text: entry.text,
    })),
  };
  // Never write a file this provenant would refuse to read.
  const checked = BaselineFileSchema.safeParse(document);
  if (!checked.success) {
    throw new BugError(`refusing to write an invalid baseline: ${checked.error.issues.map((issue) => issue.message).join('; ')}`, {
      cause: checked.error,
    });
  }
  writeBaselineFile(file, `${JSON.stringify(document, null, 2)}\n`);
}

/** `writeAtomic` through a symlinked baseline, then a sync of its directory, so the rename is durable too. */
function writeBaselineFile(file: string, content: string): void {
  const display = displayPath(file);
  const target = realTarget(file, display);
  try {
    writeAtomic(target, content);
  } catch (error) {
    if (isErrno(error, 'EISDIR')) {
      throw new UserError(`${display}: is a directory, not a baseline file`, { cause: error });
    }
    if (isErrno(error, 'EACCES', 'EPERM', 'EROFS')) {
      throw new UserError(`${display}: cannot write the baseline: permission denied`, { cause: error });
    }
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      throw new UserError(`${display}: cannot write the baseline: its directory does not exist`, { cause: error });
    }
    throw new UserError(`${display}: cannot write the baseline: ${errorMessage(error)}`, { cause: error });
  }
  syncDirectory(path.dirname(target), display);
}

/** Where to write: through a symlinked baseline to the file it points at, so the link survives. */
function realTarget(file: string, display: string): string {
  try {
    return realpathSync(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return path.resolve(file);
    throw new UserError(`${display}: cannot inspect the baseline: ${errorMessage(error)}`, { cause: error });
  }
}

/** Makes the rename itself durable. Windows cannot open a directory for syncing. */
function syncDirectory(directory: string, display: string): void {
  if (process.platform === 'win32') return;
  let fd: number;
  try {
    fd = openSync(directory, 'r');
  } catch (error) {
    throw new UserError(`${display}: wrote the baseline but cannot open its directory to sync it: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    // Some file systems (certain network and FUSE mounts) do not sync directories; the file is in place.
    if (!isErrno(error, 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR')) {
      throw new UserError(`${display}: wrote the baseline but cannot sync its directory: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading

function parseBaselineJson(text: string, display: string): unknown {
  const parsed = parseJson(text);
  if ('value' in parsed) return parsed.value;
  const conflicted = /^(<{7}|={7}|>{7})( |$)/m.test(text);
  throw new UserError(invalidJsonMessage(text, display, parsed.problem), {
    cause: parsed.error,
    hint: conflicted
      ? `the file has merge-conflict markers; resolve them, or rewrite it with \`${REWRITE}\``
      : `fix the file, or rewrite it with \`${REWRITE}\``,
  });
}

const MAX_PROBLEMS = 10;

function shapeError(issues: readonly z.core.$ZodIssue[], data: unknown, display: string): UserError {
  const problems: string[] = [];
  for (const issue of issues) {
    const at = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(`${keyPath([...at, key])}: unknown key`);
    } else {
      problems.push(`${keyPath(at)}: ${describeIssue(issue, valueAt(data, at))}`);
    }
  }
  const shown = problems.slice(0, MAX_PROBLEMS).map((problem) => `${display}: ${problem}`);
  if (problems.length > MAX_PROBLEMS) shown.push(`${display}: … and ${problems.length - MAX_PROBLEMS} more problems`);
  return new UserError(shown.join('\n'), {
    hint: `a baseline is {"version": ${BASELINE_FORMAT}, "tool": "provenant", "entries": [{"fingerprint", "code", "path", "line", "text"}, …]}; rewrite it with \`${REWRITE}\``,
  });
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  const got = describeValue(value);
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${describeExpected(issue.expected)}, got ${got}`;
    case 'invalid_value':
      return `expected ${issue.values.map((allowed) => JSON.stringify(allowed)).join(' or ')}, got ${got}`;
    case 'too_small':
      if (issue.origin === 'string') return `expected a non-empty string, got ${got}`;
      if (issue.origin === 'number') return `expected a positive integer, got ${got}`;
      return `${issue.message}, got ${got}`;
    default:
      return `${issue.message}, got ${got}`;
  }
}


/** `entries[3].fingerprint`; the whole document when `at` is empty. */
function keyPath(at: readonly (string | number)[]): string {
  if (at.length === 0) return 'the document';
  let out = '';
  for (const part of at) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

