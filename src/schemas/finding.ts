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

/**
 * One text edit of a fix: replace `span` (end exclusive; an insertion when it is empty) with `content`.
 * In a notebook, `cell` is the 1-based cell index (as `Finding.cell`) and the span's lines are the cell's.
 */
export const FixEditSchema = z.strictObject({
  span: SpanSchema,
  content: z.string(),
  cell: z.int().positive().optional(),
});
export type FixEdit = z.infer<typeof FixEditSchema>;

/**
 * Ruff's applicability: `safe` fixes keep what the code means and `--fix` applies them; `unsafe` ones may
 * change what it does (another call, another return value) and need `--unsafe-fixes`.
 */
export const FIX_APPLICABILITIES = ['safe', 'unsafe'] as const;
export const FixApplicabilitySchema = z.enum(FIX_APPLICABILITIES);
export type FixApplicability = z.infer<typeof FixApplicabilitySchema>;

/** What a fix does to the finding's file: its edits are applied together or not at all. */
export const FixSchema = z.strictObject({
  applicability: FixApplicabilitySchema,
  /** What the fix does, in a few words (`use add_special_tokens=False`). */
  message: z.string(),
  edits: z.array(FixEditSchema).min(1),
});
export type Fix = z.infer<typeof FixSchema>;

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
  /** An edit that removes the problem, when the rule knows one (see `provenant audit --fix`). */
  fix: FixSchema.optional(),
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
  /** Findings that carry a fix, by applicability (what `--fix` and `--unsafe-fixes` would do). */
  fixable: z.strictObject({ safe: z.int().nonnegative(), unsafe: z.int().nonnegative() }),
  /** What `--fix` / `--add-suppressions` did in this run; null when neither was asked for. */
  fixes: z
    .strictObject({
      mode: z.enum(['fix', 'diff', 'add-suppressions']),
      /** Fixes (or suppressions) applied, or that `--diff` would apply. */
      applied: z.int().nonnegative(),
      /** Files written (none with `--diff`). */
      files: z.array(z.string()),
      /** Files left untouched, with why (changed since they were read, read-only, conflicting edits). */
      skipped: z.array(z.strictObject({ path: z.string(), reason: z.string() })),
    })
    .nullable(),
});
export type AuditReport = z.infer<typeof AuditReportSchema>;
