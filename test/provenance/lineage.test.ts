import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { lineage, renderLineageMermaid, renderLineageText } from '../../src/provenance/lineage.js';
import { LineageReportSchema, type LineageNode } from '../../src/schemas/provenance-reports.js';
import { ledgerPath } from '../../src/store/ledger.js';
import { provenant } from '../helpers/exec.js';
import type { GitDir } from '../helpers/gitdir.js';
import { stamp, stampProject } from './lineage-fixtures.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

const warn = (): void => undefined;

/** raw.txt (unstamped) → a.txt → b.txt, and c.txt made from both a.txt and b.txt. */
async function diamond(): Promise<GitDir> {
  const repo = stampProject();
  repos.push(repo);
  repo.commitFiles({ 'raw.txt': 'raw\n' }, 'raw data');
  await stamp(repo, 'cat raw.txt > a.txt', ['a.txt'], ['raw.txt']);
  await stamp(repo, 'cat a.txt a.txt > b.txt', ['b.txt'], ['a.txt']);
  await stamp(repo, 'cat a.txt b.txt > c.txt', ['c.txt'], ['a.txt', 'b.txt']);
  return repo;
}

/** path → children paths, with the repeat marks, for compact assertions. */
function shape(n: LineageNode): unknown {
  const label = n.repeat ? `${n.path} (${n.repeat})` : n.path;
  return n.children.length ? { [label]: n.children.map(shape) } : label;
}

describe('lineage', () => {
  it('follows the stamps\' inputs recursively, showing a shared input once and an unstamped one as such', async () => {
    const repo = await diamond();
    const report = LineageReportSchema.parse(await lineage({ cwd: repo.root, path: 'c.txt', warn }));
    expect(shape(report.root)).toEqual({ 'c.txt': [{ 'a.txt': ['raw.txt'] }, { 'b.txt': ['a.txt (seen)'] }] });
    const [a] = report.root.children;
    expect(a).toMatchObject({ stamp: 'ok', producer: null, commit: expect.stringMatching(/^[0-9a-f]{7}$/), signed: false });
    expect(a?.children[0]).toMatchObject({ path: 'raw.txt', stamp: 'none', problem: null });

    const text = renderLineageText(report);
    expect(text.split('\n')[0]).toMatch(/^c\.txt {2}no producer script {2}@[0-9a-f]{7} {2}\d{4}-\d\d-\d\d$/);
    expect(text).toContain('│   └── raw.txt  (unstamped)');
    expect(text).toContain('└── a.txt  no producer script');
    expect(text).toContain('(shown above)');
  });

  it('marks an input re-stamped or changed since it was used, and an unreadable stamp', async () => {
    const repo = await diamond();
    await stamp(repo, 'cat raw.txt > a.txt', ['a.txt'], ['raw.txt']); // same bytes, a new stamp
    let report = await lineage({ cwd: repo.root, path: 'b.txt', warn });
    expect(report.root.children[0]?.problem).toMatch(/^re-stamped since it was used/);

    await stamp(repo, 'echo other > a.txt', ['a.txt']);
    report = await lineage({ cwd: repo.root, path: 'b.txt', warn });
    expect(report.root.children[0]?.problem).toMatch(/^the input's stamp is for other content/);

    writeFileSync(path.join(repo.root, 'a.txt.prov.json'), '{ "not": "a stamp" }');
    report = await lineage({ cwd: repo.root, path: 'b.txt', warn });
    expect(report.root.children[0]).toMatchObject({ stamp: 'invalid', problem: expect.stringContaining('malformed stamp'), children: [] });
    expect(renderLineageText(report)).toContain('! malformed stamp');
  });

  it('shows a cycle instead of looping', async () => {
    const repo = stampProject();
    repos.push(repo);
    repo.commitFiles({ 'y.txt': 'y\n' });
    await stamp(repo, 'cat y.txt > x.txt', ['x.txt'], ['y.txt']);
    await stamp(repo, 'cat x.txt > y.txt', ['y.txt'], ['x.txt']);
    const report = await lineage({ cwd: repo.root, path: 'y.txt', warn });
    expect(shape(report.root)).toEqual({ 'y.txt': [{ 'x.txt': ['y.txt (cycle)'] }] });
    expect(renderLineageText(report)).toContain('↻ cycle');
  });

  it('renders Mermaid with edges in the direction data flowed', async () => {
    const repo = await diamond();
    const mermaid = renderLineageMermaid(await lineage({ cwd: repo.root, path: 'c.txt', warn }));
    const lines = mermaid.trim().split('\n');
    expect(lines[0]).toBe('graph TD');
    const id = (p: string): string => lines.find((l) => l.includes(`["${p}<br/>`))?.trim().split('[')[0] ?? `missing ${p}`;
    expect(lines).toContain(`  ${id('a.txt')} --> ${id('c.txt')}`);
    expect(lines).toContain(`  ${id('raw.txt')} --> ${id('a.txt')}`);
    expect(lines).toContain(`  ${id('a.txt')} --> ${id('b.txt')}`);
    expect(lines.filter((l) => l.includes('-->'))).toHaveLength(4);
    expect(lines.at(-1)).toBe(`  class ${id('raw.txt')} bad`);
  });

  it('--down lists the artifacts whose current stamps use it, and says so when there is no ledger', async () => {
    const repo = await diamond();
    const report = await lineage({ cwd: repo.root, path: 'a.txt', down: true, warn });
    expect(shape(report.root)).toEqual({ 'a.txt': [{ 'b.txt': ['c.txt'] }, 'c.txt (seen)'] });

    await stamp(repo, 'echo fresh > b.txt', ['b.txt']); // b no longer made from a
    expect(shape((await lineage({ cwd: repo.root, path: 'a.txt', down: true, warn })).root)).toEqual({ 'a.txt': ['c.txt'] });

    rmSync(ledgerPath(repo.root));
    const none = await lineage({ cwd: repo.root, path: 'a.txt', down: true, warn });
    expect(none.root.children).toEqual([]);
    expect(none.notes[0]).toMatch(/^no ledger/);
  });

  it('adds verify\'s verdict to each node when asked', async () => {
    const repo = await diamond();
    let report = await lineage({ cwd: repo.root, path: 'b.txt', verdicts: true, warn });
    expect(report.root.children[0]?.children[0]).toMatchObject({ path: 'raw.txt', verdict: 'unstamped' });
    expect(report.root).toMatchObject({ path: 'b.txt', verdict: 'ok' });
    writeFileSync(path.join(repo.root, 'a.txt'), 'edited by hand\n');
    report = await lineage({ cwd: repo.root, path: 'b.txt', verdicts: true, warn });
    expect(report.root.children[0]).toMatchObject({ path: 'a.txt', verdict: 'tampered' });
    expect(report.root.verdict).not.toBe('ok');
    expect(renderLineageText(report)).toContain('[tampered]');
  });

  it('the CLI prints the tree, JSON that the schema accepts, and Mermaid; a path outside the project is a usage error', async () => {
    const repo = await diamond();
    const text = provenant(['lineage', 'c.txt'], repo.root);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('├── a.txt');
    const json = provenant(['lineage', '--json', 'c.txt.prov.json'], repo.root);
    expect(LineageReportSchema.parse(JSON.parse(json.stdout)).root.path).toBe('c.txt');
    expect(provenant(['lineage', '--format', 'mermaid', 'c.txt'], repo.root).stdout).toMatch(/^graph TD\n/);
    const outside = provenant(['lineage', '../elsewhere.txt'], repo.root);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('outside the project');
  });
});
