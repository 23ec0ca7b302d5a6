/**
 * Generates the JSON Schema of the `--format json` report from its zod schema.
 */

import { z } from 'zod';
import { AuditReportSchema } from './finding.js';

/** Where the generated schema lives in the repository, relative to its root. */
export const AUDIT_REPORT_SCHEMA_PATH = 'schemas/audit-report.schema.json';

/**
 * The JSON Schema (draft 2020-12) of the `--format json` document, generated from the zod schema so
 * the two cannot drift; test/reporters/json-report.test.ts fails when the committed file is stale.
 */
export function auditReportJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(AuditReportSchema, { target: 'draft-2020-12', io: 'output' });
  return {
    $schema,
    title: 'provenant audit report',
    description: 'The document `provenant audit --format json` prints.',
    ...rest,
  };
}

/** The schema file's exact text: two-space JSON and a final newline. */
export function renderAuditReportJsonSchema(): string {
  return JSON.stringify(auditReportJsonSchema(), null, 2) + '\n';
}
