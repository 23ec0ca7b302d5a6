/**
 * Notebooks wherever a file is a file: registry entries (purpose from the first markdown cell, data paths,
 * scripts run from `!` lines and subprocess calls), `registry similar` and DUP001 across notebooks and
 * scripts, and `investigate` weighing a notebook as the producer of a data file. Real files, real git.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audit, findSimilar, syncRegistry, type RegistryEntry, type SyncResult } from '../../src/index.js';
import { investigate } from '../../src/provenance/investigate.js';
import { SimilarReportSchema } from '../../src/schemas/similar.js';
import { provenant } from '../helpers/exec.js';
import { makeGitDir } from '../helpers/gitdir.js';
import { imageOutput, notebook, sourceLines } from '../helpers/notebook.js';
import { useTmpProjects } from '../helpers/tmp.js';

const project = useTmpProjects({ 'provenant.toml': '' });
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});
function entry(r: SyncResult, p: string): RegistryEntry {
  const found = r.entries.find((e) => e.path === p);
  if (!found) throw new Error(`${p} is not registered: ${r.entries.map((e) => e.path).join(', ')}`);
  return found;
}

/** A scorer long enough to be compared (more than min-tokens), as a script holds it. */
const SCORER = [
  'def score_pair(model, tokenizer, prompt, chosen, rejected):',
  '    ids = tokenizer(prompt + chosen, add_special_tokens=False)["input_ids"]',
  '    other = tokenizer(prompt + rejected, add_special_tokens=False)["input_ids"]',
  '    total = 0.0',
  '    for i, token in enumerate(ids[1:]):',
  '        logits = model(ids[: i + 1])',
  '        total += logits[token] - max(logits)',
  '    for i, token in enumerate(other[1:]):',
  '        logits = model(other[: i + 1])',
  '        total -= logits[token] - max(logits)',
  '    return {"margin": total, "chosen": chosen, "rejected": rejected}',
].join('\n');

const EXPLORE = notebook([
  { markdown: sourceLines('# Margin analysis of the preference pairs\n\nReads the pairs, plots margins. Second sentence.') },
  { code: sourceLines('import json\nimport subprocess\nimport pandas as pd\n%matplotlib inline') },
  { code: sourceLines('pairs = pd.read_json("data/pairs.jsonl", lines=True)\n!python scripts/make_pairs.py --n 5\nsubprocess.run(["python", "scripts/report.py"])') },
  { code: sourceLines(SCORER) },
  { code: sourceLines('pairs.to_csv("reports/margins.csv")') },
]);

describe('notebooks in the registry', () => {
  it('get an entry like a script: purpose from the first markdown cell, data paths, scripts run, cells', async () => {
    const dir = project({
      'notebooks/explore.ipynb': EXPLORE,
      'scripts/make_pairs.py': '"""Make pairs."""\nif __name__ == "__main__":\n    pass\n',
      'scripts/report.py': '"""Report."""\nif __name__ == "__main__":\n    pass\n',
      'notebooks/plain.ipynb': notebook([{ markdown: 'Plots the loss curves of the last run. Then more.' }, { code: 'x = 1\n' }]),
      'notebooks/bare.ipynb': notebook([{ code: 'x = 1\n' }]),
    });
    const r = await syncRegistry({ cwd: dir });
    const nb = entry(r, 'notebooks/explore.ipynb');
    expect(nb).toMatchObject({
      language: 'notebook',
      kind: 'script',
      entryPoint: true,
      purpose: 'Margin analysis of the preference pairs',
      purposeSource: 'docstring',
      reads: ['data/pairs.jsonl'],
      writes: ['reports/margins.csv'],
      runs: ['scripts/make_pairs.py', 'scripts/report.py'],
      parseErrors: 0,
    });
    // the function defined in cell 4 is placed in its cell
    expect(nb.defs).toEqual([expect.objectContaining({ name: 'score_pair', kind: 'function', cell: { index: 4, line: 1 } })]);
    // a script run from a cell names the notebook, its cell and line, as a dependent
    expect(entry(r, 'scripts/make_pairs.py').dependents).toEqual([expect.objectContaining({ path: 'notebooks/explore.ipynb', via: 'shell', cell: { index: 3, line: 2 } })]);
    expect(entry(r, 'scripts/report.py').dependents).toEqual([expect.objectContaining({ path: 'notebooks/explore.ipynb', cell: { index: 3, line: 3 } })]);
    expect(entry(r, 'notebooks/plain.ipynb').purpose).toBe('Plots the loss curves of the last run.');
    expect(entry(r, 'notebooks/bare.ipynb').purpose).toBeNull();

    const md = readFileSync(path.join(dir, 'IMPLEMENTATION_REGISTRY.md'), 'utf8');
    expect(md).toContain('| `notebooks/explore.ipynb` | active | Margin analysis of the preference pairs |');
    expect(md).toContain('- **Kind**: script (notebook), entry point');
    expect(md).toContain('- **Runs**: `scripts/make_pairs.py`, `scripts/report.py`');
    expect(md).toContain('- **Reads**: `data/pairs.jsonl`');
    expect(md).toContain('- **Writes**: `reports/margins.csv`');

    const show = provenant(['registry', 'show', 'notebooks/explore.ipynb'], dir);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('score_pair() cell 4:1');
    const used = provenant(['registry', 'show', 'scripts/make_pairs.py'], dir);
    expect(used.stdout).toContain('notebooks/explore.ipynb:cell 3:2 (shell)');

    // a notebook still running a deprecated script fails `registry check`, named by its cell
    writeFileSync(path.join(dir, 'provenant-registry.yaml'), 'version: 1\nfiles:\n  scripts/make_pairs.py:\n    status: deprecated\n');
    provenant(['registry', 'sync'], dir);
    const check = provenant(['registry', 'check'], dir);
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toContain('notebooks/explore.ipynb:cell 3:2 runs (shell) the deprecated scripts/make_pairs.py');
  });

  it('registers a notebook that cannot be read without its contents, with a warning naming it', async () => {
    const dir = project({
      'bad.ipynb': '{"cells": [',
      'old.ipynb': JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [] }),
      'empty.ipynb': '',
    });
    const r = await syncRegistry({ cwd: dir });
    expect(entry(r, 'bad.ipynb')).toMatchObject({ purpose: null, defs: [], runs: [] });
    expect(r.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bad\.ipynb: registered without its contents: not a notebook: invalid JSON/),
        expect.stringMatching(/^old\.ipynb: registered without its contents: nbformat 3 notebooks are not supported/),
        'empty.ipynb: registered without its contents: not a notebook: the file is empty (0 bytes)',
      ]),
    );
    const cli = provenant(['registry', 'sync'], dir);
    expect(cli.code).toBe(0);
    expect(cli.stderr).toContain('bad.ipynb: registered without its contents');
  });

  it('measures a notebook against max-file-size by its code cells, not its outputs', async () => {
    const dir = project({
      'provenant.toml': 'max-file-size = 2000\n',
      'plots.ipynb': notebook([{ markdown: '# Loss curves' }, { code: 'import matplotlib\n', outputs: [imageOutput(50_000)] }]),
      'long.ipynb': notebook([{ markdown: '# Long' }, { code: `x = "${'a'.repeat(3000)}"\n` }]),
    });
    const r = await syncRegistry({ cwd: dir });
    expect(entry(r, 'plots.ipynb').purpose).toBe('Loss curves');
    expect(entry(r, 'long.ipynb').purpose).toBeNull();
    expect(r.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^long\.ipynb: registered without its contents: code cells too large/)]));
  });
});

describe('near-duplicates across notebooks and scripts', () => {
  const files = {
    'scripts/scoring.py': `"""Pair scoring."""\n\n\n${SCORER}\n`,
    'notebooks/explore.ipynb': EXPLORE,
  };

  it('registry similar finds a function copied into a notebook from the script, and back', async () => {
    const dir = project(files);
    const fromScript = await findSimilar({ cwd: dir, target: 'scripts/scoring.py' });
    expect(fromScript.pairs).toEqual([
      expect.objectContaining({
        function: expect.objectContaining({ path: 'scripts/scoring.py', qualname: 'score_pair', line: 4 }),
        duplicateOf: expect.objectContaining({ path: 'notebooks/explore.ipynb', qualname: 'score_pair', cell: { index: 4, line: 1 } }),
        similarity: 100,
      }),
    ]);
    const fromNotebook = await findSimilar({ cwd: dir, target: 'notebooks/explore.ipynb:score_pair' });
    expect(fromNotebook.pairs).toEqual([
      expect.objectContaining({
        function: expect.objectContaining({ path: 'notebooks/explore.ipynb', qualname: 'score_pair', cell: { index: 4, line: 1 } }),
        duplicateOf: expect.objectContaining({ path: 'scripts/scoring.py', line: 4 }),
      }),
    ]);
    // the notebook's JSON line holds the def, as findings' lines do
    const lines = EXPLORE.split('\n');
    expect(lines[(fromNotebook.pairs[0]?.function.line ?? 0) - 1]).toContain('def score_pair(');
    const text = provenant(['registry', 'similar', 'notebooks/explore.ipynb'], dir);
    expect(text.stdout).toContain('`score_pair` in notebooks/explore.ipynb:cell 4:1 duplicates `score_pair` in scripts/scoring.py:4 (100%)');
    const json = JSON.parse(provenant(['registry', 'similar', 'scripts/scoring.py', '--json'], dir).stdout) as unknown;
    expect(SimilarReportSchema.parse(json).pairs[0]?.duplicateOf.cell).toEqual({ index: 4, line: 1 });
  });

  it('registry similar on a .ipynb that is no notebook is a usage error naming why', () => {
    const dir = project({ ...files, 'broken.ipynb': '{"cells": [' });
    const r = provenant(['registry', 'similar', 'broken.ipynb'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/provenant: error: broken\.ipynb: not a notebook: invalid JSON/);
  });

  it('DUP001 reports the notebook copy of a canonical script in its cell, and names the cell of a notebook original', async () => {
    const dir = project({
      ...files,
      'provenant-registry.yaml': 'version: 1\nfiles:\n  scripts/scoring.py:\n    status: canonical\n    canonical_for: [pair scoring]\n',
    });
    const r = await audit({ paths: [dir], cwd: dir, select: ['DUP001'] });
    expect(r.findings.map((f) => `${f.path} ${f.code} cell ${f.cell?.index}:${f.cell?.line}`)).toEqual(['notebooks/explore.ipynb DUP001 cell 4:1']);
    expect(r.findings[0]?.message).toContain('in scripts/scoring.py:4 (100%), the canonical implementation for "pair scoring"');

    const back = project({
      ...files,
      'provenant-registry.yaml': 'version: 1\nfiles:\n  notebooks/explore.ipynb:\n    status: canonical\n',
    });
    const r2 = await audit({ paths: [back], cwd: back, select: ['DUP001'] });
    expect(r2.findings.map((f) => `${f.path}:${f.span.line} ${f.code}`)).toEqual(['scripts/scoring.py:4 DUP001']);
    expect(r2.findings[0]?.message).toContain('in notebooks/explore.ipynb:cell 4:1 (100%)');
  });
});

describe('investigate', () => {
  it('weighs a notebook that writes records of the file\'s shape as a candidate producer', async () => {
    const repo = makeGitDir({ 'provenant.toml': '' });
    cleanups.push(repo.cleanup);
    repo.commitFiles({
      'notebooks/make_pairs.ipynb': notebook([
        { markdown: '# Pairs by hand' },
        { code: sourceLines('import json\n%pip install x') },
        { code: sourceLines('rows = [{"prompt": p, "chosen": c, "rejected": r} for p, c, r in triples]\nwith open("data/pairs.jsonl", "w") as fh:\n    fh.write(json.dumps(rows))') },
      ]),
      'scripts/other.py': 'rows = [{"prompt": 1, "score": 2}]\n',
    }, 'tools');
    repo.commitFiles({ 'data/pairs.jsonl': '{"prompt": "a", "chosen": "b", "rejected": "c"}\n' }, 'pairs');
    const r = await investigate({ cwd: repo.root, path: 'data/pairs.jsonl', warn: () => undefined });
    expect(r.candidates[0]).toMatchObject({ path: 'notebooks/make_pairs.ipynb', score: 1, existedThen: true });
  });
});
