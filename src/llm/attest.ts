/**
 * Attestations of a local model run, in the shape stamps record (schemas/stamp.ts `Attestation`): the
 * model file's digest, the tokenizer's digest, the chat template's presence and digest, whether it was
 * applied, BOS, and the sentinel's result. They are written as `PROVENANT_ATTEST` JSON lines, one object
 * per line, so `provenant run` folds them into the stamps of whatever the command writes.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { errorMessage, UserError } from '../core/errors.js';
import type { Attestation } from '../schemas/stamp.js';
import type { ModelReport } from './inspect.js';

export function modelAttestation(report: ModelReport, addBos: boolean, templateApplied: boolean): Attestation {
  const kind = report.assessment.kind;
  return {
    model: {
      id: report.name ?? report.path,
      revision: report.sha256,
      base: kind === 'base' ? true : kind === 'instruct' ? false : null,
      format: 'gguf',
      path: report.path,
      sha256: report.sha256,
    },
    tokenizer: {
      sha256: report.tokenizer?.sha256 ?? null,
      chatTemplatePresent: report.chatTemplate.present,
      chatTemplateSha256: report.chatTemplate.present ? report.chatTemplate.sha256 : null,
      chatTemplateApplied: templateApplied,
      addSpecialTokens: false,
      addBos,
    },
  };
}

/**
 * Appends the attestation as one JSON line to `file` (when given) and to `$PROVENANT_ATTEST` (when set,
 * i.e. under `provenant run`); returns where it went. One write per target, so concurrent writers
 * appending whole lines do not interleave.
 */
export function writeAttestation(attestation: Attestation, options: { file?: string; cwd: string; env: NodeJS.ProcessEnv }): string[] {
  const line = `${JSON.stringify(attestation)}\n`;
  const targets = new Set<string>();
  if (options.file) targets.add(path.resolve(options.cwd, options.file));
  const fromEnv = options.env.PROVENANT_ATTEST;
  if (fromEnv) targets.add(path.resolve(options.cwd, fromEnv));
  for (const target of targets) {
    try {
      mkdirSync(path.dirname(target), { recursive: true });
      appendFileSync(target, line);
    } catch (error) {
      throw new UserError(`cannot write the attestation to ${target}: ${errorMessage(error)}`, { cause: error });
    }
  }
  return [...targets];
}
