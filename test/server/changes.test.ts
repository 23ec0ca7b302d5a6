/**
 * `provenant server` end to end over stdio, on what changes around a file and on input an editor should
 * never be able to crash it with: config and registry edits picked up without a restart, a config error
 * shown on the config file, notebooks synced as cells, a notebook's JSON broken mid-edit, documents
 * outside the workspace or not on disk.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ANNOTATIONS, CONFIG, codes, GEN, useServer } from './project.js';

const NOTEBOOK_CELLS = [
  { kind: 'markdown' as const, text: '# Explore the base model\n' },
  { kind: 'code' as const, text: 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n' },
  { kind: 'code' as const, text: 'msgs = [{"role": "user", "content": "hi"}]\ntext = tok.apply_chat_template(msgs, tokenize=False)\n' },
];

/** The notebook as a file: nbformat 4 JSON with one source line per JSON line. */
function notebookJson(cells: readonly { kind: 'code' | 'markdown'; text: string }[]): string {
  const source = (text: string) => text.split(/(?<=\n)/).filter(Boolean);
  const json = { cells: cells.map((c) => ({ cell_type: c.kind, metadata: {}, source: source(c.text), ...(c.kind === 'code' ? { outputs: [], execution_count: null } : {}) })), metadata: {}, nbformat: 4, nbformat_minor: 5 };
  return JSON.stringify(json, null, 1);
}

const s = useServer(
  { 'nb/explore.ipynb': notebookJson(NOTEBOOK_CELLS), 'nb/raw.ipynb': notebookJson(NOTEBOOK_CELLS), 'scripts/helper_v2.py': 'print(2)\n' },
  { path: 'scripts/gen.py', text: GEN },
);

const configChanged = () => s.client.watchedFilesChanged([{ uri: s.uri('provenant.toml'), type: 2 }]);

describe('provenant server: changes around the file', () => {
  it('picks up a config change without a restart', async () => {
    writeFileSync(s.file('provenant.toml'), `${CONFIG}ignore = ["TMPL001"]\n`);
    await configChanged();
    const published = await s.client.waitForDiagnostics(s.uri('scripts/gen.py'), (p) => !codes(p.diagnostics).includes('TMPL001'));
    expect(codes(published.diagnostics)).toEqual(['LOAD001', 'SCRIPT001', 'SCRIPT002']);
    // a client without file watching: the config is edited and saved in the editor
    await s.client.open(s.uri('provenant.toml'), 'toml', CONFIG);
    writeFileSync(s.file('provenant.toml'), CONFIG);
    await s.client.save(s.uri('provenant.toml'));
    await s.client.close(s.uri('provenant.toml'));
    await s.client.waitForDiagnostics(s.uri('scripts/gen.py'), (p) => codes(p.diagnostics).includes('TMPL001'));
  });

  it('shows a config error on the config file, at its line, keeps serving, and clears it once fixed', async () => {
    writeFileSync(s.file('provenant.toml'), `${CONFIG}\nselcet = ["TMPL"]\n`);
    await configChanged();
    const error = await s.client.waitForDiagnostics(s.uri('provenant.toml'), (p) => p.diagnostics.length > 0);
    expect(error.diagnostics[0]?.message).toMatch(/unknown key 'selcet' \(did you mean 'select'\?\)/);
    expect(error.diagnostics[0]?.range.start.line).toBe(2);
    expect(error.diagnostics[0]?.severity).toBe(1);
    // still serving: a hover answers, and invalid TOML lands on its line and column
    expect((await s.client.hover(s.uri('scripts/gen.py'), { line: 6, character: 30 }))?.contents.value).toContain('does not exist');
    writeFileSync(s.file('provenant.toml'), `${CONFIG}select = [\n`);
    await configChanged();
    const toml = await s.client.waitForDiagnostics(s.uri('provenant.toml'), (p) => p.diagnostics.some((d) => d.message.includes('invalid TOML')));
    expect(toml.diagnostics[0]?.range.start.line).toBeGreaterThanOrEqual(1);
    writeFileSync(s.file('provenant.toml'), CONFIG);
    await configChanged();
    await s.client.waitForDiagnostics(s.uri('provenant.toml'), (p) => p.diagnostics.length === 0);
    expect(s.client.child.exitCode).toBeNull();
  });

  it('reads registry changes on the next hover', async () => {
    const uri = s.uri('run.sh');
    await s.client.open(uri, 'shellscript', '#!/bin/sh\npython scripts/helper.py --n 3\n');
    expect((await s.client.hover(uri, { line: 1, character: 12 }))?.contents.value).toContain('status: active');
    writeFileSync(
      s.file('provenant-registry.yaml'),
      `${ANNOTATIONS}    status: deprecated\n    replaced_by: scripts/helper_v2.py\n    reason: scored with the chat template on\n`,
    );
    await s.client.watchedFilesChanged([{ uri: s.uri('provenant-registry.yaml'), type: 2 }]);
    const hover = (await s.client.hover(uri, { line: 1, character: 12 }))?.contents.value ?? '';
    expect(hover).toContain('status: **deprecated** → use `scripts/helper_v2.py`');
    expect(hover).toContain('reason: scored with the chat template on');
  });

  it('audits again when a missing script appears', async () => {
    writeFileSync(s.file('scripts/missing.py'), 'print("here now")\n');
    await s.client.watchedFilesChanged([{ uri: s.uri('scripts/missing.py'), type: 1 }]);
    const published = await s.client.waitForDiagnostics(s.uri('scripts/gen.py'), (p) => !codes(p.diagnostics).includes('SCRIPT002'));
    expect(codes(published.diagnostics)).toEqual(['LOAD001', 'SCRIPT001', 'TMPL001']);
  });
});

describe('provenant server: saving a file', () => {
  it('audits the other open files again: the saved one is part of the tree they resolve against', async () => {
    const uri = s.uri('scripts/old.py');
    // written in the editor and saved (no file watching): `scripts/old.py` now exists beside the .DEPRECATED copy
    await s.client.open(uri, 'python', 'print("back")\n');
    writeFileSync(s.file('scripts/old.py'), 'print("back")\n');
    await s.client.save(uri);
    const published = await s.client.waitForDiagnostics(s.uri('scripts/gen.py'), (p) => !codes(p.diagnostics).includes('SCRIPT001'));
    expect(codes(published.diagnostics)).toEqual(['LOAD001', 'TMPL001']);
    await s.client.close(uri);
  });
});

describe('provenant server: notebooks', () => {
  const cellUri = (i: number) => `vscode-notebook-cell:${s.file('nb/explore.ipynb')}#cell${i}`;

  it('puts a synced notebook\'s findings on its cells, at the line in the cell', async () => {
    const cells = NOTEBOOK_CELLS.map((c, i) => ({ ...c, uri: cellUri(i) }));
    await s.client.openNotebook(s.uri('nb/explore.ipynb'), cells);
    const load = await s.client.waitForDiagnostics(cellUri(1), (p) => p.diagnostics.length > 0);
    expect(load.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character])).toEqual([['LOAD001', 1, 6]]);
    const template = await s.client.waitForDiagnostics(cellUri(2), (p) => p.diagnostics.length > 0, 30_000, true);
    expect(template.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character])).toEqual([['TMPL001', 1, 7]]);
    const hover = await s.client.hover(cellUri(2), { line: 1, character: 12 });
    expect(hover?.contents.value).toContain('**TMPL001**');
    const [action] = await s.client.codeActions(cellUri(2), template.diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, []);
    expect(action?.edit?.changes?.[cellUri(2)]?.[0]?.newText).toContain('# provenant: ignore[TMPL001]');
  });

  it('clears a cell once its edit removes the finding', async () => {
    await s.client.changeCell(s.uri('nb/explore.ipynb'), cellUri(2), 'text = "plain prompt"\n');
    const cleared = await s.client.waitForDiagnostics(cellUri(2), (p) => p.diagnostics.length === 0);
    expect(cleared.diagnostics).toEqual([]);
    expect(codes(s.client.diagnostics(cellUri(1))?.diagnostics ?? [])).toEqual(['LOAD001']);
  });

  it('keeps the last diagnostics of a notebook whose JSON is broken mid-edit, and reads it again once fixed', async () => {
    const uri = s.uri('nb/raw.ipynb');
    const valid = notebookJson(NOTEBOOK_CELLS);
    await s.client.open(uri, 'json', valid);
    const first = await s.client.waitForDiagnostics(uri);
    expect(codes(first.diagnostics)).toEqual(['LOAD001', 'TMPL001']);
    // on the notebook JSON's line that holds the flagged source line
    const line = first.diagnostics.find((d) => d.code === 'TMPL001')?.range.start.line ?? -1;
    expect(valid.split('\n')[line]).toContain('apply_chat_template');
    await s.client.change(uri, valid.slice(0, valid.length / 2));
    await s.client.waitForLog(/raw\.ipynb: not a notebook: invalid JSON .*the last diagnostics are kept/);
    expect(s.client.diagnostics(uri)?.version).toBe(1);
    const fixed = notebookJson(NOTEBOOK_CELLS.slice(0, 2));
    const version = await s.client.change(uri, fixed);
    const after = await s.client.waitForDiagnostics(uri, (p) => p.version === version);
    expect(codes(after.diagnostics)).toEqual(['LOAD001']);
  });
});

describe('provenant server: documents it does not audit', () => {
  it('logs a document outside the workspace, publishes nothing for it, and keeps serving', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'provenant-outside-'));
    try {
      writeFileSync(path.join(outside, 'x.py'), GEN);
      const uri = pathToFileURL(path.join(outside, 'x.py')).href;
      await s.client.open(uri, 'python', GEN);
      await s.client.change(uri, `${GEN}\n`);
      await s.client.open('untitled:Untitled-1', 'python', GEN);
      // audits run in order: once a later edit inside has been published, the outside file had its turn
      const inside = await s.client.change(s.uri('scripts/gen.py'), `${GEN}\n`);
      await s.client.waitForDiagnostics(s.uri('scripts/gen.py'), (p) => p.version === inside);
      expect(s.client.diagnostics(uri)).toBeUndefined();
      expect(s.client.diagnostics('untitled:Untitled-1')).toBeUndefined();
      expect(s.client.logs.some((l) => l.message.includes('outside the workspace folders'))).toBe(true);
      expect(s.client.logs.some((l) => l.message.includes('untitled:Untitled-1: not a file on disk'))).toBe(true);
      expect(await s.client.hover(uri, { line: 4, character: 15 })).toBeNull();
      // once the client adds its folder to the workspace, a file opened there is audited
      await s.client.workspaceFoldersChanged([pathToFileURL(outside).href]);
      const added = pathToFileURL(path.join(outside, 'y.py')).href;
      writeFileSync(path.join(outside, 'y.py'), GEN);
      await s.client.open(added, 'python', GEN);
      expect(codes((await s.client.waitForDiagnostics(added)).diagnostics)).toContain('TMPL001');
      await s.client.close(added);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('answers requests about documents it never saw with nothing, then exits 0', async () => {
    expect(await s.client.hover('file:///nowhere/at/all.py', { line: 0, character: 0 })).toBeNull();
    expect(await s.client.definition('file:///nowhere/at/all.py', { line: 0, character: 0 })).toBeNull();
    expect(await s.client.codeActions('file:///nowhere/at/all.py', { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, [])).toEqual([]);
    expect(s.client.stderr.join('')).toBe('');
    expect(await s.client.shutdown()).toBe(0);
  });
});
