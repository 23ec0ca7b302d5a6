import { expect } from 'vitest';

import type { FileFacts } from '../../src/analysis/facts.js';

/**
 * Reads `lines` (joined with newlines) as the file at `path` and checks what every launch-file reader
 * reports of a well-formed file: its language, its line count and no parse errors.
 */
export function readWellFormed(
  extract: (source: string, path: string) => FileFacts,
  path: string,
  expected: { language: FileFacts['language']; lines: number },
  lines: readonly string[],
): FileFacts {
  const facts = extract(lines.join('\n'), path);
  expect(facts.language).toBe(expected.language);
  expect(facts.lines).toBe(expected.lines);
  expect(facts.parseErrors).toEqual([]);
  return facts;
}
