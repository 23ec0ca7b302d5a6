/**
 * `provenant registry similar --json`: the report's shape, checked by a test so the output stays stable.
 */
import { z } from 'zod';

/** Files marked canonical in the registry's annotations, with the capabilities they are canonical for. */
export type CanonicalFiles = ReadonlyMap<string, readonly string[]>;

/** A function that nearly duplicates another one (DUP001's input, computed across files). */
export interface NearDuplicate {
  qualname: string;
  line: number;
  col: number;
  /** Whole percent, rounded down. */
  similarity: number;
  /** `cell`: the other function is in a notebook (its cell and line there; `line` is its JSON's line). */
  of: { path: string; qualname: string; line: number; cell?: { index: number; line: number }; canonical: boolean; canonicalFor: string[] };
}

/** A notebook's function: its cell (1-based, markdown cells counted) and its line in the cell. */
const CellSchema = z.strictObject({ index: z.int().positive(), line: z.int().positive() });

const FunctionRefSchema = z.strictObject({
  path: z.string(),
  qualname: z.string(),
  /** In a notebook, the line of its JSON (as audit findings give it), with `cell`. */
  line: z.int().positive(),
  cell: CellSchema.optional(),
  tokens: z.int().nonnegative(),
});

export const SimilarPairSchema = z.strictObject({
  /** A function of the file asked about. */
  function: FunctionRefSchema,
  /** The function it nearly duplicates, and whether that one is the canonical implementation. */
  duplicateOf: FunctionRefSchema.extend({ canonical: z.boolean(), canonicalFor: z.array(z.string()) }),
  /** Jaccard similarity of the two shingle sets, whole percent rounded down. */
  similarity: z.int().min(0).max(100),
});

export const SimilarReportSchema = z.strictObject({
  root: z.string(),
  path: z.string(),
  function: z.string().nullable(),
  threshold: z.number().gt(0).max(1),
  minTokens: z.int().positive(),
  /** Best first. */
  pairs: z.array(SimilarPairSchema),
  /** Functions of the file too short to compare (fewer tokens than `min-tokens`). */
  tooShort: z.array(z.strictObject({ qualname: z.string(), line: z.int().positive(), cell: CellSchema.optional(), tokens: z.int().nonnegative() })),
});
export type SimilarReport = z.infer<typeof SimilarReportSchema>;
export type SimilarPair = z.infer<typeof SimilarPairSchema>;
