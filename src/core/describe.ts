/**
 * How values and problems read in messages about a user's file (config, baseline, annotations, specs):
 * short values as written, others by kind, in the words of the file's format (`a table` in TOML, `an
 * object` in JSON); a zod issue as one line at its key path; the known key nearest to a misspelt one.
 */
import type { z } from 'zod';

import { levenshtein } from './distance.js';

export function describeValue(value: unknown, objectWord = 'an object'): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date-time';
  return objectWord;
}

/** A zod `expected` type name as words: `int` → `an integer`. */
export function describeExpected(expected: string, objectWord = 'an object'): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'an integer',
    array: 'an array',
    object: objectWord,
    record: objectWord,
    boolean: 'a boolean',
  };
  return names[expected] ?? expected;
}

/** The value at a key path (`['entries', 3, 'fingerprint']`), or undefined when the path leaves the data. */
export function valueAt(data: unknown, at: readonly (string | number)[]): unknown {
  let value = data;
  for (const part of at) {
    if (Array.isArray(value) && typeof part === 'number') value = value[part];
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) value = (value as Record<string, unknown>)[String(part)];
    else return undefined;
  }
  return value;
}

/** `valueAt` for a dotted key (`by_type.completion`, `results.0.accuracy`): number segments index arrays. */
export function valueAtDotted(data: unknown, dotted: string): unknown {
  return valueAt(data, dotted.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)));
}

/** A zod issue at key path `at` as one line: the key path, what was expected and what the file holds. */
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
