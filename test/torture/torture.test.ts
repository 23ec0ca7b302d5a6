/**
 * The torture trials of issue 18 at a size that fits `npm test`: kill -9 at seeded random points of `run`,
 * `pipeline run` and registry edits, and rounds of concurrent writers on one project. `npm run soak`
 * runs the same trials by the hundred.
 */
import { describe, expect, it } from 'vitest';
import { failures, torture } from '../../bench/torture.js';

const SEED = 18;

describe('torture (fixed seed)', () => {
  it('kill -9 of run, pipeline run and registry edits: no partial stamp, no lost row or edit, no wrong ok, no exit 3, no stale lock', async () => {
    const t = await torture({ seed: SEED, killRuns: 4, killPipelines: 2, killEdits: 3, rounds: 0 });
    expect(t.problems).toEqual([]);
    expect(failures(t)).toBe(0);
    expect(t.killTrials).toBe(9);
  }, 120_000);

  it('concurrent writers: every edit that printed success is kept, runs on one output serialise, the pipeline runs once at a time', async () => {
    const t = await torture({ seed: SEED, killRuns: 0, killPipelines: 0, killEdits: 0, rounds: 1 });
    expect(t.problems).toEqual([]);
    expect(failures(t)).toBe(0);
    // contention is real: some runs were refused, naming the holder
    expect(t.cleanErrors).toBeGreaterThan(0);
  }, 120_000);
});
