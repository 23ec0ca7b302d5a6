import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRegistry, syncRegistry, type CheckResult } from '../../src/index.js';
import { smallLab } from './lab.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

/** The small lab without its deprecated script calls, synced: a clean starting point. */
async function cleanLab(): Promise<string> {
  const dir = smallLab();
  cleanups.push(dir.cleanup);
  writeFileSync(path.join(dir.root, 'scripts/pipeline.py'), '"""Run everything."""\nimport subprocess\nsubprocess.run(["python", "scripts/gen.py"], check=True)\n');
  await syncRegistry({ cwd: dir.root });
  return dir.root;
}

const kinds = (r: CheckResult) => r.problems.map((p) => p.kind);

describe('registry check', () => {
  it('passes on a synced registry and reports coverage', async () => {
    const root = await cleanLab();
    const r = await checkRegistry({ cwd: root });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.coverage).toEqual({ documented: 9, total: 12, percent: 75 });
  });

  it('fails when the Markdown is missing, stale or hand-edited, and passes after a sync', async () => {
    const root = await cleanLab();
    const md = path.join(root, 'IMPLEMENTATION_REGISTRY.md');
    const synced = readFileSync(md, 'utf8');
    rmSync(md);
    expect((await checkRegistry({ cwd: root })).problems[0]?.message).toMatch(/IMPLEMENTATION_REGISTRY\.md does not exist; run `provenant registry sync`/);
    writeFileSync(md, synced);
    writeFileSync(path.join(root, 'scripts/pkg/b.py'), '"""Things."""\nthing = 1\n');
    const stale = await checkRegistry({ cwd: root });
    expect(kinds(stale)).toEqual(['markdown']);
    expect(stale.problems[0]?.message).toMatch(/out of date/);
    await syncRegistry({ cwd: root });
    expect((await checkRegistry({ cwd: root })).ok).toBe(true);
    writeFileSync(md, readFileSync(md, 'utf8').replace('Things.', 'Stuff.'));
    expect((await checkRegistry({ cwd: root })).problems[0]?.message).toMatch(/edited by hand/);
  });

  it('fails under the configured coverage and passes once enough files are documented', async () => {
    const root = await cleanLab();
    writeFileSync(path.join(root, 'provenant.toml'), '[registry]\nmin-coverage = 80\n');
    await syncRegistry({ cwd: root });
    const low = await checkRegistry({ cwd: root });
    expect(kinds(low)).toEqual(['coverage']);
    expect(low.problems[0]?.message).toMatch(/^coverage 9\/12 documented \(75%\) is under the required 80%/);
    writeFileSync(path.join(root, 'scripts/pkg/b.py'), '"""Things."""\nthing = 1\n');
    await syncRegistry({ cwd: root });
    expect((await checkRegistry({ cwd: root })).ok).toBe(true);
  });

  it('fails on annotations pointing at missing files, naming the line', async () => {
    const root = await cleanLab();
    const yaml = path.join(root, 'provenant-registry.yaml');
    writeFileSync(yaml, 'version: 1\nfiles:\n  scripts/gen.py:\n    purpose: Generate.\n  scripts/gone.py:\n    status: deprecated\n    replaced_by: scripts/also_gone.py\n');
    await syncRegistry({ cwd: root });
    const r = await checkRegistry({ cwd: root });
    expect(r.problems.map((p) => [p.kind, p.path, p.line, p.message])).toEqual([
      ['stale-annotation', 'provenant-registry.yaml', 5, 'provenant-registry.yaml:5: stale annotation: scripts/gone.py does not exist'],
      ['stale-annotation', 'provenant-registry.yaml', 5, 'provenant-registry.yaml:5: scripts/gone.py: replaced_by scripts/also_gone.py does not exist'],
    ]);
    expect(r.warnings.some((w) => w.includes('stale annotation'))).toBe(false);
    writeFileSync(yaml, 'version: 1\nfiles:\n  scripts/gen.py:\n    purpose: Generate.\n');
    await syncRegistry({ cwd: root });
    expect((await checkRegistry({ cwd: root })).ok).toBe(true);
  });

  it('fails when a file in use runs or imports a deprecated one, naming both and the line', async () => {
    const root = await cleanLab();
    writeFileSync(path.join(root, 'scripts/pipeline.py'), '"""Run everything."""\nimport subprocess\nsubprocess.run(["python", "scripts/old_gen.py"], check=True)\n');
    writeFileSync(path.join(root, 'provenant-registry.yaml'), 'version: 1\nfiles:\n  scripts/utils/critic.py:\n    status: deprecated\n    replaced_by: scripts/gen.py\n');
    await syncRegistry({ cwd: root });
    const r = await checkRegistry({ cwd: root });
    expect(r.problems.map((p) => p.message)).toEqual([
      'scripts/gen.py:7 imports the deprecated scripts/utils/critic.py; use scripts/gen.py instead',
      'scripts/pipeline.py:3 runs (subprocess) the deprecated scripts/old_gen.py.DEPRECATED',
    ]);
    // a deprecated file may keep using deprecated ones
    writeFileSync(path.join(root, 'provenant-registry.yaml'), 'version: 1\nfiles:\n  scripts/pipeline.py:\n    status: deprecated\n');
    await syncRegistry({ cwd: root });
    expect((await checkRegistry({ cwd: root })).ok).toBe(true);
  });
});
