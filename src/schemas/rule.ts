import { z } from 'zod';
import { SeveritySchema } from './config.js';

export const RULE_CATEGORIES = ['load', 'template', 'tokens', 'scripts', 'data', 'engine'] as const;
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
  languages: z.array(z.enum(['python', 'shell', 'make', 'yaml'])).min(1),
  /**
   * Substrings a file must contain for the rule to possibly fire (the prefilter: files containing none
   * of any enabled rule's triggers are not parsed). Empty means every file of the rule's languages.
   */
  triggers: z.array(z.string().min(2)),
  messages: z.record(z.string(), z.string().min(5)),
});
export type RuleMeta = z.infer<typeof RuleMetaSchema>;
