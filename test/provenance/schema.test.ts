import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderStampJsonSchema, renderVerifyReportJsonSchema, STAMP_SCHEMA_PATH, VERIFY_REPORT_SCHEMA_PATH } from '../../src/schemas/stamp-json-schema.js';
import { REPO } from '../helpers/exec.js';
import { describeErrors, validatorFor } from '../reporters/ajv.js';

const REGENERATE = 'regenerate with `npx vitest run test/provenance/schema.test.ts -u` and commit it';

describe('generated JSON Schemas of the provenance formats', () => {
  it(`${STAMP_SCHEMA_PATH} is generated from the zod schema`, async () => {
    await expect(renderStampJsonSchema()).toMatchFileSnapshot(path.join(REPO, STAMP_SCHEMA_PATH), `${STAMP_SCHEMA_PATH} is stale: ${REGENERATE}`);
  });

  it(`${VERIFY_REPORT_SCHEMA_PATH} is generated from the zod schema`, async () => {
    await expect(renderVerifyReportJsonSchema()).toMatchFileSnapshot(path.join(REPO, VERIFY_REPORT_SCHEMA_PATH), `${VERIFY_REPORT_SCHEMA_PATH} is stale: ${REGENERATE}`);
  });

  it('the golden stamp in pipeline/ validates against the schema and shows every block STAMP.md documents', () => {
    const validate = validatorFor(STAMP_SCHEMA_PATH, { unionTypes: true });
    const golden = JSON.parse(readFileSync(path.join(REPO, 'pipeline/examples/sft.jsonl.prov.json'), 'utf8'));
    expect(validate(golden), describeErrors(validate.errors)).toBe(true);
    const doc = readFileSync(path.join(REPO, 'pipeline/STAMP.md'), 'utf8');
    for (const key of Object.keys(golden.predicate.provenant)) expect(doc, `STAMP.md documents provenant.${key}`).toContain(`\`${key}\``);
    const broken = structuredClone(golden);
    delete broken.subject[0].digest.sha256;
    expect(validate(broken)).toBe(false);
  });
});
