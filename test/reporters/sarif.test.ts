import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINGERPRINT_KEY, renderSarif } from '../../src/audit/reporters/sarif.js';
import { audit, explainRule, listRules, VERSION, type AuditResult } from '../../src/index.js';
import { tmpProject, useExampleCopy } from '../helpers/tmp.js';
import { describeErrors, validatorFor } from './ajv.js';

// a copy: the audit runs with the cache on, which would write .provenant/ into the example
const EXAMPLE = useExampleCopy().dir;
const validate = validatorFor('test/fixtures/sarif/sarif-schema-2.1.0.json', { lenient: true });

function expectValid(log: unknown): void {
  const ok = validate(log);
  expect(describeErrors(validate.errors)).toBe('');
  expect(ok).toBe(true);
}

async function sarifOf(result: AuditResult, cwd: string): Promise<{ text: string; log: Sarif.Log; run: Sarif.Run }> {
  const text = await renderSarif(result, { version: VERSION, cwd });
  const log = JSON.parse(text) as Sarif.Log;
  const run = log.runs[0];
  if (!run) throw new Error('no run in the SARIF log');
  return { text, log, run };
}

describe('SARIF on examples/stage1-lab', () => {
  let result: AuditResult;
  let sarif: Awaited<ReturnType<typeof sarifOf>>;
  beforeAll(async () => {
    result = await audit({ paths: [EXAMPLE], cwd: EXAMPLE });
    sarif = await sarifOf(result, EXAMPLE);
  });

  it('validates against the official SARIF 2.1.0 schema', () => {
    expect(result.findings.length).toBeGreaterThan(0);
    expectValid(sarif.log);
    expect(sarif.log.version).toBe('2.1.0');
    expect(sarif.log.runs).toHaveLength(1);
  });

  it('describes every rule of the catalog, fired or not, from its rule.md', async () => {
    const driver = sarif.run.tool.driver;
    expect(driver.name).toBe('provenant');
    expect(driver.version).toBe(VERSION);
    const catalog = listRules();
    expect(driver.rules?.map((r) => r.id)).toEqual(catalog.map((r) => r.code));
    const levels = { error: 'error', warning: 'warning', info: 'note' } as const;
    for (const [i, rule] of catalog.entries()) {
      const d = driver.rules?.[i];
      expect(d?.name).toBe(rule.name);
      expect(d?.shortDescription?.text).toBe(rule.summary);
      expect(d?.defaultConfiguration?.level).toBe(levels[rule.severity]);
      expect(d?.properties?.tags).toEqual([rule.category]);
      expect(d?.help?.markdown).toBe((await explainRule(rule.code)).markdown);
      expect(d?.fullDescription?.markdown).not.toContain('## ');
      // plain text: What it does + Why is this bad?, no Markdown code spans, no Example section
      expect(d?.help?.text).not.toMatch(/`|^## |```/m);
      expect(d?.help?.text?.split('\n\n')).toHaveLength(2);
    }
  });

  it('gives one result per finding with rule, level, location, snippet and fingerprint', () => {
    const results = sarif.run.results ?? [];
    expect(results).toHaveLength(result.findings.length);
    const rules = sarif.run.tool.driver.rules ?? [];
    for (const [i, f] of result.findings.entries()) {
      const r = results[i];
      expect(r?.ruleId).toBe(f.code);
      expect(rules[r?.ruleIndex ?? -1]?.id).toBe(f.code);
      expect(r?.level).toBe(f.severity === 'info' ? 'note' : f.severity);
      expect(r?.message.text).toBe(f.message);
      expect(r?.partialFingerprints).toEqual({ [FINGERPRINT_KEY]: f.fingerprint });
      const loc = r?.locations?.[0]?.physicalLocation;
      expect(loc?.artifactLocation).toEqual({ uri: f.path, uriBaseId: '%SRCROOT%' });
      expect(loc?.region).toMatchObject({ startLine: f.span.line, startColumn: f.span.col, endLine: f.span.endLine, endColumn: f.span.endCol });
    }
    const makefile = results.find((r) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri === 'Makefile');
    expect(makefile?.locations?.[0]?.physicalLocation?.region?.snippet?.text).toBe('scripts/generate_stage1_data.py');
  });

  it('anchors %SRCROOT% at the project root, as a directory URL', () => {
    expect(sarif.run.originalUriBaseIds?.['%SRCROOT%']?.uri).toBe(pathToFileURL(EXAMPLE).href + '/');
    expect(sarif.run.columnKind).toBe('utf16CodeUnits');
  });

  it('is deterministic for the same audit', async () => {
    expect((await sarifOf(result, EXAMPLE)).text).toBe(sarif.text);
  });
});

describe('SARIF edge cases', () => {
  const cleanups: (() => void)[] = [];
  afterAll(() => cleanups.forEach((c) => c()));
  function project(files: Record<string, string | Buffer>): string {
    const p = tmpProject({ 'provenant.toml': '', ...files });
    cleanups.push(p.cleanup);
    return p.dir;
  }

  it('an empty audit is a valid log with every rule and no results', async () => {
    const dir = project({});
    const { log, run } = await sarifOf(await audit({ paths: [dir], cwd: dir }), dir);
    expectValid(log);
    expect(run.results).toEqual([]);
    expect(run.tool.driver.rules).toHaveLength(listRules().length);
    expect(run.invocations?.[0]?.toolExecutionNotifications).toEqual([]);
  });

  it('percent-encodes paths, reports skipped files as notifications, and stays valid', async () => {
    const load = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n';
    const dir = project({ 'my dir/100% #1.py': load, 'blob.py': Buffer.from([0x66, 0x72, 0x00, 0x01]) });
    const result = await audit({ paths: [dir], cwd: dir });
    const { log, run } = await sarifOf(result, dir);
    expectValid(log);
    expect(run.results?.[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('my%20dir/100%25%20%231.py');
    expect(run.invocations?.[0]?.toolExecutionNotifications).toEqual([
      {
        level: 'warning',
        message: { text: 'skipped: binary file (contains NUL bytes)' },
        locations: [{ physicalLocation: { artifactLocation: { uri: 'blob.py', uriBaseId: '%SRCROOT%' } } }],
      },
    ]);
  });

  it('the schema check is real: a malformed log fails', async () => {
    const dir = project({});
    const { log } = await sarifOf(await audit({ paths: [dir], cwd: dir }), dir);
    const broken = { ...log, runs: [{ ...log.runs[0], results: [{ ruleId: 'X', level: 'fatal', message: { text: 'x' } }] }] };
    expect(validate(broken)).toBe(false);
  });
});
