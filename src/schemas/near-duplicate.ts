/**
 * A near-duplicate function as the registry's function index finds it and DUP001 reports it: shared by
 * the registry and the audit, so it sits below both.
 */

/** A function that nearly duplicates another one (computed across files by the function index). */
export interface NearDuplicate {
  qualname: string;
  line: number;
  col: number;
  /** Whole percent, rounded down. */
  similarity: number;
  /** `cell`: the other function is in a notebook (its cell and line there; `line` is its JSON's line). */
  of: { path: string; qualname: string; line: number; cell?: { index: number; line: number }; canonical: boolean; canonicalFor: string[] };
}
