import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { REPO } from '../helpers/exec.js';

// ajv-formats is CommonJS with a `default` beside `module.exports`; take whichever is the function
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

// `^(?i)…` (a Java/.NET inline flag) is not JavaScript; read it as the case-insensitive flag it means
const regExp = Object.assign(
  (pattern: string, flags: string) =>
    pattern.startsWith('^(?i)') ? new RegExp(`^${pattern.slice(5)}`, `${flags}i`) : new RegExp(pattern, flags),
  { code: 'new RegExp' },
);

/** A validator for a JSON Schema file of the repository (draft 2020-12, formats checked). */
export function validatorFor(relPath: string, options: { lenient?: boolean; unionTypes?: boolean } = {}): ValidateFunction {
  const schema = JSON.parse(readFileSync(path.join(REPO, relPath), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2020({
    allErrors: true,
    // the official SARIF schema is not strict-mode clean: `anyOf` sits inside `region.properties`
    // (so it declares a property named "anyOf" whose schema is an array), and unknown keywords abound
    ...(options.lenient ? { strict: false, validateSchema: false } : { strict: true }),
    // `type: ["number", "string"]` is valid JSON Schema; ajv's strict mode only asks for it to be allowed
    ...(options.unionTypes ? { allowUnionTypes: true } : {}),
    code: { regExp },
  });
  addFormats(ajv);
  return ajv.compile(schema);
}

export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}
