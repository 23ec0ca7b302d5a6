import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckReportSchema, RegistryEntrySchema, SearchReportSchema, SyncReportSchema } from '../../src/schemas/registry-report.js';
import { filesUnder } from '../helpers/annotations.js';
import { provenant, REPO } from '../helpers/exec.js';
import type { GitDir } from '../helpers/gitdir.js';
import { stage1Lab } from '../registry/lab.js';

let lab: GitDir;
beforeAll(() => {
  lab = stage1Lab();
});
afterAll(() => lab.cleanup());

const json = (text: string): unknown => JSON.parse(text);

describe('provenant registry (built CLI, on a copy of examples/stage1-lab)', () => {
  it('sync registers every script and launcher of the example and prints a summary', () => {
    const r = provenant(['registry', 'sync'], lab.root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^registered 34 files: 26 scripts, 6 modules, 2 launchers; \d+\/34 documented \(\d+%\); 3 deprecated\nwrote IMPLEMENTATION_REGISTRY\.md\n$/);
    const markdown = readFileSync(path.join(lab.root, 'IMPLEMENTATION_REGISTRY.md'), 'utf8');
    const scripts = filesUnder(path.join(REPO, 'examples/stage1-lab')).filter((f) => /\.(py|sh)(\.DEPRECATED)?$/.test(f) && !f.endsWith('__init__.py'));
    for (const script of scripts) expect(markdown).toContain(`\`${script}\``);
    expect(provenant(['registry', 'sync'], lab.root).stdout).toMatch(/IMPLEMENTATION_REGISTRY\.md is up to date\n$/);
  });

  it('sync --json matches its schema', () => {
    const r = provenant(['registry', 'sync', '--json'], lab.root);
    expect(r.code).toBe(0);
    const report = SyncReportSchema.parse(json(r.stdout));
    expect(report.counts.files).toBe(34);
    expect(report.parsed).toBe(0);
  });

  it('check fails on the deprecated scripts the launchers still run, in text, JSON and GitHub form', () => {
    const text = provenant(['registry', 'check'], lab.root);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('Makefile:20 runs (make recipe) the deprecated scripts/generate_stage1_data.py.DEPRECATED');
    expect(text.stdout).toContain('scripts/launch_gpu_session.sh:25 runs (shell) the deprecated scripts/deprecated/stage1_generate_robust.py');
    expect(text.stdout).toMatch(/\ncoverage: \d+\/34 documented \(\d+%\) \(required: 0%\)\n$/);
    const report = CheckReportSchema.parse(json(provenant(['registry', 'check', '--format', 'json'], lab.root).stdout));
    expect(report.ok).toBe(false);
    expect(report.problems.every((p) => p.kind === 'uses-deprecated')).toBe(true);
    const github = provenant(['registry', 'check', '--format', 'github'], lab.root);
    expect(github.stdout).toContain('::error file=Makefile,line=20,title=registry uses-deprecated::Makefile:20 runs');
  });

  it('search --json ranks the critic first and matches its schema', () => {
    const r = provenant(['registry', 'search', 'log-prob critic', '--json'], lab.root);
    expect(r.code).toBe(0);
    const report = SearchReportSchema.parse(json(r.stdout));
    expect(report.hits[0]?.path).toBe('scripts/utils/instruction_critic.py');
    expect(provenant(['registry', 'search', 'log-prob', 'critic'], lab.root).stdout).toMatch(/^ 1\. scripts\/utils\/instruction_critic\.py\n/);
  });

  it('show prints one entry, and --json matches the entry schema', () => {
    const text = provenant(['registry', 'show', 'scripts/generate_preference_pairs_logprob.py'], lab.root);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('  purpose: Build DPO preference pairs judged by single-token log-probs.');
    expect(text.stdout).toContain('    Makefile:13 (make)');
    const entry = RegistryEntrySchema.parse(json(provenant(['registry', 'show', 'scripts/utils/instruction_critic.py', '--json'], lab.root).stdout));
    expect(entry.defs.map((d) => d.name)).toContain('get_token_logprobs');
  });

  it('usage errors exit 2 with a hint', () => {
    const unknown = provenant(['registry', 'frobnicate'], lab.root);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('registry: unknown subcommand `frobnicate`');
    expect(provenant(['registry', 'search'], lab.root).code).toBe(2);
    expect(provenant(['registry', 'show', 'nope.py'], lab.root).stderr).toContain('nope.py: not in the registry');
    expect(provenant(['registry', 'check', '--format', 'xml'], lab.root).code).toBe(2);
    expect(provenant(['registry'], lab.root).stdout).toContain('similar PATH[:FUNCTION]');
  });
});

describe('adopting the registry on examples/stage1-lab, end to end (built CLI)', () => {
  let fresh: GitDir;
  beforeAll(() => {
    fresh = stage1Lab();
  });
  afterAll(() => fresh.cleanup());

  it('import, sync, similar, audit and check tell the seeds\' story', () => {
    const imported = provenant(['registry', 'import', 'docs/IMPLEMENTATION_REGISTRY.md'], fresh.root);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('docs/IMPLEMENTATION_REGISTRY.md documented 11 of 34 registered files (32%)');
    expect(imported.stdout).toMatch(/scripts\/generate_stage1_data\.py/);
    expect(imported.stdout).toMatch(/scripts\/evaluate_stage1\.py/);

    expect(provenant(['registry', 'sync'], fresh.root).code).toBe(0);
    const markdown = readFileSync(path.join(fresh.root, 'IMPLEMENTATION_REGISTRY.md'), 'utf8');
    expect(markdown).toContain('`scripts/utils/clean_model_loader.py` | ⭐ canonical');
    expect(markdown).toContain('`scripts/stage1_generate.py` | ❌ deprecated → `scripts/generate_sample_data_v2.py`');

    // the second log-prob scorer beside the shared critic, as the registry and the audit see it
    const similar = provenant(['registry', 'similar', 'scripts/generate_preference_pairs_logprob.py:score_pair'], fresh.root);
    expect(similar.code).toBe(0);
    expect(similar.stdout).toMatch(/`score_pair` in scripts\/generate_preference_pairs_logprob\.py:\d+ duplicates `critique_instruction_response_pair` in scripts\/utils\/instruction_critic\.py:\d+ \(\d+%\)/);
    const dupes = () => {
      const audit = provenant(['audit', '--format', 'json', '--select', 'DUP001'], fresh.root);
      expect(audit.code).toBe(1);
      return (JSON.parse(audit.stdout) as { findings: { code: string; path: string; message: string }[] }).findings;
    };
    // neither copy is the canonical one yet: selected by its full code (preview form), both are reported
    expect(dupes().map((f) => `${f.code} ${f.path}`)).toEqual([
      'DUP001 scripts/generate_preference_pairs_logprob.py',
      'DUP001 scripts/utils/instruction_critic.py',
    ]);
    expect(provenant(['registry', 'canonical', 'scripts/utils/instruction_critic.py', '--for', 'log-prob critic'], fresh.root).code).toBe(0);
    const once = dupes();
    expect(once.map((f) => `${f.code} ${f.path}`)).toEqual(['DUP001 scripts/generate_preference_pairs_logprob.py']);
    expect(once[0]?.message).toContain('critique_instruction_response_pair');
    expect(once[0]?.message).toContain('canonical');

    const check = provenant(['registry', 'check'], fresh.root);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('runs (make recipe) the deprecated scripts/generate_stage1_data.py.DEPRECATED');
    expect(check.stdout).toMatch(/coverage: \d+\/34 documented \(\d+%\)/);
  });
});
