/**
 * Reading TOML: values through smol-toml (loaded on first use, synchronously) and, for messages and edits,
 * where each table header and key sits in the text through toml-eslint-parser (loaded only when a
 * message needs a line or a file is edited; smol-toml gives values without positions).
 */
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import type { TomlTableWithoutBigInt } from 'smol-toml';

import { BugError, UserError } from './errors.js';

const require = createRequire(import.meta.url);
let toml: typeof import('smol-toml') | undefined;
/** smol-toml loads only when there is TOML to read (its CommonJS build, so callers stay synchronous). */
function smolToml(): typeof import('smol-toml') {
  return (toml ??= require('smol-toml') as typeof import('smol-toml'));
}

/** A table as TOML gives one: a plain object, not an array or a date-time. */
export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The document's tables; invalid TOML is a UserError at `display:line:column`, with the parser's excerpt as hint. */
export function parseToml(text: string, display: string): TomlTableWithoutBigInt {
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

/** Whether `text` parses to `expected` (tables compared by structure, date-times by value); false when it does not parse. */
export function sameToml(text: string, expected: unknown): boolean {
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

// ---------------------------------------------------------------------------------------------------
// Where keys are in the text: used to put a line number on validation errors and to edit a table in place.

export interface TomlEntry {
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

/**
 * Every table header and key/value line of `text`, in document order. Text smol-toml read but
 * toml-eslint-parser rejects (the two disagree on some corners of the spec) gives no entries: the
 * messages then go without line numbers, and an edit is refused by the re-parse check.
 */
export async function indexToml(text: string): Promise<TomlEntry[]> {
  const { parseTOML, ParseError } = await import('toml-eslint-parser');
  let document: ReturnType<typeof parseTOML>;
  try {
    document = parseTOML(text, { tomlVersion: 'latest' });
  } catch (error) {
    if (error instanceof ParseError) return [];
    throw error;
  }
  const entries: TomlEntry[] = [];
  const keyNames = (node: { keys: readonly ({ type: 'TOMLBare'; name: string } | { type: 'TOMLQuoted'; value: string })[] }): string[] =>
    node.keys.map((key) => (key.type === 'TOMLBare' ? key.name : key.value));
  const addKeys = (table: string[], body: readonly { key: Parameters<typeof keyNames>[0]; loc: { start: { line: number }; end: { line: number } } }[]): void => {
    for (const pair of body) {
      entries.push({ kind: 'key', path: [...table, ...keyNames(pair.key)], line: pair.loc.start.line, endLine: pair.loc.end.line, array: false });
    }
  };
  for (const top of document.body) {
    for (const node of top.body) {
      if (node.type === 'TOMLKeyValue') {
        addKeys([], [node]);
        continue;
      }
      const table = keyNames(node.key);
      entries.push({ kind: 'table', path: table, line: node.loc.start.line, endLine: node.loc.start.line, array: node.kind === 'array' });
      addKeys(table, node.body);
    }
  }
  return entries;
}

/** The line of the longest prefix of `at` that names a key or table in the text. */
export function locate(index: readonly TomlEntry[], at: readonly (string | number)[]): number | null {
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
