/**
 * The `--json` outputs of the local model commands: `model inspect` (ModelReport), `model sentinel`
 * (SentinelReport) and `generate` (GenerateResult). Strict objects: these documents are produced here, so
 * an unexpected key is a change to the stable output that a test should notice.
 */
import { z } from 'zod';

import { AttestationSchema } from './stamp.js';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const TokenRef = z.strictObject({ id: z.number().int().nonnegative(), text: z.string().nullable() });

export const ModelReportSchema = z.strictObject({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: Sha256,
  name: z.string().nullable(),
  architecture: z.string().nullable(),
  parameters: z.number().int().nonnegative(),
  fileType: z.string().nullable(),
  contextLength: z.number().int().nullable(),
  layers: z.number().int().nullable(),
  tokenizer: z
    .strictObject({
      model: z.string(),
      pre: z.string().nullable(),
      vocabSize: z.number().int().nonnegative(),
      sha256: Sha256.nullable(),
      bos: TokenRef.nullable(),
      eos: TokenRef.nullable(),
      addBosToken: z.boolean().nullable(),
      addBos: z.boolean(),
      controlTokens: z.array(z.string()),
    })
    .nullable(),
  chatTemplate: z.union([
    z.strictObject({ present: z.literal(false) }),
    z.strictObject({ present: z.literal(true), sha256: Sha256, family: z.string().nullable(), length: z.number().int() }),
  ]),
  assessment: z.strictObject({ kind: z.enum(['base', 'instruct', 'unknown']), reasons: z.array(z.string()).min(1) }),
  warnings: z.array(z.string()),
});

const CheckSchema = z.strictObject({ name: z.string(), passed: z.boolean(), detail: z.string() });
const StreamSchema = z.strictObject({ text: z.string(), tokens: z.number().int().nonnegative(), bos: z.boolean() });

export const SentinelReportSchema = z.strictObject({
  model: z.strictObject({ path: z.string(), sha256: Sha256, name: z.string().nullable() }),
  prompt: z.string(),
  via: z.enum(['clean', 'chat-session']),
  passed: z.boolean(),
  checks: z.array(CheckSchema).min(1),
  clean: StreamSchema,
  chatSession: StreamSchema.extend({ wrapper: z.string() }),
  attestation: AttestationSchema,
  attestedTo: z.array(z.string()),
});

export const GenerateResultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('refused'), sentinel: SentinelReportSchema.omit({ attestedTo: true }) }),
  z.strictObject({ kind: z.literal('interrupted'), partial: z.string(), records: z.number().int().nonnegative() }),
  z.strictObject({
    kind: z.literal('done'),
    out: z.string(),
    sidecar: z.string(),
    qcPassed: z.boolean(),
    records: z.number().int().nonnegative(),
    resumed: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    skipped: z.array(z.strictObject({ line: z.number().int().positive(), reason: z.string() })),
  }),
]);
