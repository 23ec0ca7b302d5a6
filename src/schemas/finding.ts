/**
 * The zod schemas of a finding and of the `--format json` audit report. The committed JSON Schema under
 * schemas/ is generated from them.
 */

import { z } from 'zod';
import type { SkippedFile } from '../core/files.js';
import { SeveritySchema } from './config.js';

export const SpanSchema = z.strictObject({
  line: z.int().positive(),
  col: z.int().positive(),
  endLine: z.int().positive(),
  endCol: z.int().positive(),
});

export const FindingSchema = z.strictObject({
  code: z.string(),
  name: z.string(),
  severity: SeveritySchema,
  message: z.string(),
  /** Path relative to the project root, with `/`. */
  path: z.string(),
  /** In a notebook, `line` is the line of the notebook's JSON holding the source line (where annotations land). */
  span: SpanSchema,
  /** In a notebook: the 1-based cell (markdown cells counted) and the line within it. */
  cell: z.strictObject({ index: z.int().positive(), line: z.int().positive() }).optional(),
  /** The source lines the finding sits on, for code frames. */
  frame: z.array(z.strictObject({ line: z.int().positive(), text: z.string() })),
  /** Stable identity across unrelated edits (see audit/fingerprint.ts); baselines and SARIF use it. */
  fingerprint: z.string(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const SkippedFileSchema = z.strictObject({ path: z.string(), reason: z.string() }) satisfies z.ZodType<SkippedFile>;
export type { SkippedFile };

export const AuditStatsSchema = z.strictObject({
  filesDiscovered: z.int().nonnegative(),
  filesAnalysed: z.int().nonnegative(),
  filesSkipped: z.int().nonnegative(),
  bytesDiscovered: z.int().nonnegative(),
  /** Files the parser ran on in this run (the others' facts came from the cache). */
  filesParsed: z.int().nonnegative(),
  /** Findings silenced by suppression comments. */
  suppressed: z.int().nonnegative(),
  seconds: z.number().nonnegative(),
});

/** The `--format json` document. */
export const AuditReportSchema = z.strictObject({
  version: z.literal(1),
  tool: z.strictObject({ name: z.literal('provenant'), version: z.string() }),
  root: z.string(),
  config: z.string().nullable(),
  findings: z.array(FindingSchema),
  skipped: z.array(SkippedFileSchema),
  stats: AuditStatsSchema,
  summary: z.strictObject({ error: z.int(), warning: z.int(), info: z.int() }),
  /** Findings hidden because the baseline file records them (null: no baseline in use). */
  baseline: z
    .strictObject({ file: z.string(), baselined: z.int().nonnegative(), fixed: z.int().nonnegative() })
    .nullable(),
  warnings: z.array(z.string()),
});
export type AuditReport = z.infer<typeof AuditReportSchema>;
