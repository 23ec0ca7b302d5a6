import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audit } from '../../src/index.js';
import { tmpProject } from '../helpers/tmp.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

function lab(): string {
  const p = tmpProject({
    'provenant.toml': '',
    'scripts/run.py': 'import subprocess\nsubprocess.run(["python", "scripts/gen.py"], check=True)\n',
    'scripts/eval.py': 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\ntok.apply_chat_template(m)\n',
    'scripts/clean.py': 'print("nothing to see")\n',
  });
  cleanups.push(p.cleanup);
  return p.dir;
}

const codes = (r: Awaited<ReturnType<typeof audit>>) => r.findings.map((f) => `${f.path}:${f.span.line} ${f.code}`);

describe('facts and results cache', () => {
  it('a warm run parses nothing and reports exactly what the cold run reported', async () => {
    const dir = lab();
    const cold = await audit({ paths: [dir], cwd: dir });
    expect(cold.stats.filesParsed).toBe(2);
    const warm = await audit({ paths: [dir], cwd: dir });
    expect(warm.stats.filesParsed).toBe(0);
    expect(warm.findings).toEqual(cold.findings);
    const fresh = await audit({ paths: [dir], cwd: dir, noCache: true });
    expect(fresh.findings).toEqual(cold.findings);
  });

  it('recomputes results when another file appears (cross-file rules) but does not re-parse', async () => {
    const dir = lab();
    expect(codes(await audit({ paths: [dir], cwd: dir }))).toContain('scripts/run.py:2 SCRIPT002');
    writeFileSync(path.join(dir, 'scripts', 'gen.py'), 'print("generated")\n');
    const after = await audit({ paths: [dir], cwd: dir });
    expect(codes(after)).not.toContain('scripts/run.py:2 SCRIPT002');
    expect(after.stats.filesParsed).toBe(0);
  });

  it('recomputes results when the config changes', async () => {
    const dir = lab();
    const before = await audit({ paths: [dir], cwd: dir });
    expect(before.findings.find((f) => f.code === 'TMPL001')?.severity).toBe('error');
    writeFileSync(path.join(dir, 'provenant.toml'), 'instruct-models = ["Qwen/Qwen2.5-7B"]\n');
    const after = await audit({ paths: [dir], cwd: dir });
    expect(after.findings.find((f) => f.code === 'TMPL001')).toBeUndefined();
  });

  it('re-parses an edited file only', async () => {
    const dir = lab();
    await audit({ paths: [dir], cwd: dir });
    writeFileSync(path.join(dir, 'scripts', 'eval.py'), 'from transformers import AutoTokenizer\n\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n');
    const after = await audit({ paths: [dir], cwd: dir });
    expect(after.stats.filesParsed).toBe(1);
    expect(codes(after)).toEqual(['scripts/eval.py:3 LOAD001', 'scripts/run.py:2 SCRIPT002']);
  });

  it('a corrupt cache is rebuilt with a warning, and the audit is unchanged', async () => {
    const dir = lab();
    const cold = await audit({ paths: [dir], cwd: dir });
    writeFileSync(path.join(dir, '.provenant', 'provenant.db'), Buffer.alloc(8192, 7));
    const again = await audit({ paths: [dir], cwd: dir });
    expect(again.warnings.join('\n')).toMatch(/provenant\.db: cache is corrupt .*; rebuilding/);
    expect(again.findings).toEqual(cold.findings);
  });
});
