/**
 * Rule selection: which rules a config's `select`, `ignore`, `preview` and `severity` turn on, and at
 * what severity. Codes and patterns only; the config itself is read in config.ts.
 */
import type { Config, Severity } from '../schemas/config-values.js';

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
