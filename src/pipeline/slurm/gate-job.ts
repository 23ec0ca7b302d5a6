/**
 * `provenant pipeline gates --stage ID`: evaluates a stage's gates now, prints each outcome, and writes
 * them to `--result` for `pipeline status`. A SLURM gate job runs it after the stage's job; its exit code
 * (1 when a gate fails) is what keeps SLURM from starting the stages the gate blocks.
 */
import path from 'node:path';

import { loadConfig } from '../../config/config.js';
import { UserError } from '../../core/errors.js';
import { evaluateGate } from '../gates.js';
import { loadSpec } from '../spec.js';
import { writeGateResult, type GateResult } from './gate-result.js';

export interface GateJobOptions {
  cwd: string;
  spec?: string;
  stage: string;
  result?: string;
}

export async function checkStageGates(options: GateJobOptions): Promise<GateResult> {
  const { root } = await loadConfig({ cwd: options.cwd });
  const spec = await loadSpec(root, options.spec ? path.relative(root, path.resolve(options.cwd, options.spec)) : undefined);
  const stage = spec.byId.get(options.stage);
  if (!stage) throw new UserError(`--stage ${options.stage}: no such stage in ${spec.file}`, { hint: `stages: ${spec.stages.map((s) => s.id).join(', ')}` });
  const outcomes = stage.gates.map((g) => evaluateGate(root, g));
  const firstFailed = stage.gates.find((_, i) => !outcomes[i]?.passed);
  const result: GateResult = { stage: stage.id, passed: !firstFailed, outcomes, decision: firstFailed?.decision ?? null };
  if (options.result) writeGateResult(path.resolve(options.cwd, options.result), result);
  return result;
}
