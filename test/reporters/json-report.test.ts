import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_REPORT_SCHEMA_PATH, renderAuditReportJsonSchema } from '../../src/schemas/report-json-schema.js';
import { AuditReportSchema } from '../../src/schemas/finding.js';
import { REPO, provenant } from '../helpers/exec.js';
import { tmpProject, useExampleCopy } from '../helpers/tmp.js';
import { describeErrors, validatorFor } from './ajv.js';

// a copy: the audit runs with the cache on, which would write .provenant/ into the example
const EXAMPLE = useExampleCopy().dir;

describe(AUDIT_REPORT_SCHEMA_PATH, () => {
  it('is the JSON Schema generated from AuditReportSchema', async () => {
    await expect(renderAuditReportJsonSchema()).toMatchFileSnapshot(
      path.join(REPO, AUDIT_REPORT_SCHEMA_PATH),
      `${AUDIT_REPORT_SCHEMA_PATH} is stale: regenerate it with \`npx vitest run test/reporters/json-report.test.ts -u\` and commit it`,
    );
  });

  it('is a valid draft 2020-12 schema under ajv strict mode', () => {
    expect(() => validatorFor(AUDIT_REPORT_SCHEMA_PATH)).not.toThrow();
  });
});

describe('provenant audit --format json', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = validatorFor(AUDIT_REPORT_SCHEMA_PATH);
  });

  it('validates against the generated schema on examples/stage1-lab', () => {
    const run = provenant(['audit', '.', '--format', 'json'], EXAMPLE);
    expect(run.code).toBe(1);
    const report: unknown = JSON.parse(run.stdout);
    expect(AuditReportSchema.safeParse(report).success).toBe(true);
    const ok = validate(report);
    expect(describeErrors(validate.errors)).toBe('');
    expect(ok).toBe(true);
    expect((report as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
  });

  it('validates with skipped files and no findings, and rejects what zod rejects', () => {
    const p = tmpProject({ 'provenant.toml': '', 'blob.py': Buffer.from([0x66, 0x00]) });
    try {
      const run = provenant(['audit', '.', '--format', 'json'], p.dir);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(validate(report)).toBe(true);
      expect(report.skipped).toEqual([{ path: 'blob.py', reason: 'binary file (contains NUL bytes)' }]);
      for (const bad of [{ ...report, extra: 1 }, { ...report, version: 2 }, { ...report, config: 3 }]) {
        expect(AuditReportSchema.safeParse(bad).success).toBe(false);
        expect(validate(bad)).toBe(false);
      }
    } finally {
      p.cleanup();
    }
  });
});
