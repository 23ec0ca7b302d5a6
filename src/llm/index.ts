/**
 * The local base-model guard's entry points, as the library API exposes them: inspect a GGUF file, open a
 * model for raw completion and scoring, run the sentinel (writing its attestation), and generate a stamped
 * few-shot dataset. src/index.ts reaches this module only through dynamic imports, so nothing here, and
 * node-llama-cpp least of all, loads for an audit.
 */
import path from 'node:path';

import { writeAttestation } from './attest.js';
import { openLocalModel as open } from './model.js';
import { runSentinel } from './sentinel.js';
import type { LocalModel, RuntimeOptions, SentinelOptions, SentinelReport } from './types.js';

export { inspectModel } from './inspect.js';
export { generateDataset } from './generate.js';

export async function openLocalModel(file: string, options: RuntimeOptions & { cwd?: string } = {}): Promise<LocalModel> {
  return open(path.resolve(options.cwd ?? '.', file), { ...options, display: file });
}

export interface ModelSentinelOptions extends RuntimeOptions, SentinelOptions {
  model: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Append the attestation to this JSON-lines file (it also goes to `$PROVENANT_ATTEST` when set). */
  attest?: string;
}

/** Opens the model, runs the sentinel, writes the attestation where asked and closes the model. */
export async function modelSentinel(o: ModelSentinelOptions): Promise<SentinelReport & { attestedTo: string[] }> {
  const model = await open(path.resolve(o.cwd, o.model), { ...o, display: o.model });
  try {
    const report = await runSentinel(model, o);
    const attestedTo = writeAttestation(report.attestation, { ...(o.attest ? { file: o.attest } : {}), cwd: o.cwd, env: o.env });
    return { ...report, attestedTo };
  } finally {
    await model.dispose();
  }
}
