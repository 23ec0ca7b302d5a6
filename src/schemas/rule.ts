/**
 * The zod schema of what every rule declares about itself: code, name, category, severity, triggers, phase.
 * It is built from the plain lists of rule-values.ts; at run time `defineRule` checks the same constraints
 * by hand (`ruleMetaProblems`) as each rule module loads, so the audit never loads zod for it. The catalog
 * test and the generated JSON Schema use this one.
 */

import { z } from 'zod';
import { LANGUAGES } from './languages.js';
import { SeveritySchema } from './config.js';
import { RULE_CATEGORIES, RULE_CODE, RULE_FIXES, RULE_NAME, RULE_PHASES, RULE_SINCE, RULE_STATUSES } from './rule-values.js';

export { RULE_CATEGORIES, type RuleCategory } from './rule-values.js';
export const RuleCategorySchema = z.enum(RULE_CATEGORIES);

export const RuleStatusSchema = z.enum(RULE_STATUSES);

/** What every rule declares about itself. */
export const RuleMetaSchema = z.strictObject({
  code: z.string().regex(RULE_CODE),
  name: z.string().regex(RULE_NAME),
  category: RuleCategorySchema,
  severity: SeveritySchema,
  status: RuleStatusSchema,
  since: z.string().regex(RULE_SINCE),
  summary: z.string().min(10),
  languages: z.array(z.enum(LANGUAGES)).min(1),
  /**
   * Substrings a Python file must contain for the rule to possibly fire (the prefilter: a file that
   * no enabled rule can fire on is not parsed). Empty: the rule only sees files other rules selected.
   * Shell, Makefile and YAML launchers are cheap to read and are always analysed.
   */
  triggers: z.array(z.string().min(2)),
  /** When set, a Python file must also contain one of these (a second cheap test, e.g. a script name). */
  requires: z.array(z.string().min(2)).optional(),
  messages: z.record(z.string(), z.string().min(5)),
  /**
   * `after` rules run once a file's other findings are in and suppressions applied. `project` rules
   * compare a file with the rest of the project: the engine computes what they read (the near-duplicates
   * of the project phase's context) across files, and their results never enter the per-file cache.
   */
  phase: z.enum(RULE_PHASES).optional(),
  /**
   * Whether some of its findings carry a fix, and how safe: `safe`, `unsafe`, or `safe-or-unsafe` when the
   * finding decides (TOK001: safe on a known base model, unsafe when the model is not known). Absent: none.
   * rule.md says the same on its `Fix:` line (the catalog test holds the two together).
   */
  fix: z.enum(RULE_FIXES).optional(),
});
export type RuleMeta = z.infer<typeof RuleMetaSchema>;
