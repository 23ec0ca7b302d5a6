import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRASH_ENV } from '../../src/analysis/parse-worker.js';
import { audit } from '../../src/index.js';
import { provenant } from '../helpers/exec.js';
import { useTmpProjects } from '../helpers/tmp.js';

const project = useTmpProjects({ 'provenant.toml': '' });

const LOAD = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n';
const TEMPLATE = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\ntok.apply_chat_template(m)\n';

/** A lab whose files were last written a minute ago: old enough for the run memo to trust their mtimes. */
function agedLab(extra: Record<string, string> = {}): string {
  const dir = project({
    'scripts/run.py': 'import subprocess\nsubprocess.run(["python", "scripts/gen.py"], check=True)\n',
    'scripts/eval.py': TEMPLATE,
    'scripts/clean.py': 'print("nothing to see")\n',
    ...extra,
  });
  age(dir);
  return dir;
}

/** Sets every file's mtime a minute back (the tree as a previous session left it). */
function age(dir: string, seconds = 60): void {
  const when = Date.now() / 1000 - seconds;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.provenant') continue;
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else utimesSync(abs, when, when);
    }
  };
  walk(dir);
}

interface Report {
  findings: { code: string; path: string }[];
  stats: { filesParsed: number; seconds: number };
  summary: Record<string, number>;
  fixable: Record<string, number>;
}

/** The JSON report without what says how the run went (its time, how many files it parsed). */
const steady = (stdout: string): string => stdout.replace(/"seconds": [0-9.e-]+/, '"seconds": 0').replace(/"filesParsed": \d+/, '"filesParsed": 0');

describe('the run memo: an unchanged tree answered whole', () => {
  it('answers an unchanged tree without reading a file, with the bytes a fresh run prints, and the same exit code', () => {
    const dir = agedLab();
    const cold = provenant(['audit', '--format', 'json', '.'], dir);
    const fresh = provenant(['audit', '--no-cache', '--format', 'json', '.'], dir);
    const warm = provenant(['audit', '--format', 'json', '.'], dir);
    expect(cold.code).toBe(1);
    expect(warm.code).toBe(1);
    expect(steady(warm.stdout)).toBe(steady(fresh.stdout));
    expect(steady(warm.stdout)).toBe(steady(cold.stdout));
    const report = JSON.parse(warm.stdout) as Report;
    expect(report.findings.map((f) => f.code).sort()).toEqual(['LOAD001', 'SCRIPT002', 'TMPL001']);
    expect(report.stats.filesParsed).toBe(0);
    expect(report.summary.error).toBe(2);
    // the text report reads the remembered findings too
    const text = provenant(['audit', '.'], dir);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/scripts\/eval\.py:3:\d+: TMPL001/);
    expect(provenant(['audit', '--exit-zero', '.'], dir).code).toBe(0);
  });

  it('the library returns remembered findings as findings', async () => {
    const dir = agedLab();
    const cold = await audit({ paths: [dir], cwd: dir });
    expect(cold.remembered).toBeUndefined();
    const warm = await audit({ paths: [dir], cwd: dir });
    expect(warm.remembered).toBeDefined();
    expect(warm.stats.filesParsed).toBe(0);
    expect(warm.findings).toEqual(cold.findings);
    expect({ ...warm, remembered: undefined, stats: null }).toEqual({ ...cold, remembered: undefined, stats: null });
  });

  it('an edited file, a new file, a removed file or a changed config is audited again', async () => {
    const dir = agedLab();
    await audit({ paths: [dir], cwd: dir });
    // same size, new mtime: the run sees the edit
    writeFileSync(path.join(dir, 'scripts', 'eval.py'), TEMPLATE.replace('Qwen2.5-7B', 'Qwen2.5-8B'));
    const edited = await audit({ paths: [dir], cwd: dir });
    expect(edited.remembered).toBeUndefined();
    expect(edited.findings.find((f) => f.code === 'TMPL001')?.message).toMatch(/Qwen2\.5-8B/);
    age(dir);
    expect((await audit({ paths: [dir], cwd: dir })).remembered).toBeUndefined();
    expect((await audit({ paths: [dir], cwd: dir })).remembered).toBeDefined();
    writeFileSync(path.join(dir, 'scripts', 'gen.py'), 'print("generated")\n');
    age(dir);
    const added = await audit({ paths: [dir], cwd: dir });
    expect(added.remembered).toBeUndefined();
    expect(added.findings.map((f) => f.code)).toEqual(['LOAD001', 'TMPL001']);
    writeFileSync(path.join(dir, 'provenant.toml'), 'instruct-models = ["Qwen/Qwen2.5-8B"]\n');
    age(dir);
    const configured = await audit({ paths: [dir], cwd: dir });
    expect(configured.remembered).toBeUndefined();
    expect(configured.findings).toEqual([]);
    expect((await audit({ paths: [dir], cwd: dir, select: ['SCRIPT'] })).remembered).toBeUndefined();
  });

  it('does not remember a tree with a file written just now (its mtime may not move with the next edit)', async () => {
    const dir = agedLab();
    writeFileSync(path.join(dir, 'scripts', 'clean.py'), 'print("still nothing")\n');
    await audit({ paths: [dir], cwd: dir });
    const again = await audit({ paths: [dir], cwd: dir });
    expect(again.remembered).toBeUndefined();
    expect(again.stats.filesParsed).toBe(0);
  });

  it('applies a baseline to the remembered findings', () => {
    const dir = agedLab();
    expect(provenant(['audit', '--write-baseline', '.'], dir).code).toBe(0);
    age(dir);
    provenant(['audit', '.'], dir);
    const warm = provenant(['audit', '--format', 'json', '.'], dir);
    expect(warm.code).toBe(0);
    expect((JSON.parse(warm.stdout) as Report).findings).toEqual([]);
    expect(JSON.parse(provenant(['audit', '--no-baseline', '--format', 'json', '.'], dir).stdout).findings).toHaveLength(3);
  });

  it('does not remember a run whose parse worker died: the next run analyses the lost file', () => {
    const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`pkg/m${String(i).padStart(3, '0')}.py`, LOAD]));
    const dir = project({ ...files, 'pkg/crash_here.py': LOAD });
    age(dir);
    const crashed = provenant(['audit', '--format', 'json', '.'], dir, { PROVENANT_PARSE_WORKERS: '1', [CRASH_ENV]: 'crash_here' });
    expect(crashed.stdout).toMatch(/not analysed: its parse worker stopped/);
    const again = JSON.parse(provenant(['audit', '--format', 'json', '.'], dir, { PROVENANT_PARSE_WORKERS: '1' }).stdout) as Report;
    expect(again.findings.filter((f) => f.path === 'pkg/crash_here.py').map((f) => f.code)).toEqual(['LOAD001']);
  });

  it('a damaged memo is only recomputed', async () => {
    const dir = agedLab();
    const cold = await audit({ paths: [dir], cwd: dir });
    const db = path.join(dir, '.provenant', 'provenant.db');
    expect(statSync(db).size).toBeGreaterThan(0);
    const Database = (await import('better-sqlite3')).default;
    const handle = new Database(db);
    const key = (handle.prepare('SELECT value FROM memo_bytes').pluck().get() as Buffer).subarray(0, 65);
    handle.prepare('UPDATE memo_bytes SET value = ?').run(Buffer.concat([key, Buffer.from('{"skipped": [\n[')]));
    handle.close();
    const again = await audit({ paths: [dir], cwd: dir });
    expect(again.remembered).toBeUndefined();
    expect(again.findings).toEqual(cold.findings);
    expect(again.warnings).toEqual([]);
  });
});
