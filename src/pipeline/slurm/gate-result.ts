/**
 * A gate job's result: the outcome of each of the stage's gates, written by `provenant pipeline gates`
 * on the compute node (atomically) and read by `pipeline run` and `pipeline status` to say which metric
 * missed which threshold and what decision it blocks.
 */
import { existsSync, readFileSync } from 'node:fs';

import { writeAtomic } from '../../core/fs.js';
import type { GateOutcome } from '../gates.js';

export interface GateResult {
  stage: string;
  passed: boolean;
  outcomes: GateOutcome[];
  /** The decision the first failing gate stands for. */
  decision: string | null;
}

export function readGateResult(file: string | null): GateResult | null {
  if (!file || !existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as GateResult;
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

export function writeGateResult(file: string, result: GateResult): void {
  writeAtomic(file, JSON.stringify(result, null, 2) + '\n');
}
