/**
 * The zod schema of what every rule declares about itself: code, name, category, severity, triggers, phase.
 * The catalog test checks each rule against it; nothing validates it at run time.
 */

import { z } from 'zod';
import { LANGUAGES } from '../analysis/languages.js';
import { SeveritySchema } from './config.js';

export const RULE_CATEGORIES = ['load', 'template', 'tokens', 'scripts', 'data', 'dup', 'suppression', 'engine'] as const;
export const RuleCategorySchema = z.enum(RULE_CATEGORIES);
export type RuleCategory = z.infer<typeof RuleCategorySchema>;

export const RuleStatusSchema = z.enum(['preview', 'stable', 'deprecated']);

/** What every rule declares about itself; checked when the catalog loads. */
export const RuleMetaSchema = z.strictObject({
  code: z.string().regex(/^[A-Z]+[0-9]{3}$/),
  name: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/),
  category: RuleCategorySchema,
  severity: SeveritySchema,
  status: RuleStatusSchema,
  since: z.string().regex(/^\d+\.\d+\.\d+$/),
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
   * compare a file with the rest of the project: the engine computes what they read (`ctx.duplicates()`)
   * across files, and their results never enter the per-file cache.
   */
  phase: z.enum(['file', 'after', 'project']).optional(),
  /**
   * Whether some of its findings carry a fix, and how safe: `safe`, `unsafe`, or `safe-or-unsafe` when the
   * finding decides (TOK001: safe on a known base model, unsafe when the model is not known). Absent: none.
   * rule.md says the same on its `Fix:` line (the catalog test holds the two together).
   */
  fix: z.enum(['safe', 'unsafe', 'safe-or-unsafe']).optional(),
});
export type RuleMeta = z.infer<typeof RuleMetaSchema>;
