/**
 * The pipeline spec (`provenant.pipeline.yaml`): stages with their command (argv, no shell unless
 * `shell: true`), inputs, outputs, params, the verdicts their inputs must have, gates on metrics of their
 * outputs, an estimate of GPU hours, and smoke overrides for a small local dry run. pipeline/pipeline.schema.json
 * is generated from it.
 */
import { z } from 'zod';

const RepoPath = z
  .string()
  .min(1, { error: 'expected a path relative to the project root' })
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), { error: 'expected a path inside the project (relative, without `..`)' });

const StageId = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'expected a stage id of lowercase letters, digits, - and _' });

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

/** `FILE:KEY OP VALUE`, e.g. `reports/sft_eval.json:accuracy >= 0.70`. */
export const GATE_PATTERN = /^\s*([^:\s]+):([A-Za-z0-9_.[\]-]+)\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*$/;

export const GateSchema = z.union([
  z.string().regex(GATE_PATTERN, { error: 'expected a gate like "reports/eval.json:accuracy >= 0.70"' }),
  z.strictObject({
    metric: z.string().regex(GATE_PATTERN, { error: 'expected "FILE:KEY OP VALUE", e.g. "reports/eval.json:accuracy >= 0.70"' }),
    /** The decision this gate stands for, printed when it fails ("go on to DPO"). */
    decision: z.string().min(1).optional(),
  }),
]);

/**
 * How a stage runs on SLURM: each key becomes an `sbatch` option (`time` as SLURM writes it, e.g.
 * `2:00:00`; `mem` e.g. `16G`); `extra` is passed to sbatch as it is. A spec-level `slurm:` is the
 * default every stage's own keys override.
 */
export const SlurmOptionsSchema = z.strictObject({
  partition: z.string().min(1).optional(),
  gpus: z.union([z.number().int().nonnegative(), z.string().regex(/^([A-Za-z0-9_-]+:)?\d+$/, { error: 'expected a GPU count, or TYPE:COUNT like a100:2' })]).optional(),
  cpus: z.number().int().positive().optional(),
  mem: z.string().regex(/^\d+[KMGT]?$/i, { error: 'expected memory as SLURM writes it, e.g. 16G or 4000M' }).optional(),
  time: z.string().regex(/^(\d+-)?\d+(:\d{1,2}){0,2}$/, { error: 'expected a time limit as SLURM writes it, e.g. 30, 2:00:00 or 1-12:00:00' }).optional(),
  account: z.string().min(1).optional(),
  qos: z.string().min(1).optional(),
  extra: z.array(z.string().regex(/^-/, { error: 'expected an sbatch option, e.g. --constraint=a100' })).optional(),
});
export type SlurmOptions = z.infer<typeof SlurmOptionsSchema>;

/** Where a stage runs: `local` (a child process of `pipeline run`) or `slurm` (a batch job). */
export const ExecutorSchema = z.enum(['local', 'slurm'], { error: 'expected executor: local or slurm' });

const Command = z.union([z.array(z.string()).min(1, { error: 'expected the command as a list: [program, arg, …]' }), z.string().min(1)]);

export const StageSchema = z.strictObject({
  id: StageId,
  description: z.string().optional(),
  /** argv as a list; a string only together with `shell: true`. `${params.NAME}` is replaced by the param. */
  cmd: Command,
  shell: z.boolean().optional(),
  inputs: z.array(RepoPath).optional(),
  outputs: z.array(RepoPath).min(1, { error: 'a stage must name at least one output, or it cannot be stamped or skipped' }),
  params: z.record(z.string(), Scalar).optional(),
  /** Stages this one must follow beyond what inputs and outputs imply. */
  after: z.array(StageId).optional(),
  /** Verdicts an input may have: default only `ok`; add `unstamped` for raw data nobody stamped. */
  'input-verdicts': z.array(z.enum(['ok', 'unstamped', 'stale'])).optional(),
  gates: z.array(GateSchema).optional(),
  'gpu-hours': z.number().nonnegative().optional(),
  /** Run a producer script the registry marks deprecated (recorded in the stamps, which verify then quarantines). */
  'allow-deprecated': z.boolean().optional(),
  /** What changes in a `--smoke` run: smaller params, fewer GPU hours. */
  smoke: z.strictObject({ params: z.record(z.string(), Scalar).optional(), 'gpu-hours': z.number().nonnegative().optional() }).optional(),
  /** Default: the spec's `executor`, else local. */
  executor: ExecutorSchema.optional(),
  slurm: SlurmOptionsSchema.optional(),
});
export type StageSpec = z.infer<typeof StageSchema>;

export const PipelineSpecSchema = z.strictObject({
  version: z.literal(1, { error: 'expected version: 1' }),
  /** What a GPU hour costs (any currency) and the budget, for `pipeline plan`. */
  'hourly-rate': z.number().nonnegative().optional(),
  budget: z.number().nonnegative().optional(),
  currency: z.string().optional(),
  /** The default executor of every stage, and the SLURM options every `executor: slurm` stage starts from. */
  executor: ExecutorSchema.optional(),
  slurm: SlurmOptionsSchema.optional(),
  stages: z.array(StageSchema).min(1, { error: 'expected at least one stage' }),
});
export type PipelineSpec = z.infer<typeof PipelineSpecSchema>;

// ---- results (plain types: built by code, printed as JSON by `pipeline plan --json`)

export const StageStateSchema = z.enum(['up-to-date', 'will-run', 'blocked']);

export const PlanStageSchema = z.strictObject({
  id: z.string(),
  state: StageStateSchema,
  /** Why it runs (what changed) or why it is blocked. */
  reasons: z.array(z.string()),
  argv: z.array(z.string()),
  script: z.string().nullable(),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
  after: z.array(z.string()),
  gpuHours: z.number(),
  hash: z.string(),
  /** Where it runs: locally or as a SLURM job. */
  executor: z.enum(['local', 'slurm']),
});
export type PlanStage = z.infer<typeof PlanStageSchema>;

export const PreflightProblemSchema = z.strictObject({
  stage: z.string(),
  kind: z.enum(['missing-script', 'deprecated-script', 'audit-errors', 'input-verdict', 'missing-input', 'unwritable-output', 'slurm-rejected']),
  message: z.string(),
  /** Allowed by the spec (e.g. `allow-deprecated`): reported, not blocking. */
  allowed: z.boolean(),
});
export type PreflightProblem = z.infer<typeof PreflightProblemSchema>;

export const PlanSchema = z.strictObject({
  version: z.literal(1),
  spec: z.string(),
  smoke: z.boolean(),
  stages: z.array(PlanStageSchema),
  problems: z.array(PreflightProblemSchema),
  estimate: z.strictObject({ gpuHours: z.number(), cost: z.number().nullable(), currency: z.string(), budget: z.number().nullable(), overBudget: z.boolean() }),
});
export type Plan = z.infer<typeof PlanSchema>;
