import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UserError } from '../../src/core/errors.js';
import { stampLog } from '../../src/provenance/history.js';
import { investigate } from '../../src/provenance/investigate.js';
import { verifyPaths } from '../../src/provenance/verify.js';
import { InvestigateReportSchema, type InvestigateReport } from '../../src/schemas/provenance-reports.js';
import { StatementSchema } from '../../src/schemas/stamp.js';
import { filesUnder } from '../helpers/annotations.js';
import { tmpProject } from '../helpers/tmp.js';
import { provenant, REPO } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { stamp } from './lineage-fixtures.js';

const LAB = path.join(REPO, 'examples', 'stage1-lab');
const HELD_OUT = 'artifacts/held_out_test_instructions_20250911_162708.jsonl';
const lab = (rel: string): Buffer => readFileSync(path.join(LAB, rel));

/**
 * examples/stage1-lab with the history the seeds describe: the first generator and the instructions on
 * Sep 10, the pair and held-out files with two more generators on Sep 11, the clean loader and the clean
 * generator on Sep 12, and on Sep 20 the retired scripts renamed and moved and everything else added.
 */
function labWithHistory(): GitDir {
  const repo = makeGitDir();
  const commitAt = (date: string, files: Record<string, Buffer>, message: string): void => {
    repo.write(files);
    repo.add();
    repo.git(['commit', '-q', '--no-verify', '-m', message], { env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
  };
  const early = ['pyproject.toml', 'README.md', 'scripts/utils/__init__.py', 'scripts/utils/data_formatter.py'];
  commitAt('2025-09-08T09:00:00Z', Object.fromEntries(early.map((f) => [f, lab(f)])), 'lab skeleton');
  commitAt('2025-09-10T15:00:00Z', {
    'scripts/generate_stage1_data.py': lab('scripts/generate_stage1_data.py.DEPRECATED'),
    'data/stage1/train_instructions.jsonl': lab('data/stage1/train_instructions.jsonl'),
  }, 'first generator and its instructions');
  commitAt('2025-09-11T16:30:00Z', {
    'scripts/stage1_generate.py': lab('scripts/stage1_generate.py'),
    'scripts/stage1_generate_robust.py': lab('scripts/deprecated/stage1_generate_robust.py'),
    'scripts/generate_preference_pairs_logprob.py': lab('scripts/generate_preference_pairs_logprob.py'),
    'artifacts/preference_pairs.jsonl': lab('artifacts/preference_pairs.jsonl'),
    [HELD_OUT]: lab(HELD_OUT),
  }, 'pairs and held-out instructions');
  commitAt('2025-09-12T10:00:00Z', {
    'scripts/utils/clean_model_loader.py': lab('scripts/utils/clean_model_loader.py'),
    'scripts/generate_stage1_sft_data.py': lab('scripts/generate_stage1_sft_data.py'),
  }, 'the clean loader');
  repo.git(['mv', 'scripts/generate_stage1_data.py', 'scripts/generate_stage1_data.py.DEPRECATED']);
  repo.git(['rm', '-q', 'scripts/stage1_generate_robust.py']);
  const rest: Record<string, Buffer> = {};
  for (const f of filesUnder(LAB)) if (!f.startsWith('.provenant/')) rest[f] = lab(f);
  commitAt('2025-09-20T12:00:00Z', rest, 'retire the old generators; everything else');
  return repo;
}

let repo: GitDir;
beforeAll(() => {
  repo = labWithHistory();
});
afterAll(() => repo.cleanup());

const warn = (): void => undefined;
const answer = (r: InvestigateReport, q: string): string | undefined => r.evidence.find((e) => e.question === q)?.answer;

describe('investigate on stage1-lab with its history', () => {
  it('quarantines the instructions: older than the clean loader, and their exact producer is retired', async () => {
    const r = InvestigateReportSchema.parse(await investigate({ cwd: repo.root, path: 'data/stage1/train_instructions.jsonl', warn }));
    expect(r.verdict).toBe('quarantine');
    expect(r.reason).toBe('predates the clean loader (scripts/utils/clean_model_loader.py, first committed 2025-09-12), and its likely producer scripts/generate_stage1_data.py is deprecated: quarantine');
    expect(r.firstSeen).toMatchObject({ source: 'git', date: '2025-09-10T15:00:00+00:00' });
    expect(r.fields).toEqual(['id', 'instruction', 'instruction_type', 'pool', 'raw_partial', 'template']);
    expect(r.candidates[0]).toMatchObject({ path: 'scripts/generate_stage1_data.py', score: 1, existedThen: true, status: 'deprecated', usesLoader: false });
    expect(r.candidates[0]?.reasons).toContain('writes records with exactly these fields');
    // the same script under its retired name is the same candidate, not a second one
    expect(r.candidates.map((c) => c.path)).not.toContain('scripts/generate_stage1_data.py.DEPRECATED');
    expect(answer(r, 'Its status now?')).toBe('deprecated (it was renamed `.DEPRECATED`)');
    expect(answer(r, 'Does the file predate the loader?')).toBe('yes, by 2 day(s)');
    expect(answer(r, 'Which scripts existed then?')).toBe('3 Python script(s) at that commit');
    expect(answer(r, 'Does it hold model output?')).toMatch(/^no: /);
  });

  it('quarantines the preference pairs: model output made before the loader; the producer is matched by field overlap', async () => {
    const r = await investigate({ cwd: repo.root, path: 'artifacts/preference_pairs.jsonl', warn });
    expect(r.verdict).toBe('quarantine');
    expect(r.reason).toMatch(/^predates the clean loader .* and holds model output \(chosen, rejected\): quarantine$/);
    const best = r.candidates[0];
    expect(best).toMatchObject({ path: 'scripts/generate_preference_pairs_logprob.py', score: 0.71, existedThen: true });
    expect(best?.reasons[0]).toBe('writes {chosen, id, instruction, instruction_type, margin, rejected}; never writes critique; the file lacks margin');
    // the Best-of-N script came later: ranked, but marked
    expect(r.candidates.find((c) => c.path === 'scripts/create_preference_pairs_improved.py')).toMatchObject({ existedThen: false });
  });

  it('calls the held-out instructions suspect: older than the loader, no model output, no script writes them', async () => {
    const r = await investigate({ cwd: repo.root, path: HELD_OUT, warn });
    expect(r.verdict).toBe('suspect');
    expect(r.reason).toMatch(/but holds no model output/);
    expect(answer(r, 'Which script most likely wrote it?')).toMatch(/^none that existed then writes records like these/);
  });

  it('finds a file made after the loader by the clean generator plausibly clean, and suspect once its open bug is recorded', async () => {
    const rel = 'data/stage1/sft_20250913.jsonl';
    const record = { instruction: 'Name a colour.', response: 'Blue.', prompt: 'Q: Name a colour.\nA:', completion: ' Blue.', formatted_text: 'Q: Name a colour.\nA: Blue.', instruction_type: 'question' };
    writeFileSync(path.join(repo.root, rel), JSON.stringify(record) + '\n');
    const when = new Date('2025-09-13T00:51:16Z');
    utimesSync(path.join(repo.root, rel), when, when);
    let r = await investigate({ cwd: repo.root, path: rel, warn });
    expect(r.firstSeen).toEqual({ source: 'mtime', commit: null, date: '2025-09-13T00:51:16.000Z' });
    expect(r.verdict).toBe('plausible-clean');
    expect(r.candidates[0]).toMatchObject({ path: 'scripts/generate_stage1_sft_data.py', score: 1, usesLoader: true, existedThen: true });
    expect(answer(r, 'When did it first appear?')).toMatch(/by its modification time \(not in git: weak evidence/);

    writeFileSync(path.join(repo.root, 'provenant-registry.yaml'), [
      'version: 1', 'files:', '  scripts/generate_stage1_sft_data.py:', '    bugs:', '      - summary: stored prompt differs from the generation prompt', '',
    ].join('\n'));
    try {
      r = await investigate({ cwd: repo.root, path: rel, warn });
      expect(r.verdict).toBe('suspect');
      expect(r.reason).toBe('its likely producer scripts/generate_stage1_sft_data.py had known bugs when it was made: stored prompt differs from the generation prompt (open)');
    } finally {
      writeFileSync(path.join(repo.root, 'provenant-registry.yaml'), 'version: 1\nfiles: {}\n');
    }
  });

  it('--record writes a legacy stamp that verify quarantines and log lists; a run-stamped file is refused', async () => {
    const rel = 'data/stage1/train_instructions.jsonl';
    const r = await investigate({ cwd: repo.root, path: rel, record: true, warn });
    expect(r.recorded).toBe(`${rel}.prov.json`);
    const statement = StatementSchema.parse(JSON.parse(readFileSync(path.join(repo.root, `${rel}.prov.json`), 'utf8')));
    expect(statement.predicate.buildDefinition.buildType).toBe('https://provenant.dev/buildtypes/legacy/v1');
    expect(statement.predicate.provenant.investigation).toMatchObject({ verdict: 'quarantine', reason: r.reason });

    const verdict = (await verifyPaths({ cwd: repo.root, paths: [rel], env: process.env, warn })).results[0];
    expect(verdict).toMatchObject({ verdict: 'quarantined', reasons: [expect.stringContaining('legacy investigation')] });
    expect((await stampLog({ cwd: repo.root, path: rel })).entries).toEqual([expect.objectContaining({ kind: 'legacy', current: true })]);

    await stamp(repo, 'echo made > made.txt', ['made.txt']);
    await expect(investigate({ cwd: repo.root, path: 'made.txt', record: true, warn })).rejects.toThrow(UserError);
  });

  it('the CLI prints the evidence table and verdict, and JSON the schema accepts', () => {
    const text = provenant(['investigate', HELD_OUT], repo.root);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^investigation of artifacts\/held_out/);
    expect(text.stdout).toMatch(/\n {2}When did it first appear\? +2025-09-11, commit [0-9a-f]{7} \(the first commit adding it\)\n/);
    expect(text.stdout).toContain('\nverdict: suspect — predates the clean loader');
    const json = provenant(['investigate', '--json', 'artifacts/preference_pairs.jsonl'], repo.root);
    expect(InvestigateReportSchema.parse(JSON.parse(json.stdout)).verdict).toBe('quarantine');
    const missing = provenant(['investigate', 'nope.jsonl'], repo.root);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.jsonl: no such file');
  });
});

describe('investigate without git', () => {
  it('dates by modification times and says so; the scripts are compared as they are now', async () => {
    const project = tmpProject({
      'provenant.toml': 'sanctioned-loaders = ["loader.CleanLoader"]\n',
      'loader.py': 'class CleanLoader:\n    pass\n',
      'gen.py': 'import json\nprint(json.dumps({"instruction": "q", "response": "a"}))\n',
      'out.jsonl': '{"instruction": "q", "response": "a"}\n',
    });
    try {
      const old = new Date('2025-01-01T00:00:00Z');
      utimesSync(path.join(project.dir, 'out.jsonl'), old, old);
      const r = await investigate({ cwd: project.dir, path: 'out.jsonl', warn });
      expect(r.firstSeen.source).toBe('mtime');
      expect(r.candidates).toEqual([expect.objectContaining({ path: 'gen.py', score: 1, existedThen: false, usesLoader: false })]);
      expect(r.verdict).toBe('suspect');
      expect(r.reason).toBe('the sanctioned loader loader.py is not committed, so nothing dates the file against it');
      expect(answer(r, 'Which scripts existed then?')).toBe('unknown: no git history before the file');
    } finally {
      project.cleanup();
    }
  });
});
