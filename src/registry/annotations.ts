/**
 * The committed annotations file (`provenant-registry.yaml`): what people say about each file. provenant
 * reads and validates it on every registry command and edits it only when asked (`registry deprecate`,
 * `canonical`, `bug add`, `import`). Edits go through the `yaml` Document API, so comments, key order and
 * the formatting of untouched entries survive, and the result replaces the file atomically and only after
 * it validated. A file that does not validate is never rewritten.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, YAMLMap, type Node, type Pair } from 'yaml';
import type { z } from 'zod';

import { closest, describeExpected, describeIssue, formatKeyPath, valueAt } from '../core/describe.js';
import { isErrno, isRecord, writeUserFile } from '../core/fs.js';
import { withFileLock } from '../core/lock.js';
import { BugError, errorMessage, UserError } from '../core/errors.js';
import { boundedToJs } from '../core/yaml.js';
import { notRegular } from '../core/files.js';
import { ANNOTATIONS_VERSION, AnnotationSchema, AnnotationsFileSchema, KnownBugSchema, type Annotation, type AnnotationsFile } from '../schemas/registry.js';

export interface LoadedAnnotations {
  /** Root-relative, as configured. */
  file: string;
  exists: boolean;
  data: AnnotationsFile;
  /** The line of `path`'s entry in the file, or null when it has none. */
  lineOf(path: string): number | null;
}

export type AnnotationField = keyof Annotation;

/** Schema order: where a new field goes among the ones a person already wrote. */
export const FIELD_ORDER: readonly AnnotationField[] = Object.keys(AnnotationSchema.shape) as AnnotationField[];
const TOP_KEYS = Object.keys(AnnotationsFileSchema.shape);
const BUG_KEYS = Object.keys(KnownBugSchema.shape);

/** The new file's opening comment (yaml writes `#` before each line). */
const HEADER = [
  ' provenant registry annotations: what people say about this project\'s scripts (purpose, status,',
  ' replacement, owner, notes, known bugs). provenant changes this file only when asked to',
  ' (`provenant registry deprecate|canonical|bug add|import`); edit it freely, then run `provenant registry sync`.',
].join('\n');

interface Where {
  doc: Document;
  counter: LineCounter;
}

interface Parsed extends Where {
  data: AnnotationsFile;
  source: string;
}

export async function loadAnnotations(root: string, file: string): Promise<LoadedAnnotations> {
  const text = await readAnnotationsText(root, file);
  if (text === null) return { file, exists: false, data: { version: ANNOTATIONS_VERSION, files: {} }, lineOf: () => null };
  const parsed = parseAnnotations(text, file);
  return { file, exists: true, data: parsed.data, lineOf: (p) => lineOfKey(parsed, ['files', p], true) };
}

async function readAnnotationsText(root: string, file: string): Promise<string | null> {
  try {
    // a FIFO or a device would block the read
    const st = await fs.stat(path.resolve(root, file));
    if (!st.isFile() && !st.isDirectory()) throw new UserError(`${file}: not a regular file (${notRegular(st) ?? 'not a file'}); the registry annotations are a YAML file`);
    return await fs.readFile(path.resolve(root, file), 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (isErrno(error, 'ENOENT')) return null;
    if (isErrno(error, 'EISDIR')) throw new UserError(`${file}: is a folder, not the registry annotations file`, { cause: error });
    throw new UserError(`${file}: cannot read: ${errorMessage(error)}`, { cause: error });
  }
}

/** Parses and validates; every problem becomes part of one UserError, in line order. */
export function parseAnnotations(text: string, file: string): Parsed {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((error) => {
      const at = counter.linePos(error.pos[0]);
      return `${file}:${at.line}:${at.col}: invalid YAML: ${error.message.split('\n')[0] ?? ''}`;
    });
    throw new UserError(lines.join('\n'), { hint: 'fix the YAML syntax; nothing was changed' });
  }
  const raw: unknown = boundedToJs(doc, file) ?? { version: ANNOTATIONS_VERSION, files: {} };
  const where = { doc, counter };
  refuseNewerVersion(raw, file, lineOfKey(where, ['version']));
  const result = AnnotationsFileSchema.safeParse(lenient(raw));
  const problems = result.success ? [] : result.error.issues.flatMap((issue) => describe(issue, raw, where));
  if (result.success) problems.push(...unnormalisedPaths(result.data, where));
  if (problems.length > 0 || !result.success) throw problemsError(problems, file);
  return { doc, counter, data: result.data, source: text };
}

/** `files:` and `path:` with nothing after them mean "none yet", not a type error. */
function lenient(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  const files = raw['files'];
  if (files === null) return { ...raw, files: {} };
  if (!isRecord(files)) return raw;
  return { ...raw, files: Object.fromEntries(Object.entries(files).map(([key, value]) => [key, value ?? {}])) };
}

function refuseNewerVersion(raw: unknown, file: string, line: number | null): void {
  const version = isRecord(raw) ? raw['version'] : undefined;
  if (typeof version === 'number' && version > ANNOTATIONS_VERSION) {
    throw new UserError(
      `${file}${line === null ? '' : `:${line}`}: version ${version} was written by a newer provenant (this one reads version ${ANNOTATIONS_VERSION})`,
      { hint: 'upgrade provenant; the file was left as it is' },
    );
  }
}

interface Problem {
  line: number | null;
  text: string;
  hint?: string;
}

function describe(issue: z.core.$ZodIssue, raw: unknown, where: Where): Problem[] {
  const at = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const candidates = at.length === 0 ? TOP_KEYS : at[0] === 'files' && at.length === 2 ? FIELD_ORDER : BUG_KEYS;
    return issue.keys.map((key) => {
      const suggestion = closest(key, candidates);
      return {
        line: lineOfKey(where, [...at, key]),
        text: `unknown key '${formatKeyPath([...at, key])}'${suggestion === null ? '' : ` (did you mean '${suggestion}'?)`}`,
        ...(suggestion === null ? { hint: `valid keys here: ${candidates.join(', ')}` } : {}),
      };
    });
  }
  const line = lineOfKey(where, at);
  if (at.length === 0) return [{ line, text: `expected a mapping with version: ${ANNOTATIONS_VERSION} and files:, got ${describeValue(raw)}` }];
  if (isDeepStrictEqual(at, ['version'])) {
    return [{ line, text: `version: expected ${ANNOTATIONS_VERSION}, got ${describeValue(isRecord(raw) ? raw['version'] : undefined)}`, hint: `start the file with \`version: ${ANNOTATIONS_VERSION}\`` }];
  }
  if (issue.code === 'invalid_type' && valueAt(raw, at) === undefined) {
    return [{ line, text: `${formatKeyPath(at)}: missing (${describeExpected(issue.expected, 'a mapping')} is required here)` }];
  }
  const text = describeIssue(issue, at, raw, 'a mapping');
  return [{ line, text, ...(/expected a string, got -?\d/.test(text) ? { hint: 'quote values that look like numbers (fixed_in: "1234567")' } : {}) }];
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return isRecord(value) ? 'a mapping' : JSON.stringify(value);
}

/** `./a.py`, `a//b.py` and `a\b.py` name a file the registry would never match. */
function unnormalisedPaths(data: AnnotationsFile, where: Where): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(data.files)) {
    const normal = normalisePath(key);
    if (normal !== key) {
      problems.push({ line: lineOfKey(where, ['files', key]), text: `${formatKeyPath(['files', key])}: write the path as '${normal}' (relative to the project root, with /)` });
    }
  }
  return problems;
}

export function normalisePath(p: string): string {
  return path.posix.normalize(p.replace(/\\/g, '/')).replace(/^(\.\/)+/, '').replace(/\/$/, '');
}

function problemsError(problems: Problem[], file: string): UserError {
  if (problems.length === 0) throw new BugError(`${file} failed validation without a reported issue`);
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const message = problems.map((p) => `${file}${p.line === null ? '' : `:${p.line}`}: ${p.text}`).join('\n');
  const hints = [...new Set(problems.flatMap((p) => (p.hint === undefined ? [] : [p.hint])))];
  return new UserError(message, hints.length === 0 ? {} : { hint: hints.join('\n') });
}

/** The line of the longest prefix of `at` that names a key or item in the document (all of it when `exact`). */
function lineOfKey(where: Where, at: readonly (string | number)[], exact = false): number | null {
  let node: unknown = where.doc.contents;
  let line: number | null = null;
  let found = 0;
  for (const part of at) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (pair === undefined) break;
      const start = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      if (start !== undefined) line = where.counter.linePos(start).line;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item: unknown = node.items[part];
      const start = isScalar(item) || isMap(item) || isSeq(item) ? item.range?.[0] : undefined;
      if (start === undefined) break;
      line = where.counter.linePos(start).line;
      node = item;
    } else {
      break;
    }
    found++;
  }
  return exact && found < at.length ? null : line;
}

// ---------------------------------------------------------------------------------------------------
// Editing

export interface AnnotationsEditor {
  /** The annotations as they were before this edit (validated). */
  readonly data: AnnotationsFile;
  readonly document: Document;
  /** Sets one field of `path`'s entry (created in path order when missing); the field goes in schema order. */
  set<K extends AnnotationField>(path: string, field: K, value: NonNullable<Annotation[K]>): void;
  /** Removes a field the command was asked to change (the only way a field may disappear). */
  remove(path: string, field: AnnotationField): void;
  /** Appends one bug to `path`'s `bugs`. */
  addBug(path: string, bug: NonNullable<Annotation['bugs']>[number]): void;
}

export interface EditOutcome<R> {
  result: R;
  /** The file did not exist and was created. */
  created: boolean;
  /** The text changed (false: nothing was written). */
  changed: boolean;
}

/**
 * Loads `file` (refusing one that does not validate), runs `edit` on its document, validates the result
 * and writes it atomically when it changed. Only the entries `edit` touched are rewritten; every other
 * line stays as it was. Fields a person wrote survive unless `edit` removed them.
 */
export async function editAnnotations<R>(root: string, file: string, edit: (editor: AnnotationsEditor) => R, lockWaitMs?: number): Promise<EditOutcome<R>> {
  // read, edit and write under the file's lock: a concurrent edit is applied to what this one wrote
  return withFileLock(root, path.resolve(root, file), file, () => editLocked(root, file, edit), lockWaitMs);
}

async function editLocked<R>(root: string, file: string, edit: (editor: AnnotationsEditor) => R): Promise<EditOutcome<R>> {
  const abs = path.resolve(root, file);
  const original = await readAnnotationsText(root, file);
  const parsed = original === null ? null : parseAnnotations(original, file);
  const doc = parsed?.doc ?? new Document({ version: ANNOTATIONS_VERSION, files: {} });
  if (parsed === null) doc.commentBefore = HEADER;
  const before = parsed?.data ?? { version: ANNOTATIONS_VERSION, files: {} };
  const unedited = render(doc, original);
  const touched = new Set<string>();
  const removed = new Set<string>();
  const result = edit(makeEditor(doc, before, touched, removed));

  const rendered = render(doc, original);
  if (original !== null && rendered === unedited) return { result, created: false, changed: false };
  const after = parseAnnotations(rendered, file);
  assertNothingLost(before, after.data, removed, file);
  const text = original === null ? rendered : (spliceEntries(original, after, touched) ?? rendered);
  await writeTarget(abs, text, file, original === null);
  return { result, created: original === null, changed: true };
}

function makeEditor(doc: Document, data: AnnotationsFile, touched: Set<string>, removed: Set<string>): AnnotationsEditor {
  const entry = (p: string): YAMLMap => {
    touched.add(p);
    return entryMap(doc, p);
  };
  return {
    data,
    document: doc,
    set(p, field, value) {
      placeField(entry(p), field, doc.createNode(value));
    },
    remove(p, field) {
      const map = entry(p);
      if (map.has(field)) {
        map.delete(field);
        removed.add(`${p}\0${field}`);
      }
    },
    addBug(p, bug) {
      const map = entry(p);
      const bugs: unknown = map.get('bugs', true);
      if (isSeq(bugs)) bugs.items.push(doc.createNode(bug));
      else placeField(map, 'bugs', doc.createNode([bug]));
    },
  };
}

interface LineRange {
  start: number;
  end: number;
}

/** Each entry's lines (1-based, inclusive) and the entries' order, or null for a `files:` written in flow style. */
function entryLines(where: Where): { ranges: Map<string, LineRange>; order: string[] } | null {
  const top = where.doc.contents;
  const files: unknown = isMap(top) ? top.get('files', true) : undefined;
  if (!isMap(files) || files.flow === true) return null;
  const ranges = new Map<string, LineRange>();
  for (const item of files.items) {
    const start = isScalar(item.key) ? item.key.range?.[0] : undefined;
    const value: unknown = item.value;
    const end = isMap(value) || isSeq(value) || isScalar(value) ? value.range?.[1] : undefined;
    if (start === undefined) return null;
    const last = end === undefined || end <= start ? start : end - 1;
    ranges.set(keyOf(item), { start: where.counter.linePos(start).line, end: where.counter.linePos(last).line });
  }
  return { ranges, order: files.items.map(keyOf) };
}

/**
 * The original text with only the touched entries replaced by their new rendering (new entries go
 * after the entry that precedes them). Null when that cannot be done faithfully; the caller then
 * writes the whole re-rendered document.
 */
function spliceEntries(original: string, after: Parsed, touched: ReadonlySet<string>): string | null {
  const crlf = original.includes('\r\n');
  const source = crlf ? original.replace(/\r\n/g, '\n') : original;
  const counter = new LineCounter();
  const old = entryLines({ doc: parseDocument(source, { lineCounter: counter }), counter });
  const next = entryLines(after);
  if (old === null || next === null || old.order.length === 0) return null;
  const rendered = after.source.replace(/\r\n/g, '\n').split('\n');
  const lines = source.split('\n');
  const edits: { at: number; remove: number; insert: string[]; rank: number }[] = [];
  for (const p of touched) {
    const range = next.ranges.get(p);
    if (range === undefined) return null;
    const insert = rendered.slice(range.start - 1, range.end);
    const rank = next.order.indexOf(p);
    const existing = old.ranges.get(p);
    if (existing !== undefined) {
      edits.push({ at: existing.start - 1, remove: existing.end - existing.start + 1, insert, rank });
      continue;
    }
    const previous = next.order.slice(0, rank).reverse().find((q) => old.ranges.has(q));
    const following = next.order.slice(rank + 1).find((q) => old.ranges.has(q));
    const at = previous !== undefined ? old.ranges.get(previous)?.end : (old.ranges.get(following ?? '')?.start ?? 0) - 1;
    if (at === undefined || at < 0) return null;
    edits.push({ at, remove: 0, insert, rank });
  }
  // Bottom-up, so earlier positions stay valid; of two insertions at one spot, the later entry goes first.
  edits.sort((x, y) => y.at - x.at || y.rank - x.rank);
  for (const edit of edits) lines.splice(edit.at, edit.remove, ...edit.insert);
  const text = lines.join('\n');
  const check = parseDocument(text);
  if (check.errors.length > 0 || !isDeepStrictEqual(check.toJS(), after.doc.toJS())) return null;
  return crlf ? text.replace(/\n/g, '\r\n') : text;
}

function filesMap(doc: Document): YAMLMap {
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    doc.contents = doc.createNode({ version: ANNOTATIONS_VERSION, files: {} });
  }
  const top = doc.contents;
  if (!isMap(top)) throw new BugError('the annotations document is not a mapping after validation');
  const files: unknown = top.get('files', true);
  if (isMap(files)) return files;
  const created = new YAMLMap();
  top.set('files', created);
  return created;
}

/** The entry's mapping; a new entry goes in path order when the existing ones are sorted, else last. */
function entryMap(doc: Document, p: string): YAMLMap {
  const files = filesMap(doc);
  const found: unknown = files.get(p, true);
  if (isMap(found)) return found;
  const entry = new YAMLMap();
  if (found !== undefined) {
    files.set(p, entry); // `path:` with nothing after it
    return entry;
  }
  const keys = files.items.map((item) => keyOf(item));
  const sorted = keys.every((key, i) => i === 0 || (keys[i - 1] ?? '') <= key);
  const at = sorted ? keys.findIndex((key) => key > p) : -1;
  const pair = doc.createPair(p, entry) as Pair<Node, YAMLMap>;
  if (at === -1) files.items.push(pair);
  else files.items.splice(at, 0, pair);
  return entry;
}

function keyOf(item: Pair): string {
  return isScalar(item.key) ? String(item.key.value) : String(item.key);
}

function placeField(map: YAMLMap, field: AnnotationField, value: Node): void {
  if (map.has(field)) {
    map.set(field, value);
    return;
  }
  const rank = FIELD_ORDER.indexOf(field);
  const at = map.items.findIndex((item) => FIELD_ORDER.indexOf(keyOf(item) as AnnotationField) > rank);
  const pair = new Document().createPair(field, value) as Pair<Node, Node>;
  if (at === -1) map.items.push(pair);
  else map.items.splice(at, 0, pair);
}

/** The document as text, in the original's indentation, sequence style and line endings. */
function render(doc: Document, original: string | null): string {
  const indent = original === null ? 2 : (/^( +)\S/m.exec(original)?.[1]?.length ?? 2);
  const flushSeq = original !== null && /^( *)[^\s#-][^\n]*:[ \t]*\r?\n\1- /m.test(original);
  const text = doc.toString({ lineWidth: 0, indent, indentSeq: !flushSeq, flowCollectionPadding: false });
  return original?.includes('\r\n') ? text.replace(/\r?\n/g, '\r\n') : text;
}

function assertNothingLost(before: AnnotationsFile, after: AnnotationsFile, removed: Set<string>, file: string): void {
  for (const [p, annotation] of Object.entries(before.files)) {
    for (const [field, value] of Object.entries(annotation)) {
      const now = after.files[p]?.[field as AnnotationField];
      const kept = field === 'bugs' || field === 'canonical_for' ? Array.isArray(now) : now !== undefined;
      if (!kept && !removed.has(`${p}\0${field}`)) {
        throw new BugError(`editing ${file} would have dropped ${p}'s ${field} (${JSON.stringify(value)}); nothing was written`);
      }
    }
  }
}

async function writeTarget(abs: string, text: string, display: string, created: boolean): Promise<void> {
  if (created) {
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await writeUserFile(abs, text, display, undefined);
    return;
  }
  // Write through a symlink, keeping the link and the file's mode.
  const real = await fs.realpath(abs);
  const mode = (await fs.stat(real)).mode & 0o7777;
  await writeUserFile(real, text, display, mode);
}
