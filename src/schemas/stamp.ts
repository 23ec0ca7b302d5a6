/**
 * The provenance stamp: an in-toto Statement v1 whose predicate follows SLSA provenance v1 where a field
 * fits (buildDefinition, runDetails) and carries a `provenant` block for what SLSA has no field for (git
 * state, the producer's registry status, model, tokenizer and chat template, sampling, QC). A stamp is
 * written as `<artifact>.prov.json`, either the bare Statement or, when a signing key is configured, a DSSE
 * envelope around it. pipeline/STAMP.md explains the format; pipeline/stamp.schema.json is generated
 * from these schemas.
 *
 * Objects are loose (unknown keys pass), as SLSA asks of consumers: a newer provenant may add fields.
 */
import { z } from 'zod';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://provenant.dev/llm-artifact/v1';
export const BUILD_TYPE_COMMAND = 'https://provenant.dev/buildtypes/command/v1';
export const BUILD_TYPE_LEGACY = 'https://provenant.dev/buildtypes/legacy/v1';
export const DSSE_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/**
 * The version of the `provenant` block; a stamp with a higher one is refused, not misread. 2 added the
 * producer's imported modules, its twin by content, the baselined count of its audit, `producerUnknown`,
 * and a legacy investigation's acceptance; a version 1 stamp has none of them and still verifies.
 */
export const STAMP_VERSION = 2;

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a sha256 hex digest' });
export const DigestSetSchema = z.looseObject({ sha256: Sha256Schema.optional(), gitCommit: z.string().optional() });

/** SLSA's ResourceDescriptor, as far as provenant fills it. */
export const ResourceDescriptorSchema = z.looseObject({
  name: z.string().optional(),
  uri: z.string().optional(),
  digest: DigestSetSchema.optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
});
export type ResourceDescriptor = z.infer<typeof ResourceDescriptorSchema>;

export const SubjectSchema = z.looseObject({
  /** The artifact's path relative to the project root, `/`-separated. */
  name: z.string().min(1),
  digest: z.looseObject({ sha256: Sha256Schema }),
  annotations: z
    .looseObject({
      kind: z.enum(['file', 'directory']),
      size: z.number().int().nonnegative(),
      /** A directory: how many files its manifest lists. */
      files: z.number().int().nonnegative().optional(),
      /** JSONL: the number of records and the union of their top-level fields. */
      records: z.number().int().nonnegative().optional(),
      fields: z.array(z.string()).optional(),
    })
    .optional(),
});
export type Subject = z.infer<typeof SubjectSchema>;

export const QcCheckSchema = z.looseObject({
  name: z.string(),
  passed: z.boolean(),
  /** What was measured, e.g. a rate or a count. */
  value: z.union([z.number(), z.string(), z.boolean(), z.null()]).optional(),
  threshold: z.union([z.number(), z.string(), z.null()]).optional(),
  detail: z.string().optional(),
});
export type QcCheck = z.infer<typeof QcCheckSchema>;

export const QcResultSchema = z.looseObject({
  policy: z.string(),
  kind: z.enum(['sft', 'preference', 'eval']),
  passed: z.boolean(),
  checks: z.array(QcCheckSchema),
});
export type QcResult = z.infer<typeof QcResultSchema>;

/** What the sanctioned loader reported at run time through `PROVENANT_ATTEST` (all optional: best effort). */
export const AttestationSchema = z.looseObject({
  model: z
    .looseObject({
      id: z.string().optional(),
      revision: z.string().nullable().optional(),
      base: z.boolean().nullable().optional(),
      /** A local model file (`gguf`): its path as given and the sha256 of its bytes. */
      format: z.string().optional(),
      path: z.string().optional(),
      sha256: Sha256Schema.optional(),
    })
    .optional(),
  tokenizer: z
    .looseObject({
      sha256: z.string().nullable().optional(),
      chatTemplateSha256: z.string().nullable().optional(),
      /** Whether a chat template was applied to the text the model saw. */
      chatTemplateApplied: z.boolean().nullable().optional(),
      /** The tokenizer carried a chat template at all (harmless on its own, dangerous when applied). */
      chatTemplatePresent: z.boolean().nullable().optional(),
      addSpecialTokens: z.boolean().nullable().optional(),
      addBos: z.boolean().nullable().optional(),
    })
    .optional(),
  sampling: z.record(z.string(), z.unknown()).optional(),
  seed: z.number().nullable().optional(),
  sentinel: z.looseObject({ passed: z.boolean(), checks: z.array(z.looseObject({ name: z.string(), passed: z.boolean() })).optional() }).optional(),
});
export type Attestation = z.infer<typeof AttestationSchema>;

export const ProducerSchema = z.looseObject({
  /** The script the command ran, relative to the root. */
  path: z.string(),
  sha256: Sha256Schema,
  /** The registry id (its path) and status when the artifact was made. */
  registryId: z.string(),
  status: z.enum(['active', 'canonical', 'experimental', 'deprecated', 'unregistered']),
  /**
   * Every finding of the audit, baselined ones included (`baselined` of the errors were in the baseline, so
   * they did not stop the run): the baseline decides whether `run` refuses, never what the stamp says.
   */
  audit: z
    .looseObject({ errors: z.number().int().nonnegative(), warnings: z.number().int().nonnegative(), codes: z.array(z.string()), baselined: z.number().int().nonnegative().optional() })
    .nullable(),
  /** The in-repository modules the script imports, transitively, with their digests (since version 2). */
  modules: z.array(z.looseObject({ path: z.string(), sha256: Sha256Schema })).optional(),
  /** A deprecated script with the same bytes (a copy or a link under another name): this script is that one. */
  sameAs: z.string().optional(),
});
export type Producer = z.infer<typeof ProducerSchema>;

export const InputLinkSchema = z.looseObject({
  path: z.string(),
  sha256: Sha256Schema,
  /** sha256 of the input's stamp file when it had one, so lineage follows the exact stamp. */
  stamp: Sha256Schema.nullable(),
});
export type InputLink = z.infer<typeof InputLinkSchema>;

/** `provenant investigate --record`: what was found about a file made before stamps existed. */
export const InvestigationSchema = z.looseObject({
  verdict: z.enum(['quarantine', 'suspect', 'plausible-clean']),
  reason: z.string(),
  candidates: z.array(z.looseObject({ path: z.string(), score: z.number(), reasons: z.array(z.string()) })),
  evidence: z.array(z.looseObject({ question: z.string(), answer: z.string() })),
  /** A person's acceptance (`investigate --accept --reason`); until then verify says `suspect`. */
  accepted: z.looseObject({ reason: z.string().min(1), at: z.string(), by: z.string().nullable() }).optional(),
});
export type Investigation = z.infer<typeof InvestigationSchema>;

/** The batch job that made the artifact (SLURM), read from the job's environment on the compute node. */
export const JobSchema = z.looseObject({
  scheduler: z.literal('slurm'),
  id: z.string(),
  node: z.string().nullable(),
  partition: z.string().nullable(),
  /** The GPUs SLURM allocated (indices on the node, as SLURM_JOB_GPUS names them). */
  gpus: z.array(z.string()),
  cpus: z.number().int().nullable(),
  /** The stage command's wall time in hours, and that times the allocated GPUs. */
  hours: z.number().nonnegative(),
  gpuHours: z.number().nonnegative(),
});
export type Job = z.infer<typeof JobSchema>;

export const ProvenantBlockSchema = z.looseObject({
  /** 1 or 2: every version up to this provenant's is read (stamp-file.ts refuses a newer one first). */
  version: z.int().min(1).max(STAMP_VERSION),
  git: z.looseObject({ commit: z.string().nullable(), dirty: z.boolean(), dirtyPaths: z.array(z.string()) }),
  producer: ProducerSchema.nullable(),
  /** Why no producer script is named: the command runs none that provenant can find (since version 2). */
  producerUnknown: z.string().optional(),
  inputs: z.array(InputLinkSchema),
  exitCode: z.number().int().nullable(),
  attestation: AttestationSchema.nullable(),
  qc: z.array(QcResultSchema),
  investigation: InvestigationSchema.optional(),
  job: JobSchema.optional(),
  /** Where a secret-looking value was replaced by `[REDACTED]` (argv, env, parameters); absent when none was. */
  redacted: z.array(z.string()).optional(),
});
export type ProvenantBlock = z.infer<typeof ProvenantBlockSchema>;

export const PredicateSchema = z.looseObject({
  buildDefinition: z.looseObject({
    buildType: z.string(),
    externalParameters: z.looseObject({ argv: z.array(z.string()), cwd: z.string() }),
    internalParameters: z.record(z.string(), z.unknown()).optional(),
    resolvedDependencies: z.array(ResourceDescriptorSchema),
  }),
  runDetails: z.looseObject({
    builder: z.looseObject({ id: z.string(), version: z.record(z.string(), z.string()).optional() }),
    metadata: z.looseObject({ invocationId: z.string(), startedOn: z.string(), finishedOn: z.string() }),
    byproducts: z.array(ResourceDescriptorSchema).optional(),
  }),
  provenant: ProvenantBlockSchema,
});
export type Predicate = z.infer<typeof PredicateSchema>;

export const StatementSchema = z.looseObject({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(SubjectSchema).length(1, { error: 'a provenant stamp has exactly one subject' }),
  predicateType: z.literal(PREDICATE_TYPE),
  predicate: PredicateSchema,
});
export type Statement = z.infer<typeof StatementSchema>;

/** DSSE (secure-systems-lab/dsse): the signature covers PAE(payloadType, payload). */
export const EnvelopeSchema = z.looseObject({
  payloadType: z.literal(DSSE_PAYLOAD_TYPE),
  payload: z.string().min(1),
  signatures: z.array(z.looseObject({ keyid: z.string(), sig: z.string().min(1) })).min(1),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** What a sidecar file holds: a bare Statement or a signed envelope around one. */
export const StampFileSchema = z.union([StatementSchema, EnvelopeSchema]);

/** Verdicts, cheapest check first (`provenant verify`). */
export const VERDICTS = ['unstamped', 'tampered', 'bad-signature', 'quarantined', 'suspect', 'stale', 'failed-qc', 'upstream-bad', 'ok'] as const;
export const VerdictSchema = z.enum(VERDICTS);
export type Verdict = z.infer<typeof VerdictSchema>;

export interface VerifyChainLink {
  path: string;
  verdict: Verdict;
}

export const VerifyResultSchema = z.strictObject({
  path: z.string(),
  verdict: VerdictSchema,
  /** Why, in words a person can act on; empty for `ok`. */
  reasons: z.array(z.string()),
  /** Where the stamp was read from, or null when there is none. */
  stamp: z.string().nullable(),
  signedBy: z.string().nullable(),
  /** Whether the stamp is signed: an unsigned one proves only what its content and the ledger can check. */
  signature: z.enum(['signed', 'unsigned']).nullable(),
  /** What a person should know even when the verdict is ok (an unknown producer, a legacy acceptance). */
  notes: z.array(z.string()),
  /** For upstream-bad: the path from this artifact to the first bad ancestor. */
  chain: z.array(z.strictObject({ path: z.string(), verdict: VerdictSchema })),
  /** The digest was taken from the (size, mtime, inode) cache rather than rehashed. */
  fastPath: z.boolean(),
});
export type VerifyResult = z.infer<typeof VerifyResultSchema>;

export const VerifyReportSchema = z.strictObject({
  version: z.literal(1),
  ok: z.boolean(),
  results: z.array(VerifyResultSchema),
});
export type VerifyReport = z.infer<typeof VerifyReportSchema>;
