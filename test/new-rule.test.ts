/**
 * `npm run new-rule`: in a copy of the catalog and the sources, the scaffolded room is registered, passes
 * the metadata checks, carries the headings the catalog test asks for, and its fixtures audit as annotated.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import type { Rule } from '../src/audit/rule.js';
import { RULES } from '../audits/index.js';
import { RuleMetaSchema } from '../src/schemas/rule.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const SCRIPT = path.join(REPO, 'scripts', 'new-rule.mjs');

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'provenant-new-rule-'));
  for (const dir of ['audits', 'src']) cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
  cpSync(path.join(REPO, 'package.json'), path.join(root, 'package.json'));
  for (const link of ['node_modules', 'grammars']) symlinkSync(path.join(REPO, link), path.join(root, link));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function newRule(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], { encoding: 'utf8' });
}

describe('npm run new-rule', () => {
  test('scaffolds a registered room whose fixtures audit as annotated', async () => {
    const taken = RULES.filter((rule) => rule.category === 'tokens').map((rule) => Number(rule.code.slice(3)));
    const code = `TOK${String(Math.max(...taken) + 1).padStart(3, '0')}`;
    const run = newRule('tokens/eos-token-missing');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`created ${code} audits/tokens/eos-token-missing`);

    const room = path.join(root, 'audits', 'tokens', 'eos-token-missing');
    const index = readFileSync(path.join(root, 'audits', 'index.ts'), 'utf8');
    expect(index).toContain("import eosTokenMissing from './tokens/eos-token-missing/rule.js';");
    const catalog = (await import(pathToFileURL(path.join(root, 'audits', 'index.ts')).href)) as { RULES: readonly Rule[]; RULE_ROOMS: Record<string, string> };
    // after the other tokens rules, before the next category's
    const codes = catalog.RULES.map((rule) => rule.code);
    expect(codes).toEqual([...RULES.map((rule) => rule.code)].toSpliced(codes.indexOf(code), 0, code));
    expect(codes[codes.indexOf(code) - 1]).toMatch(/^TOK/);
    expect(catalog.RULE_ROOMS[code]).toBe('tokens/eos-token-missing');

    const rule = catalog.RULES.find((r) => r.code === code);
    const { check: _check, prefilter: _prefilter, ...meta } = rule ?? ({} as Rule);
    expect(RuleMetaSchema.safeParse(meta).success).toBe(true);

    const doc = readFileSync(path.join(room, 'rule.md'), 'utf8');
    expect(doc.split('\n')[0]).toBe(`# eos-token-missing (${code})`);
    expect(doc).toMatch(/^Fix: none\. /m);
    expect(doc.split('\n').filter((line) => line.startsWith('## '))).toEqual([
      '## What it does', '## Why is this bad?', '## Example', '## Options', '## Known problems', '## References',
    ]);

    const fixtures = path.join(room, 'fixtures');
    const { audit } = (await import(pathToFileURL(path.join(root, 'src', 'audit', 'engine.ts')).href)) as typeof import('../src/audit/engine.js');
    const result = await audit({ paths: [fixtures], cwd: fixtures, configPath: path.join(fixtures, 'provenant.toml'), select: [code], noCache: true });
    expect(result.findings.map((f) => `${f.path}:${f.span.line}:${f.span.col} ${f.code}`)).toEqual([`bad.py:6:5 ${code}`]);
  });

  test('refuses an unknown category, a bad name and a taken room with exit 2', () => {
    const unknown = newRule('widgets/thing');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^new-rule: widgets: not a rule category; one of data, dup, engine, load,/);
    expect(newRule('tokens/Bad_Name').stderr).toMatch(/Bad_Name: a rule name is kebab-case/);
    const taken = newRule('load/trust-remote-code');
    expect([taken.status, taken.stderr]).toEqual([2, 'new-rule: audits/load/trust-remote-code already exists\n']);
  });
});
