/**
 * The baseline file (`.provenant-baseline.json`, committed): the findings a project has accepted for now,
 * so `audit` fails only on new ones. See audit/baseline.ts for how entries are matched.
 */
import { z } from 'zod';

/** The format this provenant reads and writes; a file with a larger `version` came from a newer provenant. */
export const BASELINE_FORMAT = 1;

export const BaselineEntrySchema = z.strictObject({
  /** The finding's fingerprint (audit/fingerprint.ts): the only field matching uses. */
  fingerprint: z.string().min(1),
  code: z.string().min(1),
  /** Path relative to the project root, with `/`. */
  path: z.string().min(1),
  /** Where the finding was when the entry was written; for people reading the diff, never for matching. */
  line: z.int().positive(),
  /** The flagged line, whitespace-normalised; for people reading the diff. */
  text: z.string(),
});
export type BaselineEntry = z.infer<typeof BaselineEntrySchema>;

/** The file shape. Strict: a misspelt key is an error, never silently ignored. */
export const BaselineFileSchema = z.strictObject({
  version: z.literal(BASELINE_FORMAT),
  tool: z.literal('provenant'),
  entries: z.array(BaselineEntrySchema),
});
export type BaselineFile = z.infer<typeof BaselineFileSchema>;

/** A baseline in memory: the file without its `tool` marker. */
export interface Baseline {
  version: typeof BASELINE_FORMAT;
  entries: BaselineEntry[];
}
