/**
 * `provenant server` offers the audit's fixes as code actions, end to end over stdio: a safe fix as the
 * preferred quick fix, an unsafe one marked so, a notebook's fix on its cell, and every safe fix of a file
 * at once (`source.fixAll.provenant`); each applied edit is audited again.
 */
import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../bench/lsp-client.js';
import { codes, useServer } from './project.js';

const CONFIG = 'base-models = ["Qwen/Qwen2.5-7B"]\n';

const GEN = [
  'import subprocess',
  'from transformers import AutoTokenizer',
  '',
  'tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")',
  'enc = tok("Instruction: name a fruit.\\nResponse:", return_tensors="pt", add_special_tokens=True)',
  'ids = tok("Response:", add_special_tokens=True)',
  'subprocess.run(["python", "scripts/old.py", "--n", "3"], check=True)',
  '',
].join('\n');

const REGISTRY = 'version: 1\nfiles:\n  scripts/old.py.DEPRECATED:\n    status: deprecated\n    replaced_by: scripts/new.py\n    reason: wrote templated prompts\n';

const s = useServer({ 'provenant.toml': CONFIG, 'provenant-registry.yaml': REGISTRY, 'scripts/new.py': 'print("new")\n', 'scripts/fix_me.py': GEN }, { path: 'scripts/fix_me.py', text: GEN });

const uri = () => s.uri('scripts/fix_me.py');
const range = (line: number) => ({ start: { line, character: 0 }, end: { line, character: 200 } });

describe('provenant server: fixes', () => {
  it('offers a safe fix as the preferred quick fix, before the suppression, and the edit removes the finding', async () => {
    const diagnostics = s.client.diagnostics(uri())?.diagnostics ?? [];
    const tok = diagnostics.find((d) => d.code === 'TOK001' && d.range.start.line === 4);
    if (!tok) throw new Error(`no TOK001 on line 5: ${JSON.stringify(codes(diagnostics))}`);
    const actions = await s.client.codeActions(uri(), tok.range, [tok]);
    expect(actions.map((a) => [a.kind, a.isPreferred ?? false])).toEqual([
      ['quickfix', true],
      ['quickfix', false],
    ]);
    expect(actions[0]?.title).toMatch(/\(TOK001\)$/);
    const fixed = applyEdits(GEN, actions[0]?.edit?.changes?.[uri()] ?? []);
    expect(fixed.split('\n')[4]).toContain('add_special_tokens=False');
    const version = await s.client.change(uri(), fixed);
    const after = await s.client.waitForDiagnostics(uri(), (p) => p.version === version);
    expect(after.diagnostics.filter((d) => d.code === 'TOK001').map((d) => d.range.start.line)).toEqual([5]);
    const back = await s.client.change(uri(), GEN);
    await s.client.waitForDiagnostics(uri(), (p) => p.version === back);
  });

  it('marks an unsafe fix (the registry\'s replacement of a deprecated script) and never prefers it', async () => {
    const script = (s.client.diagnostics(uri())?.diagnostics ?? []).find((d) => d.code === 'SCRIPT001');
    if (!script) throw new Error('no SCRIPT001');
    const [fix] = await s.client.codeActions(uri(), script.range, [script]);
    expect(fix?.title).toMatch(/\(SCRIPT001, unsafe\)$/);
    expect(fix?.isPreferred).toBe(false);
    expect(applyEdits(GEN, fix?.edit?.changes?.[uri()] ?? []).split('\n')[6]).toContain('scripts/new.py');
  });

  it('applies every safe fix of the file as one source action, and none unsafe', async () => {
    const actions = await s.client.codeActions(uri(), range(0), [], ['source.fixAll']);
    const all = actions.find((a) => a.kind === 'source.fixAll.provenant');
    expect(all?.title).toBe('Apply 2 safe provenant fixes');
    const fixed = applyEdits(GEN, all?.edit?.changes?.[uri()] ?? []);
    expect(fixed.match(/add_special_tokens=False/g)).toHaveLength(2);
    expect(fixed).toContain('scripts/old.py');
    const version = await s.client.change(uri(), fixed);
    const after = await s.client.waitForDiagnostics(uri(), (p) => p.version === version);
    expect(codes(after.diagnostics)).not.toContain('TOK001');
    // not asked for: no source action among the quick fixes
    expect((await s.client.codeActions(uri(), range(6), [])).some((a) => a.kind === 'source.fixAll.provenant')).toBe(false);
  });

  it('puts a notebook fix on its cell', async () => {
    const nb = s.uri('nb/fix.ipynb');
    s.repo.write({ 'nb/fix.ipynb': '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}' });
    const cell = (i: number) => `vscode-notebook-cell:${s.file('nb/fix.ipynb')}#c${i}`;
    await s.client.openNotebook(nb, [
      { kind: 'markdown', uri: cell(0), text: '# Tokenize\n' },
      { kind: 'code', uri: cell(1), text: 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n' },
      { kind: 'code', uri: cell(2), text: 'ids = tok("Response:", add_special_tokens=True)\n' },
    ]);
    const published = await s.client.waitForDiagnostics(cell(2), (p) => p.diagnostics.some((d) => d.code === 'TOK001'));
    const tok = published.diagnostics.find((d) => d.code === 'TOK001');
    if (!tok) throw new Error('no TOK001');
    const [fix] = await s.client.codeActions(cell(2), tok.range, [tok]);
    const edits = fix?.edit?.changes?.[cell(2)] ?? [];
    expect(edits.length).toBeGreaterThan(0);
    expect(applyEdits('ids = tok("Response:", add_special_tokens=True)\n', edits)).toBe('ids = tok("Response:", add_special_tokens=False)\n');
  });
});
