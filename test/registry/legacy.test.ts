import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { loadAnnotations } from '../../src/registry/annotations.js';
import { importLegacyRegistry, legacyCoverageLine, parseLegacyRegistry } from '../../src/registry/legacy.js';
import { LegacyImportReportSchema } from '../../src/schemas/registry.js';
import { REPO } from '../helpers/exec.js';
import { tmpProject } from '../helpers/tmp.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

/** A copy of the example repo without its cache, so the import can write its annotations file. */
function labCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-lab-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(path.join(REPO, 'examples', 'stage1-lab'), dir, { recursive: true, filter: (src) => !src.includes('.provenant') });
  return dir;
}

function project(files: Record<string, string | Buffer>): string {
  const p = tmpProject({ 'provenant.toml': '', ...files });
  cleanups.push(p.cleanup);
  return p.dir;
}

const LEGACY = 'docs/IMPLEMENTATION_REGISTRY.md';
const DOCUMENTED = [
  'scripts/create_preference_pairs_improved.py',
  'scripts/deprecated/stage1_generate_robust.py',
  'scripts/evaluate_instruction_following.py',
  'scripts/generate_stage1_data.py.DEPRECATED',
  'scripts/generate_stage1_sft_data.py',
  'scripts/stage1_generate.py',
  'scripts/test_base_model_ultra_clean.py',
  'scripts/train_stage1_dpo_improved.py',
  'scripts/utils/clean_model_loader.py',
  'scripts/utils/data_formatter.py',
  'scripts/utils/instruction_critic.py',
];

describe('registry import of the stage1-lab registry', () => {
  it('finds every entry, the exact documented set, the coverage and the stale entries', async () => {
    const dir = labCopy();
    const report = LegacyImportReportSchema.parse(await importLegacyRegistry({ cwd: dir, file: LEGACY, dryRun: true }));
    expect(report.entries).toHaveLength(12);
    expect(report.documented).toEqual(DOCUMENTED);
    expect(report.coverage).toEqual({ documented: 11, total: 34, percent: 32 });
    expect(legacyCoverageLine(report)).toBe('docs/IMPLEMENTATION_REGISTRY.md documented 11 of 34 registered files (32%)');
    expect(report.stale).toEqual([
      { path: 'scripts/evaluate_stage1.py', line: 81, renamedTo: null, message: 'no such file' },
      {
        path: 'scripts/generate_stage1_data.py',
        line: 104,
        renamedTo: 'scripts/generate_stage1_data.py.DEPRECATED',
        message: 'renamed to scripts/generate_stage1_data.py.DEPRECATED; the annotation goes there',
      },
    ]);
    expect(report.warnings).toEqual([]);
    expect(report.written).toBe(false);
    expect(readFileSync(path.join(dir, LEGACY), 'utf8')).toBe(readFileSync(path.join(REPO, 'examples/stage1-lab', LEGACY), 'utf8'));
    await expect(loadAnnotations(dir, 'provenant-registry.yaml')).resolves.toMatchObject({ exists: false });
  });

  it('writes PRIMARY as canonical, deprecated with replaced_by and reason, purposes and known bugs', async () => {
    const dir = labCopy();
    const report = await importLegacyRegistry({ cwd: path.join(dir, 'scripts'), file: `../${LEGACY}` });
    expect(report.written).toBe(true);
    const { files } = (await loadAnnotations(dir, 'provenant-registry.yaml')).data;
    expect(Object.keys(files).sort()).toEqual(DOCUMENTED);
    expect(files['scripts/utils/clean_model_loader.py']).toEqual({
      purpose: 'The only sanctioned way to load Qwen2.5-32B base.',
      status: 'canonical',
      canonical_for: ['CleanModelLoader'],
    });
    expect(files['scripts/evaluate_instruction_following.py']).toMatchObject({ status: 'canonical', canonical_for: ['evaluation'] });
    expect(files['scripts/generate_stage1_sft_data.py']).toMatchObject({
      status: 'canonical',
      canonical_for: ['data generation'],
      bugs: [{ summary: 'Stored `prompt` differs from the prompt used for generation (see KNOWN_BUGS_AND_FIXES.md).' }],
    });
    expect(files['scripts/utils/instruction_critic.py']).toEqual({ purpose: 'Shared log-prob judge.' });
    expect(files['scripts/stage1_generate.py']).toEqual({
      status: 'deprecated',
      replaced_by: 'scripts/generate_sample_data_v2.py',
      reason: 'no template removal; responses may be chat-formatted.',
    });
    expect(files['scripts/generate_stage1_data.py.DEPRECATED']).toEqual({
      status: 'deprecated',
      replaced_by: 'scripts/generate_stage1_sft_data.py',
      reason: 'applied the chat template when generating responses.',
    });

    // a second import adds nothing and writes nothing
    const before = readFileSync(path.join(dir, 'provenant-registry.yaml'), 'utf8');
    const again = await importLegacyRegistry({ cwd: dir, file: LEGACY });
    expect(again).toMatchObject({ written: false, changes: [], conflicts: [] });
    expect(readFileSync(path.join(dir, 'provenant-registry.yaml'), 'utf8')).toBe(before);
  });

  it('never overwrites what a person wrote in the annotations file, and says so', async () => {
    const dir = labCopy();
    const mine = [
      '# ours',
      'version: 1',
      'files:',
      '  scripts/utils/instruction_critic.py:',
      '    purpose: The one log-prob critic; extend it.   # keep',
      '    owner: ana',
      '  scripts/stage1_generate.py:',
      '    status: experimental',
      '',
    ].join('\n');
    writeFileSync(path.join(dir, 'provenant-registry.yaml'), mine);
    const report = await importLegacyRegistry({ cwd: dir, file: LEGACY });
    expect(report.conflicts.map((c) => c.message)).toEqual([
      "kept the annotation's status for scripts/stage1_generate.py (experimental)",
      "kept the annotation's purpose for scripts/utils/instruction_critic.py (The one log-prob critic; extend it.)",
    ]);
    const text = readFileSync(path.join(dir, 'provenant-registry.yaml'), 'utf8');
    expect(text).toContain('  scripts/utils/instruction_critic.py:\n    purpose: The one log-prob critic; extend it.   # keep\n    owner: ana\n');
    const { files } = (await loadAnnotations(dir, 'provenant-registry.yaml')).data;
    // not deprecated here, so no replacement is attached to it
    expect(files['scripts/stage1_generate.py']).toEqual({ status: 'experimental' });
  });
});

describe('parseLegacyRegistry', () => {
  it('reads bullets and tables, bold or not, and seeds-style root paths', () => {
    const text = [
      '# Registry',
      '',
      '## Tools',
      '',
      '- `tools/a.py` — Builds the index. More words.',
      '- **tools/b.sh**: runs a ⭐ PRIMARY',
      '',
      '| Script | Purpose | Status |',
      '|---|---|---|',
      '| `/tools/c.py` | Scores pairs \\| fast. | ❌ deprecated |',
      '| notes | nothing here | |',
      '',
      '### tools/d.py (old)',
      'Purpose: first. second.',
      'Known bugs: leaks memory',
      '```',
      '### `not/an_entry.py`',
      '```',
    ].join('\n');
    const { entries, warnings } = parseLegacyRegistry(text, 'R.md');
    expect(warnings).toEqual([]);
    expect(entries.map((e) => [e.path, e.line, e.status, e.purpose])).toEqual([
      ['tools/a.py', 5, null, 'Builds the index.'],
      ['tools/b.sh', 6, 'canonical', 'Runs a'],
      ['/tools/c.py', 10, 'deprecated', 'Scores pairs | fast.'],
      ['tools/d.py', 13, null, 'First.'],
    ]);
    expect(entries[1]?.capability).toBe('tools');
    expect(entries[3]?.bugs).toEqual(['Leaks memory']);
  });

  it('warns about an unclosed code fence', () => {
    const { entries, warnings } = parseLegacyRegistry('### `a.py`\n\n```\ncode\n', 'R.md');
    expect(entries).toHaveLength(1);
    expect(warnings).toEqual([{ line: 3, message: 'a code fence opened here is never closed; the 2 lines after it were ignored' }]);
  });
});

describe('registry import: bad input', () => {
  it('exits 2 on a binary file, a file with no entries, or an unclosed fence hiding everything', async () => {
    const dir = project({ 'bin.md': Buffer.from([0x23, 0x00, 0x01]), 'empty.md': '# Registry\n\nNothing yet.\n', 'fenced.md': '# R\n```\n### `a.py`\n' });
    const binary = await importLegacyRegistry({ cwd: dir, file: 'bin.md' }).catch((e: unknown) => e);
    expect(binary).toBeInstanceOf(UserError);
    expect((binary as UserError).message).toBe('bin.md: is not a text file (it contains NUL bytes)');
    await expect(importLegacyRegistry({ cwd: dir, file: 'empty.md' })).rejects.toThrow('empty.md: no registry entries found\nempty.md: empty.md names no script path in a heading, bullet or table row');
    await expect(importLegacyRegistry({ cwd: dir, file: 'fenced.md' })).rejects.toThrow(
      'fenced.md: no registry entries found\nfenced.md:2: a code fence opened here is never closed; the 2 lines after it were ignored',
    );
    await expect(importLegacyRegistry({ cwd: dir, file: 'missing.md' })).rejects.toThrow('missing.md: no such file');
  });

  it('works in a folder that is not a git repository and reports a replacement that does not exist', async () => {
    const dir = project({
      'old.py': 'print(1)\n',
      'R.md': '## Deprecated\n\n### `old.py`\n\n- **Why**: wrong.\n- **Use instead**: `gone.py`\n',
    });
    const report = await importLegacyRegistry({ cwd: dir, file: 'R.md' });
    expect(report.warnings).toEqual([{ line: 3, message: '"Use instead" names gone.py, and none of them exists; replaced_by left out for old.py' }]);
    expect((await loadAnnotations(dir, 'provenant-registry.yaml')).data.files).toEqual({ 'old.py': { status: 'deprecated', reason: 'wrong.' } });
    expect(report.coverage).toEqual({ documented: 1, total: 1, percent: 100 });
  });
});
