import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { syncRegistry, UserError, type RegistryEntry, type SyncResult } from '../../src/index.js';
import { makeGitDir } from '../helpers/gitdir.js';
import { tmpProject } from '../helpers/tmp.js';
import { SMALL_LAB, smallLab } from './lab.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

function lab() {
  const dir = smallLab();
  cleanups.push(dir.cleanup);
  return dir;
}

function entry(r: SyncResult, p: string): RegistryEntry {
  const found = r.entries.find((e) => e.path === p);
  if (!found) throw new Error(`${p} is not registered: ${r.entries.map((e) => e.path).join(', ')}`);
  return found;
}

describe('registry sync', () => {
  it('reads typer options named after the parameters they are the defaults of', async () => {
    const p = tmpProject({
      'provenant.toml': '',
      'cli_typer.py': [
        '"""Score a checkpoint."""',
        'import typer',
        '',
        'def main(',
        '    data: str = typer.Argument(..., help="records to score"),',
        '    model_name: str = typer.Option("base", help="model to evaluate"),',
        '    n=typer.Option(5, "--count", "-n"),',
        '):',
        '    pass',
        '',
      ].join('\n'),
    });
    cleanups.push(p.cleanup);
    const r = await syncRegistry({ cwd: p.dir });
    expect(entry(r, 'cli_typer.py').cli).toEqual({
      framework: 'typer',
      args: [
        { flags: ['data'], dest: 'data', type: null, default: null, help: 'records to score', required: true },
        { flags: ['--model-name'], dest: 'model_name', type: null, default: '"base"', help: 'model to evaluate', required: false },
        { flags: ['--count', '-n'], dest: 'n', type: null, default: '5', help: null, required: false },
      ],
    });
  });

  it('registers every script, module and launcher, skipping empty package markers', async () => {
    const { root } = lab();
    const r = await syncRegistry({ cwd: root });
    expect(r.entries.map((e) => e.path)).toEqual([
      'Makefile',
      'run.sh',
      'scripts/broken.py',
      'scripts/cli_click.py',
      'scripts/deprecated/older.py',
      'scripts/gen.py',
      'scripts/old_gen.py.DEPRECATED',
      'scripts/pipeline.py',
      'scripts/pkg/a.py',
      'scripts/pkg/b.py',
      'scripts/utils/__init__.py',
      'scripts/utils/critic.py',
    ]);
    expect(entry(r, 'scripts/gen.py').kind).toBe('script');
    expect(entry(r, 'scripts/utils/critic.py').kind).toBe('module');
    expect(entry(r, 'run.sh').kind).toBe('launcher');
    expect(r.counts).toMatchObject({ files: 12, launchers: 2, deprecated: 2 });
  });

  it('takes the purpose from the docstring, the CLI from argparse and click, and the top-level definitions', async () => {
    const { root } = lab();
    const r = await syncRegistry({ cwd: root });
    const gen = entry(r, 'scripts/gen.py');
    expect(gen.purpose).toBe('Generate SFT data with few-shot completion prompts.');
    expect(gen.purposeSource).toBe('docstring');
    expect(gen.entryPoint).toBe(true);
    expect(gen.cli?.framework).toBe('argparse');
    expect(gen.cli?.args).toContainEqual({ flags: ['--n'], dest: null, type: 'int', default: '100', help: 'how many', required: false });
    expect(gen.cli?.args).toContainEqual({ flags: ['--dry-run'], dest: null, type: 'bool', default: null, help: null, required: false });
    const click = entry(r, 'scripts/cli_click.py');
    expect(click.cli).toEqual({
      framework: 'click',
      args: [
        { flags: ['--model'], dest: null, type: null, default: '"base"', help: 'model to evaluate', required: false },
        { flags: ['data'], dest: 'data', type: null, default: null, help: null, required: true },
      ],
    });
    const critic = entry(r, 'scripts/utils/critic.py');
    expect(critic.purpose).toBe('Log-prob critic shared by every filter.');
    expect(critic.defs.map((d) => [d.name, d.kind, d.summary])).toEqual([
      ['get_token_logprobs', 'function', 'Next-token log-probs of a prompt.'],
      ['Judge', 'class', null],
    ]);
    expect(entry(r, 'run.sh').purpose).toBe('Nightly run of the generator.');
  });

  it('classifies data files as read or written', async () => {
    const { root } = lab();
    const gen = entry(await syncRegistry({ cwd: root }), 'scripts/gen.py');
    expect(gen.reads).toEqual(['data/instructions.jsonl', 'data/seed_prompts.txt']);
    expect(gen.writes).toEqual(['data/log.jsonl', 'data/sft.jsonl']);
  });

  it('resolves imports (sys.path style and relative) and lists dependents, launchers included', async () => {
    const { root } = lab();
    const r = await syncRegistry({ cwd: root });
    expect(entry(r, 'scripts/gen.py').imports).toEqual(['scripts/utils/critic.py']);
    expect(entry(r, 'scripts/pkg/a.py').imports).toEqual(['scripts/pkg/b.py']);
    expect(entry(r, 'scripts/pipeline.py').runs).toEqual(['scripts/gen.py', 'scripts/old_gen.py.DEPRECATED']);
    expect(entry(r, 'scripts/gen.py').dependents).toEqual([
      { path: 'Makefile', via: 'make', line: 4 },
      { path: 'run.sh', via: 'shell', line: 4 },
      { path: 'scripts/pipeline.py', via: 'subprocess', line: 3 },
    ]);
    expect(entry(r, 'scripts/utils/critic.py').dependents).toEqual([{ path: 'scripts/gen.py', via: 'import', line: 7 }]);
  });

  it('deprecates .DEPRECATED files and deprecated/ folders by path', async () => {
    const { root } = lab();
    const r = await syncRegistry({ cwd: root });
    expect(entry(r, 'scripts/old_gen.py.DEPRECATED')).toMatchObject({ status: 'deprecated', statusSource: 'path', language: 'python' });
    expect(entry(r, 'scripts/deprecated/older.py')).toMatchObject({ status: 'deprecated', statusSource: 'path' });
    expect(entry(r, 'scripts/gen.py')).toMatchObject({ status: 'active', statusSource: 'default' });
  });

  it('registers a file with syntax errors, with a warning', async () => {
    const { root } = lab();
    const r = await syncRegistry({ cwd: root });
    expect(entry(r, 'scripts/broken.py')).toMatchObject({ purpose: 'Half written.' });
    expect(entry(r, 'scripts/broken.py').parseErrors).toBeGreaterThan(0);
    expect(r.warnings.some((w) => w.startsWith('scripts/broken.py:') && w.includes('syntax error'))).toBe(true);
    expect(r.counts.parseErrors).toBe(1);
  });

  it('records git facts from one pass over the history', async () => {
    const dir = lab();
    dir.commitFiles({ 'scripts/gen.py': `${SMALL_LAB['scripts/gen.py']}# second\n` }, 'second');
    const r = await syncRegistry({ cwd: dir.root });
    expect(entry(r, 'scripts/gen.py').git).toMatchObject({ added: '2024-01-01', commits: 2, authors: ['Provenant Test'] });
    expect(entry(r, 'scripts/pkg/b.py').git?.commits).toBe(1);
    expect(entry(r, 'scripts/gen.py').git?.lastCommit).toBe(dir.git(['rev-parse', '--short', 'HEAD']).trim());
  });

  it('writes the Markdown once; a warm sync parses nothing and leaves it byte-identical', async () => {
    const { root } = lab();
    const cold = await syncRegistry({ cwd: root });
    expect(cold.markdownState).toBe('written');
    expect(cold.parsed).toBe(12);
    const file = path.join(root, 'IMPLEMENTATION_REGISTRY.md');
    const before = readFileSync(file);
    const mtime = statSync(file).mtimeMs;
    const warm = await syncRegistry({ cwd: root });
    expect(warm.parsed).toBe(0);
    expect(warm.markdownState).toBe('unchanged');
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(warm.entries).toEqual(cold.entries);
  });

  it('re-parses only an edited file and updates the entries that depend on it', async () => {
    const { root } = lab();
    await syncRegistry({ cwd: root });
    writeFileSync(path.join(root, 'scripts/pipeline.py'), '"""Run everything."""\nimport os\nos.system("bash run.sh")\n');
    const r = await syncRegistry({ cwd: root });
    expect(r.parsed).toBe(1);
    expect(r.markdownState).toBe('written');
    expect(entry(r, 'scripts/gen.py').dependents.map((d) => d.path)).toEqual(['Makefile', 'run.sh']);
    expect(entry(r, 'run.sh').dependents).toEqual([{ path: 'scripts/pipeline.py', via: 'os.system', line: 3 }]);
  });

  it('merges the annotations: purpose, status, replacement; stale annotations are reported', async () => {
    const { root } = lab();
    writeFileSync(
      path.join(root, 'provenant-registry.yaml'),
      [
        'version: 1',
        'files:',
        '  scripts/utils/critic.py:',
        '    purpose: The one log-prob judge.',
        '    status: canonical',
        '    canonical_for: [log-prob critic]',
        '  scripts/old_gen.py.DEPRECATED:',
        '    replaced_by: scripts/gen.py',
        '    reason: applied the chat template',
        '  scripts/gone.py:',
        '    purpose: Was removed long ago.',
        '',
      ].join('\n'),
    );
    const r = await syncRegistry({ cwd: root });
    expect(entry(r, 'scripts/utils/critic.py')).toMatchObject({
      purpose: 'The one log-prob judge.',
      purposeSource: 'annotation',
      status: 'canonical',
      statusSource: 'annotation',
      canonicalFor: ['log-prob critic'],
    });
    expect(entry(r, 'scripts/old_gen.py.DEPRECATED')).toMatchObject({ replacedBy: 'scripts/gen.py', reason: 'applied the chat template' });
    expect(r.stale).toEqual([{ path: 'scripts/gone.py', line: 10, missing: 'file', target: 'scripts/gone.py' }]);
    expect(r.warnings).toContain('provenant-registry.yaml:10: stale annotation: scripts/gone.py does not exist');
  });

  it('refuses to overwrite a hand-edited block and leaves the file untouched', async () => {
    const { root } = lab();
    await syncRegistry({ cwd: root });
    const file = path.join(root, 'IMPLEMENTATION_REGISTRY.md');
    const edited = readFileSync(file, 'utf8').replace('Run everything.', 'Run everything, carefully.');
    writeFileSync(file, edited);
    await expect(syncRegistry({ cwd: root })).rejects.toThrow(UserError);
    await expect(syncRegistry({ cwd: root })).rejects.toThrow(/edited by hand/);
    expect(readFileSync(file, 'utf8')).toBe(edited);
  });

  it('works in a folder outside git, without git facts and with one warning', async () => {
    const p = tmpProject(SMALL_LAB);
    cleanups.push(p.cleanup);
    const r = await syncRegistry({ cwd: p.dir });
    expect(r.counts.files).toBe(12);
    expect(r.entries.every((e) => e.git === null)).toBe(true);
    expect(r.warnings.filter((w) => w.startsWith('git facts left out'))).toEqual(['git facts left out: not a git repository']);
  });

  it('works in a repository with no commits yet', async () => {
    const dir = makeGitDir();
    cleanups.push(dir.cleanup);
    dir.write(SMALL_LAB);
    const r = await syncRegistry({ cwd: dir.root });
    expect(r.counts.files).toBe(12);
    expect(r.warnings).toContain('git facts left out: the repository has no commits yet');
  });
});
