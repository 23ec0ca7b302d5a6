/**
 * Finding, reading, validating and (for `provenant init`) writing the configuration.
 *
 * Settings live in `[tool.provenant]` of pyproject.toml or at the top level of provenant.toml. Discovery
 * walks up from the start directory and stops at the first directory holding either (a provenant.toml
 * wins over a pyproject.toml beside it) or at a repository boundary (`.git`). That directory is the
 * project root every glob in the file is relative to.
 *
 * Every problem with the user's files is a `UserError` naming the file, the key path and, when it can be
 * found, the line.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { createRequire } from 'node:module';
import type { TomlTableWithoutBigInt } from 'smol-toml';
import type { z } from 'zod';

import type { ConfigFile } from '../schemas/config.js';
import { normalizeConfig, type Config, type Severity } from '../schemas/config-values.js';
import { describeExpected, describeValue, valueAt } from './describe.js';
import { notRegular } from './files.js';
import { BugError, errorMessage, UserError } from './errors.js';
import { levenshtein } from './distance.js';
import { displayPath, isErrno, writeUserFile } from './fs.js';
import { withFileLock } from './lock.js';

export interface LoadConfigOptions {
  /** Where discovery starts; also the base of a relative `configPath`. */
  cwd: string;
  /** An explicit config file (`--config`): provenant.toml-style unless it is named pyproject.toml. */
  configPath?: string;
  /** Ignore every config file and use the defaults (`--isolated`). */
  isolated?: boolean;
}

export interface LoadedConfig {
  config: Config;
  /** Absolute project root: the config file's directory, else the enclosing git work tree, else `cwd`. */
  root: string;
  /** Absolute path of the file the settings came from; null when the defaults apply. */
  source: string | null;
}

const PROVENANT_TOML = 'provenant.toml';
const PYPROJECT_TOML = 'pyproject.toml';
const TOOL_PATH = ['tool', 'provenant'] as const;

type FileKind = 'pyproject' | 'provenant';

function kindOf(file: string): FileKind {
  return path.basename(file) === PYPROJECT_TOML ? 'pyproject' : 'provenant';
}

/** Where the settings sit inside a file of this kind. */
function basePath(kind: FileKind): string[] {
  return kind === 'pyproject' ? [...TOOL_PATH] : [];
}

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const cwd = path.resolve(options.cwd);
  if (options.isolated && options.configPath !== undefined) {
    throw new UserError('--config and --isolated cannot be used together', {
      hint: '--isolated ignores every config file; drop one of the two',
    });
  }
  if (options.isolated) {
    return { config: normalizeConfig({}), root: (await findGitRoot(cwd)) ?? cwd, source: null };
  }
  if (options.configPath !== undefined) {
    const file = path.resolve(cwd, options.configPath);
    const display = displayPath(file, cwd);
    const text = await readConfigText(file, display);
    const data = parseToml(text, display);
    if (kindOf(file) === 'pyproject' && !hasToolTable(data)) {
      throw new UserError(`${display}: no [tool.provenant] table`, {
        hint: 'add a [tool.provenant] table to it, or point --config at a provenant.toml',
      });
    }
    const config = await validate(data, { display, text, kind: kindOf(file) });
    return { config, root: path.dirname(file), source: file };
  }

  for (let dir = cwd; ; ) {
    const found = await configIn(dir, cwd);
    if (found !== null) {
      const config = await validate(found.data, { display: displayPath(found.file, cwd), text: found.text, kind: kindOf(found.file) });
      return { config, root: dir, source: found.file };
    }
    // The repository boundary: a parent directory's config belongs to some other project.
    if (await exists(path.join(dir, '.git'))) return { config: normalizeConfig({}), root: dir, source: null };
    const parent = path.dirname(dir);
    if (parent === dir) return { config: normalizeConfig({}), root: cwd, source: null };
    dir = parent;
  }
}

interface FoundConfig {
  file: string;
  text: string;
  data: TomlTableWithoutBigInt;
}

async function configIn(dir: string, cwd: string): Promise<FoundConfig | null> {
  const own = path.join(dir, PROVENANT_TOML);
  if (await isFile(own)) {
    const text = await readConfigText(own, displayPath(own, cwd));
    return { file: own, text, data: parseToml(text, displayPath(own, cwd)) };
  }
  const pyproject = path.join(dir, PYPROJECT_TOML);
  if (await isFile(pyproject)) {
    const text = await readConfigText(pyproject, displayPath(pyproject, cwd));
    // A pyproject.toml that never mentions us is someone else's file: don't parse it, so that its own
    // TOML mistakes don't stop an audit.
    if (!text.includes('provenant')) return null;
    const data = parseToml(text, displayPath(pyproject, cwd));
    if (hasToolTable(data)) return { file: pyproject, text, data };
  }
  return null;
}

async function findGitRoot(start: string): Promise<string | null> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (await exists(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

function hasToolTable(data: TomlTableWithoutBigInt): boolean {
  const tool = data['tool'];
  return isTable(tool) && 'provenant' in tool;
}

// ---------------------------------------------------------------------------------------------------
// Rule selection

/**
 * True when `code` is selected by one of `patterns`: `ALL`, the code itself, or a prefix of it. A prefix
 * must not cut a category name in two (`LOAD` matches `LOAD001`, `LOA` does not), so one category's name
 * never selects another category that merely starts with the same letters.
 */
export function ruleMatches(code: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => prefixMatches(code, pattern));
}

function prefixMatches(code: string, pattern: string): boolean {
  if (pattern === 'ALL') return true;
  if (!code.startsWith(pattern)) return false;
  const next = code.charAt(pattern.length);
  return /[0-9]$/.test(pattern) || next === '' || /[0-9]/.test(next);
}

/** `select`, then `ignore`: a rule runs when some select pattern matches it and no ignore pattern does. */
export function isRuleEnabled(config: Pick<Config, 'select' | 'ignore'>, code: string): boolean {
  return ruleMatches(code, config.select) && !ruleMatches(code, config.ignore);
}

/**
 * Whether preview behaviour is on for a rule: `preview = true`, or `select` naming the code in full (as
 * Ruff lets a preview rule be opted into by its exact code; `ALL` and prefixes never do).
 */
export function previewFor(config: Pick<Config, 'select' | 'preview'>, code: string): boolean {
  return config.preview || config.select.includes(code);
}

/** The `severity` override for `code`, the most specific matching key winning; `fallback` without one. */
export function severityFor(config: Pick<Config, 'severity'>, code: string, fallback: Severity): Severity {
  let best: { length: number; severity: Severity } | null = null;
  for (const [pattern, severity] of Object.entries(config.severity)) {
    if (!prefixMatches(code, pattern)) continue;
    const length = pattern === 'ALL' ? 0 : pattern.length;
    if (best === null || length > best.length) best = { length, severity };
  }
  return best?.severity ?? fallback;
}

// ---------------------------------------------------------------------------------------------------
// Reading and validation

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** A file to read as config: anything but a folder (a FIFO or a device is reported when read, not skipped). */
async function isFile(file: string): Promise<boolean> {
  try {
    return !(await fs.stat(file)).isDirectory();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
    throw new UserError(`cannot inspect ${file}: ${errorMessage(error)}`, { cause: error });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
    throw new UserError(`cannot inspect ${file}: ${errorMessage(error)}`, { cause: error });
  }
}

async function readConfigText(file: string, display: string): Promise<string> {
  try {
    // a FIFO or a device would block the read
    const st = await fs.stat(file);
    if (!st.isFile() && !st.isDirectory()) throw new UserError(`${display}: not a regular file (${notRegular(st) ?? 'not a file'}); a config file is TOML`);
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      throw new UserError(`${display}: config file not found`, { cause: error });
    }
    if (isErrno(error, 'EISDIR')) {
      throw new UserError(`${display}: is a directory, not a config file`, {
        cause: error,
        hint: `pass a file: ${path.join(display, PROVENANT_TOML)} or ${path.join(display, PYPROJECT_TOML)}`,
      });
    }
    if (isErrno(error, 'EACCES', 'EPERM')) {
      throw new UserError(`${display}: cannot read config file: permission denied`, { cause: error });
    }
    throw new UserError(`${display}: cannot read config file: ${errorMessage(error)}`, { cause: error });
  }
}

const require = createRequire(import.meta.url);
let toml: typeof import('smol-toml') | undefined;
/** smol-toml loads only when there is TOML to read (its CommonJS build, so callers stay synchronous). */
function smolToml(): typeof import('smol-toml') {
  return (toml ??= require('smol-toml') as typeof import('smol-toml'));
}

function parseToml(text: string, display: string): TomlTableWithoutBigInt {
  const { parse, TomlError } = smolToml();
  try {
    return parse(text, { integersAsBigInt: false });
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.replace(/^Invalid TOML document: /, '').split('\n')[0] ?? '';
      throw new UserError(`${display}:${error.line}:${error.column}: invalid TOML: ${reason}`, {
        cause: error,
        hint: error.codeblock.trimEnd(),
      });
    }
    throw new BugError(`smol-toml failed on ${display} without a TomlError`, { cause: error });
  }
}

/** The zod schema (and zod itself) load only when there is a config file to validate. */
async function configSchemas() {
  const [{ z }, schemas] = await Promise.all([import('zod'), import('../schemas/config.js')]);
  return { ...schemas, PyprojectSchema: z.object({ tool: z.object({ provenant: schemas.ConfigSchema }) }) };
}

interface SourceText {
  display: string;
  text: string;
  kind: FileKind;
}

async function validate(data: TomlTableWithoutBigInt, source: SourceText): Promise<Config> {
  const { ConfigSchema, PyprojectSchema, CONFIG_KEYS } = await configSchemas();
  if (source.kind === 'pyproject') {
    const result = PyprojectSchema.safeParse(data);
    if (result.success) return normalizeConfig(result.data.tool.provenant);
    throw issuesError(result.error.issues, data, source, CONFIG_KEYS);
  }
  const result = ConfigSchema.safeParse(data);
  if (result.success) return normalizeConfig(result.data);
  throw issuesError(result.error.issues, data, source, CONFIG_KEYS);
}

interface Problem {
  line: number | null;
  text: string;
}

function issuesError(issues: readonly z.core.$ZodIssue[], data: unknown, source: SourceText, CONFIG_KEYS: readonly string[]): UserError {
  const index = indexToml(source.text);
  const base = basePath(source.kind);
  const problems: Problem[] = [];
  const hints = new Set<string>();
  for (const issue of issues) {
    const at = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const keyPath = [...at, key];
        const atRoot = isDeepStrictEqual(at, base);
        const suggestion = atRoot ? closest(key, CONFIG_KEYS) : null;
        problems.push({
          line: locate(index, keyPath),
          text: `unknown key '${formatKeyPath(keyPath)}'${suggestion === null ? '' : ` (did you mean '${suggestion}'?)`}`,
        });
        if (atRoot && source.kind === 'provenant' && key === 'tool') {
          hints.add(`${PROVENANT_TOML} takes its settings at the top level, without a [tool.provenant] header`);
        } else if (atRoot && suggestion === null) {
          hints.add(`valid keys: ${CONFIG_KEYS.join(', ')}`);
        }
      }
      continue;
    }
    problems.push({ line: locate(index, at), text: describeIssue(issue, at, data) });
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const message = problems
    .map((problem) => `${source.display}${problem.line === null ? '' : `:${problem.line}`}: ${problem.text}`)
    .join('\n');
  return new UserError(message, hints.size === 0 ? {} : { hint: [...hints].join('\n') });
}

export function describeIssue(issue: z.core.$ZodIssue, at: (string | number)[], data: unknown, objectWord = 'a table'): string {
  const got = describeValue(valueAt(data, at), objectWord);
  switch (issue.code) {
    case 'invalid_value':
      return `${formatKeyPath(at)}: expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}, got ${got}`;
    case 'invalid_type':
      return `${formatKeyPath(at)}: expected ${describeExpected(issue.expected, objectWord)}, got ${got}`;
    case 'invalid_key': {
      // zod puts the offending key last in the path; the key, not its value, is what is wrong.
      const parent = at.slice(0, -1);
      const key = String(at[at.length - 1]);
      const reason = issue.issues[0]?.message ?? issue.message;
      return `${formatKeyPath(parent)}: invalid key ${JSON.stringify(key)}: ${reason}`;
    }
    default:
      return `${formatKeyPath(at)}: ${issue.message}, got ${got}`;
  }
}


/** `tool.provenant.per-file-ignores."tests/**"[0]`: the TOML spelling, so it can be searched for. */
export function formatKeyPath(at: readonly (string | number)[]): string {
  let out = '';
  for (const part of at) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += `${out === '' ? '' : '.'}${/^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part)}`;
  }
  return out;
}

/** The known key nearest to a misspelt one (snake_case and camelCase folded to kebab-case first). */
export function closest(key: string, candidates: readonly string[]): string | null {
  const folded = key
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of candidates) {
    const distance = levenshtein(folded, candidate);
    if (best === null || distance < best.distance) best = { candidate, distance };
  }
  return best !== null && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.candidate : null;
}


// ---------------------------------------------------------------------------------------------------
// Where keys are in the text. smol-toml gives values without positions, so a light line scanner finds
// table headers and `key =` lines (skipping the insides of multi-line arrays, inline tables and strings).
// It is used to put a line number on validation errors and to edit the [tool.provenant] block in place.

interface TomlEntry {
  kind: 'table' | 'key';
  /** Full dotted path: the table's for a header, table + key for a key line. */
  path: string[];
  /** 1-based line of the header or of the key. */
  line: number;
  /** 1-based last line of the value (a multi-line array ends later); the header line for tables. */
  endLine: number;
  /** `[[array.of.tables]]`. */
  array: boolean;
}

type Multiline = '"""' | "'''";

function indexToml(text: string): TomlEntry[] {
  const lines = text.split('\n');
  const entries: TomlEntry[] = [];
  let table: string[] = [];
  let depth = 0;
  let multiline: Multiline | null = null;
  let open: TomlEntry | null = null;

  const scan = (value: string): void => {
    const state = scanValue(value, depth, multiline);
    depth = state.depth;
    multiline = state.multiline;
  };

  for (const [i, raw] of lines.entries()) {
    const lineNo = i + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (multiline !== null || depth > 0) {
      scan(line);
    } else {
      const header = /^\s*(\[\[?)(.*)$/.exec(line);
      const key = header === null ? parseKey(line) : null;
      if (header !== null) {
        const array = header[1] === '[[';
        const parsed = parseDottedKey(header[2] ?? '', 0);
        if (parsed !== null) {
          table = parsed.keys;
          entries.push({ kind: 'table', path: table, line: lineNo, endLine: lineNo, array });
        }
      } else if (key !== null) {
        open = { kind: 'key', path: [...table, ...key.keys], line: lineNo, endLine: lineNo, array: false };
        entries.push(open);
        scan(key.rest);
      }
    }
    if (open !== null) {
      open.endLine = lineNo;
      if (multiline === null && depth <= 0) {
        open = null;
        depth = 0;
      }
    }
  }
  return entries;
}

const BARE_KEY = /^[A-Za-z0-9_-]+/;
const BASIC_KEY = /^"((?:[^"\\]|\\.)*)"/;
const LITERAL_KEY = /^'([^']*)'/;

function parseDottedKey(text: string, start: number): { keys: string[]; end: number } | null {
  const keys: string[] = [];
  let pos = start;
  for (;;) {
    while (text[pos] === ' ' || text[pos] === '\t') pos++;
    const rest = text.slice(pos);
    const bare = BARE_KEY.exec(rest);
    const basic = bare === null ? BASIC_KEY.exec(rest) : null;
    const literal = bare === null && basic === null ? LITERAL_KEY.exec(rest) : null;
    if (bare !== null) keys.push(bare[0]);
    else if (basic !== null) keys.push(unescapeBasic(basic[1] ?? ''));
    else if (literal !== null) keys.push(literal[1] ?? '');
    else return null;
    pos += (bare ?? basic ?? literal)?.[0].length ?? 0;
    while (text[pos] === ' ' || text[pos] === '\t') pos++;
    if (text[pos] !== '.') return { keys, end: pos };
    pos++;
  }
}

function parseKey(line: string): { keys: string[]; rest: string } | null {
  const indent = /^\s*/.exec(line)?.[0].length ?? 0;
  if (line[indent] === '#' || indent === line.length) return null;
  const parsed = parseDottedKey(line, indent);
  if (parsed === null || line[parsed.end] !== '=') return null;
  return { keys: parsed.keys, rest: line.slice(parsed.end + 1) };
}

function unescapeBasic(text: string): string {
  const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
  return text.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (whole, escape: string) => {
    if (escape.length > 1) return String.fromCodePoint(Number.parseInt(escape.slice(1), 16));
    return simple[escape] ?? whole;
  });
}

/** Follows brackets and strings through one line of a value. */
function scanValue(
  line: string,
  startDepth: number,
  startMultiline: Multiline | null,
): { depth: number; multiline: Multiline | null } {
  let depth = startDepth;
  let multiline = startMultiline;
  let i = 0;
  while (i < line.length) {
    if (multiline !== null) {
      const close = findClose(line, i, multiline);
      if (close === -1) return { depth, multiline };
      i = close + 3;
      multiline = null;
      continue;
    }
    const char = line[i];
    if (char === '#') break;
    if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
      multiline = line.startsWith('"""', i) ? '"""' : "'''";
      i += 3;
    } else if (char === '"' || char === "'") {
      i = endOfString(line, i + 1, char);
    } else {
      if (char === '[' || char === '{') depth++;
      if (char === ']' || char === '}') depth--;
      i++;
    }
  }
  return { depth, multiline };
}

function findClose(line: string, from: number, delimiter: Multiline): number {
  for (let i = from; i < line.length; i++) {
    if (delimiter === '"""' && line[i] === '\\') {
      i++;
      continue;
    }
    if (line.startsWith(delimiter, i)) return i;
  }
  return -1;
}

function endOfString(line: string, from: number, quote: string): number {
  for (let i = from; i < line.length; i++) {
    if (quote === '"' && line[i] === '\\') {
      i++;
      continue;
    }
    if (line[i] === quote) return i + 1;
  }
  return line.length;
}

/** The line of the longest prefix of `at` that names a key or table in the text. */
function locate(index: readonly TomlEntry[], at: readonly (string | number)[]): number | null {
  const end = at.findIndex((part) => typeof part === 'number');
  const keys = (end === -1 ? at : at.slice(0, end)) as string[];
  for (let length = keys.length; length > 0; length--) {
    const prefix = keys.slice(0, length);
    const entry =
      index.find((candidate) => isDeepStrictEqual(candidate.path, prefix)) ??
      // `[tool.provenant]` in a provenant.toml: the unknown key `tool` only ever appears inside a longer path.
      (length === keys.length ? index.find((candidate) => isDeepStrictEqual(candidate.path.slice(0, length), prefix)) : undefined);
    if (entry !== undefined) return entry.line;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Writing (provenant init)

export interface ConfigSectionSettings {
  sanctionedLoaders?: string[];
  baseModels?: string[];
  instructModels?: string[];
  deprecatedPaths?: string[];
}

const WRITABLE_KEYS = {
  sanctionedLoaders: 'sanctioned-loaders',
  baseModels: 'base-models',
  instructModels: 'instruct-models',
  deprecatedPaths: 'deprecated-paths',
} as const satisfies Record<keyof ConfigSectionSettings, keyof ConfigFile>;

/**
 * Adds settings to `file` (pyproject.toml: its `[tool.provenant]` table; any other name: the top level)
 * by editing the text, so comments, formatting and other tables survive. Refuses to replace a key the
 * file already sets unless `force`. The result is re-parsed and compared with the intended change before
 * it replaces the file (atomically), so an unusual layout fails loudly instead of corrupting the file.
 */
export async function writeConfigSection(
  file: string,
  settings: ConfigSectionSettings,
  options: { force?: boolean } = {},
): Promise<{ created: boolean }> {
  const display = file;
  const kind = kindOf(file);
  const base = basePath(kind);
  const values: [string, string[]][] = [];
  for (const [name, key] of Object.entries(WRITABLE_KEYS)) {
    const value = settings[name as keyof ConfigSectionSettings];
    if (value !== undefined) values.push([key, value]);
  }
  const { ConfigSchema, CONFIG_KEYS } = await configSchemas();
  const checked = ConfigSchema.safeParse(Object.fromEntries(values));
  if (!checked.success) {
    throw issuesError(checked.error.issues, Object.fromEntries(values), { display, text: '', kind: 'provenant' }, CONFIG_KEYS);
  }

  // read and write under the file's lock (config files live at the project root), so a concurrent edit is kept
  return withFileLock(path.dirname(path.resolve(file)), path.resolve(file), display, () => writeSectionLocked(file, display, kind, base, values, options));
}

async function writeSectionLocked(
  file: string,
  display: string,
  kind: FileKind,
  base: readonly string[],
  values: [string, string[]][],
  options: { force?: boolean },
): Promise<{ created: boolean }> {
  const target = await existingTarget(file, display);
  if (target === null) {
    const body = values.map(([key, value]) => renderSetting(key, value, '\n')).join('');
    const content = kind === 'pyproject' ? `[tool.provenant]\n${body}` : body;
    await writeUserFile(path.resolve(file), content, display, undefined);
    return { created: true };
  }

  const text = await readConfigText(target.path, display);
  const data = parseToml(text, display);
  const existing = valueAt(data, base);
  if (existing !== undefined && !isTable(existing)) {
    throw new UserError(`${display}: ${formatKeyPath(base)} is not a table`);
  }
  const index = indexToml(text);
  const taken = values.filter(([key]) => existing !== undefined && key in existing).map(([key]) => key);
  if (taken.length > 0 && options.force !== true) {
    const lines = taken.map((key) => {
      const line = locate(index, [...base, key]);
      return `${display}${line === null ? '' : `:${line}`}: ${formatKeyPath([...base, key])} is already set`;
    });
    throw new UserError(lines.join('\n'), {
      hint: 'edit the file by hand, or run again with --force to replace these keys',
    });
  }

  const edited = editText(text, index, kind, values);
  // `data` becomes what the edited file must parse to: the old document plus exactly the new keys.
  const table = ensureTable(data, base);
  for (const [key, value] of values) table[key] = value;
  if (!sameToml(edited, data)) {
    throw new UserError(`${display}: cannot add the settings without disturbing the rest of the file`, {
      hint:
        `[tool.provenant] is probably written with dotted keys or as an inline table; add these lines by hand:\n` +
        values.map(([key, value]) => renderSetting(key, value, '\n')).join('').trimEnd(),
    });
  }
  await writeUserFile(target.path, edited, display, target.mode);
  return { created: false };
}

/** The real file behind `file` (a symlinked pyproject.toml keeps its link), or null when there is none. */
async function existingTarget(file: string, display: string): Promise<{ path: string; mode: number } | null> {
  let real: string;
  let mode: number;
  let directory: boolean;
  try {
    real = await fs.realpath(file);
    const stat = await fs.stat(real);
    mode = stat.mode & 0o7777;
    directory = stat.isDirectory();
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw new UserError(`${display}: cannot inspect: ${errorMessage(error)}`, { cause: error });
  }
  if (directory) throw new UserError(`${display}: is a directory, not a config file`);
  return { path: real, mode };
}

function ensureTable(data: Record<string, unknown>, at: readonly string[]): Record<string, unknown> {
  let table = data;
  for (const key of at) {
    const next = table[key];
    if (isTable(next)) {
      table = next;
    } else {
      const created: Record<string, unknown> = {};
      table[key] = created;
      table = created;
    }
  }
  return table;
}

function sameToml(text: string, expected: unknown): boolean {
  const { parse, TomlError } = smolToml();
  let actual: unknown;
  try {
    actual = parse(text, { integersAsBigInt: false });
  } catch (error) {
    if (error instanceof TomlError) return false;
    throw new BugError('smol-toml failed without a TomlError', { cause: error });
  }
  return isDeepStrictEqual(plain(actual), plain(expected));
}

/** smol-toml builds null-prototype tables; compare structure, not prototypes. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Date) return value.toISOString();
  if (isTable(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  return value;
}

function editText(original: string, index: readonly TomlEntry[], kind: FileKind, values: [string, string[]][]): string {
  const crlf = original.includes('\r\n');
  const eol = crlf ? '\r\n' : '\n';
  // Split on \n only, so a \r stays on its line and a CRLF file comes back byte-identical outside the edit.
  const text = original === '' || original.endsWith('\n') ? original : `${original}${eol}`;
  const lines = text.split('\n');
  const withCr = (line: string): string => (crlf ? `${line}\r` : line);
  const render = (key: string, value: string[]): string[] => renderSetting(key, value, '\n').split('\n').slice(0, -1).map(withCr);
  const base = basePath(kind);
  const tables = index.filter((entry) => entry.kind === 'table');

  let blockStart: number; // 0-based index of the block's first line (the line after its header)
  let blockEnd: number; // 0-based index one past the block's last line
  if (kind === 'provenant') {
    blockStart = 0;
    blockEnd = (tables[0]?.line ?? lines.length + 1) - 1;
  } else {
    const header = tables.find((entry) => !entry.array && isDeepStrictEqual(entry.path, base));
    if (header === undefined) {
      const block = [withCr('[tool.provenant]'), ...values.flatMap(([key, value]) => render(key, value))];
      // Sub-tables such as [tool.provenant.severity] may come first; the new table goes above them.
      const subtable = tables.find((entry) => isDeepStrictEqual(entry.path.slice(0, base.length), base));
      if (subtable !== undefined) {
        lines.splice(subtable.line - 1, 0, ...block, withCr(''));
        return lines.join('\n');
      }
      const body = text.replace(/(\r?\n)*$/, '');
      return `${body}${body === '' ? '' : eol + eol}${block.join('\n')}\n`;
    }
    blockStart = header.line;
    blockEnd = (tables.find((entry) => entry.line > header.line)?.line ?? lines.length + 1) - 1;
  }

  const keysInBlock = index.filter(
    (entry) => entry.kind === 'key' && entry.line - 1 >= blockStart && entry.line - 1 < blockEnd,
  );
  const edits: { at: number; remove: number; insert: string[] }[] = [];
  const added: string[] = [];
  for (const [key, value] of values) {
    const current = keysInBlock.find((entry) => isDeepStrictEqual(entry.path, [...base, key]));
    if (current === undefined) added.push(...render(key, value));
    else edits.push({ at: current.line - 1, remove: current.endLine - current.line + 1, insert: render(key, value) });
  }
  if (added.length > 0) {
    const lastKey = keysInBlock.at(-1);
    if (lastKey !== undefined) {
      edits.push({ at: lastKey.endLine, remove: 0, insert: added });
    } else {
      const at = kind === 'provenant' ? afterLeadingComment(lines, blockEnd) : blockStart;
      // Keep a blank line between the new keys and whatever followed the header (a comment, a table).
      const gap = at < lines.length - 1 && (lines[at] ?? '').trim() !== '';
      edits.push({ at, remove: 0, insert: gap ? [...added, withCr('')] : added });
    }
  }
  // Bottom-up, so earlier line numbers stay valid.
  edits.sort((a, b) => b.at - a.at);
  for (const edit of edits) lines.splice(edit.at, edit.remove, ...edit.insert);
  return lines.join('\n');
}

/** In a provenant.toml without top-level keys: below a leading comment that ends in a blank line. */
function afterLeadingComment(lines: readonly string[], blockEnd: number): number {
  let i = 0;
  while (i < blockEnd && /^\s*#/.test(lines[i] ?? '')) i++;
  return i > 0 && i < blockEnd && (lines[i] ?? '').trim() === '' ? i + 1 : 0;
}

/** `key = ["a", "b"]`, wrapped one item per line when long; ends with `eol`. */
function renderSetting(key: string, value: readonly string[], eol: string): string {
  const items = value.map(tomlString);
  const oneLine = `${key} = [${items.join(', ')}]`;
  if (oneLine.length <= 88 || items.length === 0) return `${oneLine}${eol}`;
  return `${key} = [${eol}${items.map((item) => `    ${item},${eol}`).join('')}]${eol}`;
}

function tomlString(value: string): string {
  const escapes: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
  // eslint-disable-next-line no-control-regex -- control characters are exactly what TOML requires escaped
  const escaped = value.replace(/["\\\u0000-\u001f\u007f]/g, (char) => escapes[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${escaped}"`;
}
