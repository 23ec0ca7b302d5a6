/**
 * `registry similar` and DUP001 on a copy of examples/stage1-lab: the re-implemented log-prob scorer is
 * found with its percent, canonical files are marked, and the function index follows edits and deletions.
 */
import { cpSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { audit, findSimilar, UserError } from '../../src/index.js';
import { SimilarReportSchema } from '../../src/schemas/similar.js';
import { REPO } from '../helpers/exec.js';

const EXAMPLE = path.join(REPO, 'examples', 'stage1-lab');
const SCORER = 'scripts/generate_preference_pairs_logprob.py';
const CRITIC = 'scripts/utils/instruction_critic.py';
const ANNOTATIONS = `version: 1
files:
  ${CRITIC}:
    status: canonical
    canonical_for: [log-prob critic]
`;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-similar-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.provenant`) });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Rewrites a file and moves its mtime, so a stat-based cache cannot mistake it for the old one. */
function rewrite(rel: string, text: string): void {
  const abs = path.join(dir, rel);
  writeFileSync(abs, text);
  const later = new Date(Date.now() + 5000);
  utimesSync(abs, later, later);
}

const pairsOf = async (target: string) =>
  (await findSimilar({ cwd: dir, target })).pairs.map((p) => `${p.function.qualname} ~ ${p.duplicateOf.path}:${p.duplicateOf.qualname} ${p.similarity}%`);

describe('registry similar', () => {
  it('finds score_pair re-implementing the shared critic, with its percent', async () => {
    const r = await findSimilar({ cwd: dir, target: `${SCORER}:score_pair` });
    expect(SimilarReportSchema.parse(JSON.parse(JSON.stringify({ ...r, warnings: undefined, indexed: undefined, parsed: undefined })))).toBeTruthy();
    expect(r.pairs).toEqual([
      {
        function: { path: SCORER, qualname: 'score_pair', line: 167, tokens: 147 },
        duplicateOf: { path: CRITIC, qualname: 'critique_instruction_response_pair', line: 56, tokens: 134, canonical: false, canonicalFor: [] },
        similarity: 90,
      },
    ]);
    expect(r.parsed).toBeGreaterThan(20);
    // a second run reads nothing again
    const again = await findSimilar({ cwd: dir, target: SCORER });
    expect(again.parsed).toBe(0);
    expect(again.pairs.map((p) => p.function.qualname)).toEqual(['score_pair']);
  });

  it('marks matches in canonical files from the annotations file', async () => {
    writeFileSync(path.join(dir, 'provenant-registry.yaml'), ANNOTATIONS);
    const r = await findSimilar({ cwd: dir, target: `${SCORER}:score_pair` });
    expect(r.pairs[0]?.duplicateOf).toMatchObject({ canonical: true, canonicalFor: ['log-prob critic'] });
  });

  it('asks about the other side too, and honours --threshold', async () => {
    expect(await pairsOf(`${CRITIC}:critique_instruction_response_pair`)).toEqual([`critique_instruction_response_pair ~ ${SCORER}:score_pair 90%`]);
    expect((await findSimilar({ cwd: dir, target: SCORER, threshold: 0.95 })).pairs).toEqual([]);
  });

  it('rejects an unknown function with the file\'s functions as the hint, and a bad threshold', async () => {
    const error = await findSimilar({ cwd: dir, target: `${SCORER}:nope` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`${SCORER}: no function \`nope\``);
    expect((error as UserError).hint).toContain('score_pair');
    await expect(findSimilar({ cwd: dir, target: 'scripts/missing.py' })).rejects.toThrow(/not a Python file or notebook of the project/);
    await expect(findSimilar({ cwd: dir, target: SCORER, threshold: 1.5 })).rejects.toThrow(/--threshold/);
  });

  it('follows an edit and a deletion: no stale match', async () => {
    expect(await pairsOf(`${SCORER}:score_pair`)).toHaveLength(1);
    const critic = readFileSync(path.join(dir, CRITIC), 'utf8');
    const start = critic.indexOf('def critique_instruction_response_pair(');
    const end = critic.indexOf('def critique_instruction_quality(');
    rewrite(CRITIC, critic.slice(0, start) + critic.slice(end));
    expect(await pairsOf(`${SCORER}:score_pair`)).toEqual([]);
    rewrite(CRITIC, critic);
    expect(await pairsOf(`${SCORER}:score_pair`)).toHaveLength(1);
    unlinkSync(path.join(dir, CRITIC));
    expect(await pairsOf(`${SCORER}:score_pair`)).toEqual([]);
  });
});

describe('DUP001 in an audit', () => {
  const dups = async () =>
    (await audit({ paths: [dir], cwd: dir })).findings.filter((f) => f.code === 'DUP001').map((f) => `${f.path}:${f.span.line} ${f.message}`);

  it('compares only the files the audit parses when the project keeps no registry', async () => {
    // the critic loads no model and builds no prompt: no rule parses it, so the copy is not seen
    expect(await dups()).toEqual([]);
  });

  it('compares the whole project once it keeps a registry, naming the canonical implementation', async () => {
    writeFileSync(path.join(dir, 'provenant-registry.yaml'), ANNOTATIONS);
    const expected = [
      `${SCORER}:167 \`score_pair\` nearly duplicates \`critique_instruction_response_pair\` in ${CRITIC}:56 (90%), the canonical implementation for "log-prob critic"; call it instead of keeping a copy`,
    ];
    expect(await dups()).toEqual(expected);
    // warm: the same answer from the memo
    expect(await dups()).toEqual(expected);
  });

  it('answers after an edit or a deletion exactly as a run without cache does (no stale finding)', async () => {
    writeFileSync(path.join(dir, 'provenant-registry.yaml'), ANNOTATIONS);
    const cold = async () =>
      (await audit({ paths: [dir], cwd: dir, noCache: true })).findings.filter((f) => f.code === 'DUP001').map((f) => `${f.path}:${f.span.line} ${f.message}`);
    expect(await dups()).toHaveLength(1);
    const critic = readFileSync(path.join(dir, CRITIC), 'utf8');
    // a tweak that keeps the pair similar, but less so
    rewrite(CRITIC, critic.replace('    consistent = (a1 >= b1) == (a2 >= b2)\n', '    consistent = (a1 >= b1) == (a2 >= b2)\n    gap = round(gap, 6)\n'));
    const edited = await dups();
    expect(edited).toEqual(await cold());
    expect(edited).toHaveLength(1);
    expect(edited[0]).not.toContain('(90%)');
    unlinkSync(path.join(dir, CRITIC));
    expect(await dups()).toEqual([]);
    expect(await cold()).toEqual([]);
  });

  it('reports a copy of a function nobody marked canonical only in preview', async () => {
    writeFileSync(path.join(dir, 'provenant-registry.yaml'), 'version: 1\nfiles: {}\n');
    expect(await dups()).toEqual([]);
    const pyproject = path.join(dir, 'pyproject.toml');
    writeFileSync(pyproject, readFileSync(pyproject, 'utf8').replace('[tool.provenant]\n', '[tool.provenant]\npreview = true\n'));
    expect((await dups()).map((d) => d.split(' ')[0])).toEqual([`${SCORER}:167`, `${CRITIC}:56`]);
  });

  it('finds a copy both ways when neither side is canonical, with DUP selected by name', async () => {
    const found = (await audit({ paths: [dir], cwd: dir, select: ['DUP001'] })).findings.map((f) => `${f.path}:${f.span.line}`);
    expect(found).toEqual([`${SCORER}:167`, `${CRITIC}:56`]);
  });

  it('leaves a copy marked `# Copied from …` alone, on either side of the pair', async () => {
    const lines = readFileSync(path.join(dir, SCORER), 'utf8').split('\n');
    // the marker goes on the line above the copy's `def` (line 167), as transformers and diffusers write it
    lines.splice(166, 0, '# Copied from scripts.utils.instruction_critic.InstructionCritic.score with critic->scorer');
    rewrite(SCORER, lines.join('\n'));
    const found = (await audit({ paths: [dir], cwd: dir, select: ['DUP001'] })).findings.map((f) => `${f.path}:${f.span.line}`);
    expect(found).toEqual([]);
  });
});
