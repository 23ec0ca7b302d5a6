/**
 * Exact candidate search for Jaccard similarity by prefix filtering (Chaudhuri, Ganti and Kaushik, "A
 * primitive operator for similarity joins in data cleaning", 2006; Bayardo, Ma and Srikant, "Scaling up
 * all pairs similarity search", 2007). Under any one order of all shingles, two sets with Jaccard ≥ t
 * share at least one shingle among the first |A| − ⌈t·|A|⌉ + 1 of each. Ordering shingles rarest first
 * puts boilerplate (`for I in I ( I ) :`) last, where it picks no candidates, without dropping it: no
 * match above the threshold is lost, whatever the size of the repository.
 *
 * Functions with the same shingle set (generated or pasted code) are one group: their candidates are
 * found and verified once.
 */
import { jaccard } from '../analysis/python/fingerprint.js';

export interface Shingled {
  id: number;
  /** Sorted ascending, unique. */
  shingles: readonly number[];
}

/** The least number of shared shingles for Jaccard ≥ t: J ≤ shared / |A|, so shared ≥ t·|A|. */
export function minShared(size: number, threshold: number): number {
  return Math.max(1, Math.ceil(threshold * size - 1e-9));
}

/** How many of a set's first shingles (in the shared order) a match above `threshold` must touch. */
export function prefixLength(size: number, threshold: number): number {
  return Math.max(1, size - minShared(size, threshold) + 1);
}

/** Whether sizes alone allow Jaccard ≥ t: J ≤ min / max. */
export function sizesAllow(a: number, b: number, threshold: number): boolean {
  return Math.min(a, b) >= threshold * Math.max(a, b) - 1e-9;
}

export interface Group<F extends Shingled> {
  /** The shared shingle set, sorted ascending. */
  shingles: readonly number[];
  members: F[];
}

export interface SimilarGroup<F extends Shingled> {
  group: Group<F>;
  similarity: number;
}

export class PrefixFilter<F extends Shingled> {
  private readonly groups: Group<F>[] = [];
  private readonly groupOf = new Map<number, number>();
  private readonly postings = new Map<number, number[]>();
  private readonly prefixes: number[][] = [];
  private readonly found = new Map<number, SimilarGroup<F>[]>();

  constructor(
    functions: readonly F[],
    private readonly threshold: number,
  ) {
    const byKey = new Map<string, number>();
    for (const f of functions) {
      const key = f.shingles.join(',');
      let g = byKey.get(key);
      if (g === undefined) {
        g = this.groups.length;
        byKey.set(key, g);
        this.groups.push({ shingles: f.shingles, members: [] });
      }
      this.groups[g]?.members.push(f);
      this.groupOf.set(f.id, g);
    }
    // document frequency over distinct sets: a pasted family counts once, as it is verified once
    const df = new Map<number, number>();
    for (const g of this.groups) for (const s of g.shingles) df.set(s, (df.get(s) ?? 0) + 1);
    const rarestFirst = (a: number, b: number): number => (df.get(a) ?? 0) - (df.get(b) ?? 0) || a - b;
    this.groups.forEach((g, i) => {
      const prefix = [...g.shingles].sort(rarestFirst).slice(0, prefixLength(g.shingles.length, threshold));
      this.prefixes.push(prefix);
      for (const s of prefix) {
        const list = this.postings.get(s);
        if (list) list.push(i);
        else this.postings.set(s, [i]);
      }
    });
  }

  /** The group holding function `id`, or undefined when it was not given to the constructor. */
  group(id: number): Group<F> | undefined {
    const g = this.groupOf.get(id);
    return g === undefined ? undefined : this.groups[g];
  }

  /** Every group at least `threshold` similar to the group of `id` (its own group first, at 1). */
  similarTo(id: number): SimilarGroup<F>[] {
    const g = this.groupOf.get(id);
    if (g === undefined) return [];
    const known = this.found.get(g);
    if (known) return known;
    const own = this.groups[g];
    const prefix = this.prefixes[g] ?? [];
    if (!own) return [];
    const out: SimilarGroup<F>[] = [{ group: own, similarity: 1 }];
    const seen = new Set<number>([g]);
    for (const s of prefix) {
      for (const h of this.postings.get(s) ?? []) {
        if (seen.has(h)) continue;
        seen.add(h);
        const other = this.groups[h];
        if (!other || !sizesAllow(own.shingles.length, other.shingles.length, this.threshold)) continue;
        const similarity = jaccard(own.shingles, other.shingles);
        if (similarity >= this.threshold) out.push({ group: other, similarity });
      }
    }
    this.found.set(g, out);
    return out;
  }
}
