/**
 * What a rule may declare about itself, as plain values: the lists and patterns `RuleMetaSchema`
 * (rule.ts) is built from, and the hand check `defineRule` runs when a rule module loads, so the catalog
 * is validated at every start without loading zod.
 */
import { LANGUAGES } from './languages.js';
import { SEVERITIES } from './config-values.js';

export const RULE_CATEGORIES = ['load', 'template', 'tokens', 'scripts', 'data', 'dup', 'suppression', 'engine'] as const;
export type RuleCategory = (typeof RULE_CATEGORIES)[number];
export const RULE_STATUSES = ['preview', 'stable', 'deprecated'] as const;
export const RULE_PHASES = ['file', 'after', 'project'] as const;
export const RULE_FIXES = ['safe', 'unsafe', 'safe-or-unsafe'] as const;

export const RULE_CODE = /^[A-Z]+[0-9]{3}$/;
export const RULE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const RULE_SINCE = /^\d+\.\d+\.\d+$/;
export const RULE_META_KEYS = ['code', 'name', 'category', 'severity', 'status', 'since', 'summary', 'languages', 'triggers', 'requires', 'messages', 'phase', 'fix'] as const;

/** What is wrong with a rule's metadata (the same constraints as `RuleMetaSchema`), one line each; empty when nothing is. */
export function ruleMetaProblems(meta: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string): void => {
    if (!ok) problems.push(problem);
  };
  const oneOf = (list: readonly string[], value: unknown): boolean => typeof value === 'string' && list.includes(value);
  const strings = (value: unknown, min: number): value is string[] =>
    Array.isArray(value) && value.every((item) => typeof item === 'string' && item.length >= min);
  const matches = (pattern: RegExp, value: unknown): boolean => typeof value === 'string' && pattern.test(value);
  check(matches(RULE_CODE, meta.code), 'code: an upper-case prefix and three digits, like LOAD001');
  check(matches(RULE_NAME, meta.name), 'name: kebab-case, like manual-model-load');
  check(oneOf(RULE_CATEGORIES, meta.category), `category: one of ${RULE_CATEGORIES.join(', ')}`);
  check(oneOf(SEVERITIES, meta.severity), `severity: one of ${SEVERITIES.join(', ')}`);
  check(oneOf(RULE_STATUSES, meta.status), `status: one of ${RULE_STATUSES.join(', ')}`);
  check(matches(RULE_SINCE, meta.since), 'since: a version, like 0.1.0');
  check(typeof meta.summary === 'string' && meta.summary.length >= 10, 'summary: a sentence of at least 10 characters');
  check(strings(meta.languages, 1) && meta.languages.length > 0 && meta.languages.every((l) => oneOf(LANGUAGES, l)), `languages: one or more of ${LANGUAGES.join(', ')}`);
  check(strings(meta.triggers, 2), 'triggers: substrings of at least 2 characters');
  check(meta.requires === undefined || strings(meta.requires, 2), 'requires: substrings of at least 2 characters');
  const messages = meta.messages;
  check(
    typeof messages === 'object' && messages !== null && !Array.isArray(messages) && Object.values(messages).every((m) => typeof m === 'string' && m.length >= 5),
    'messages: message ids to texts of at least 5 characters',
  );
  check(meta.phase === undefined || oneOf(RULE_PHASES, meta.phase), `phase: one of ${RULE_PHASES.join(', ')}`);
  check(meta.fix === undefined || oneOf(RULE_FIXES, meta.fix), `fix: one of ${RULE_FIXES.join(', ')}`);
  for (const key of Object.keys(meta)) check((RULE_META_KEYS as readonly string[]).includes(key), `${key}: not a rule metadata key`);
  return problems;
}
