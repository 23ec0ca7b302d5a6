/**
 * Rule codes and prefixes named by the user (`--select`, `--ignore`, `select`, `ignore`, `severity`,
 * `per-file-ignores`) must name a rule: a misspelt code would otherwise select nothing, or ignore nothing,
 * and the run would say "All clear" about rules it never ran.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RULES } from '../../audits/index.js';
import { ruleMatches } from '../config/rule-select.js';
import { isErrno } from '../core/fs.js';
import { levenshtein } from '../core/distance.js';
import { UserError } from '../core/errors.js';
import type { Config } from '../schemas/config.js';

/** Every code and category prefix there is, for suggestions. */
function knownPatterns(): string[] {
  const codes = RULES.map((r) => r.code);
  const prefixes = [...new Set(codes.map((c) => c.replace(/[0-9]+$/, '')))];
  return [...prefixes, ...codes];
}

/** True when `pattern` is `ALL` or selects at least one rule. */
export function namesARule(pattern: string): boolean {
  return pattern === 'ALL' || RULES.some((r) => ruleMatches(r.code, [pattern]));
}

/** The known codes or prefixes nearest to a misspelt one (at most three). */
export function nearestCodes(pattern: string): string[] {
  const scored = knownPatterns()
    .map((candidate) => ({ candidate, distance: levenshtein(pattern, candidate) }))
    .filter((s) => s.distance <= Math.max(2, Math.floor(pattern.length / 3)))
    .sort((a, b) => a.distance - b.distance);
  // a code a digit off and a prefix whose code runs out (TMPL9 → TMPL001…) are both worth showing
  const extra = /^[A-Z]+[0-9]+$/.test(pattern) ? knownPatterns().filter((c) => /[0-9]$/.test(c) && c.startsWith(pattern.replace(/[0-9]+$/, ''))) : [];
  return [...new Set([...scored.map((s) => s.candidate), ...extra])].slice(0, 3);
}

function unknownCode(where: string, pattern: string): UserError {
  const near = nearestCodes(pattern);
  return new UserError(`${where}: unknown rule code or prefix \`${pattern}\`${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`, {
    hint: 'run `provenant rules` to list every rule',
  });
}

/** Throws a UserError naming the flag for the first code in `patterns` that names no rule. */
export function checkFlagCodes(flag: string, patterns: readonly string[] | undefined): void {
  for (const pattern of patterns ?? []) {
    if (!namesARule(pattern)) throw unknownCode(flag, pattern);
  }
}

/**
 * Throws a UserError naming the config file, its line and the key for the first code in `select`, `ignore`,
 * `severity` or `per-file-ignores` that names no rule.
 */
export function checkConfigCodes(config: Config, source: string | null, cwd: string): void {
  const places: [string, string][] = [
    ...config.select.map((c) => ['select', c] as [string, string]),
    ...config.ignore.map((c) => ['ignore', c] as [string, string]),
    ...Object.keys(config.severity).map((c) => ['severity', c] as [string, string]),
    ...Object.entries(config.perFileIgnores).flatMap(([glob, codes]) => codes.map((c) => [`per-file-ignores."${glob}"`, c] as [string, string])),
  ];
  for (const [key, pattern] of places) {
    if (namesARule(pattern)) continue;
    throw unknownCode(source ? `${path.relative(cwd, source) || source}${lineOf(source, pattern)}: ${key}` : key, pattern);
  }
}

/** `:N` for the first line of the config file that spells `pattern` (quoted or as a bare key), else ''. */
function lineOf(file: string, pattern: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    // the file was read a moment ago to load the config; without it the message still names file and key
    if (isErrno(error, 'ENOENT', 'EACCES', 'EISDIR')) return '';
    throw error;
  }
  const needle = new RegExp(`(["']${pattern}["']|^\\s*${pattern}\\s*=)`, 'i');
  const index = text.split('\n').findIndex((line) => needle.test(line));
  return index < 0 ? '' : `:${index + 1}`;
}
