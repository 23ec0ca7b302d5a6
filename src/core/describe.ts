/**
 * How values read in messages about a user's file (config, baseline): short values as written, others
 * by kind, in the words of the file's format (`a table` in TOML, `an object` in JSON).
 */

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
