/**
 * Generates pipeline/stamp.schema.json (what a `.prov.json` sidecar holds) and
 * schemas/verify-report.schema.json (what `provenant verify --json` prints) from their zod schemas.
 */
import { z } from 'zod';
import { PipelineSpecSchema } from './pipeline.js';
import { StampFileSchema, VerifyReportSchema } from './stamp.js';

export const STAMP_SCHEMA_PATH = 'pipeline/stamp.schema.json';
export const VERIFY_REPORT_SCHEMA_PATH = 'schemas/verify-report.schema.json';

function render(schema: z.ZodType, title: string, description: string): string {
  const { $schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' });
  return JSON.stringify({ $schema, title, description, ...rest }, null, 2) + '\n';
}

export function renderStampJsonSchema(): string {
  return render(StampFileSchema, 'provenant stamp', 'A `<artifact>.prov.json` sidecar: an in-toto Statement v1 (SLSA provenance v1 fields plus a `provenant` block), or a DSSE envelope around one. See pipeline/STAMP.md.');
}

export function renderVerifyReportJsonSchema(): string {
  return render(VerifyReportSchema, 'provenant verify report', 'The document `provenant verify --json` prints.');
}

export const PIPELINE_SCHEMA_PATH = 'pipeline/pipeline.schema.json';

/** The pipeline spec's JSON Schema, for editors (`# yaml-language-server: $schema=…`) and other tools. */
export function renderPipelineSpecJsonSchema(): string {
  return render(PipelineSpecSchema, 'provenant pipeline spec', 'provenant.pipeline.yaml: the stages of a GPU session, their commands, inputs, outputs, params, gates, GPU hours and smoke overrides.');
}
