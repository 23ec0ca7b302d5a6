import { mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/index.js';
import { provenant } from '../helpers/exec.js';
import { useTmpProjects } from '../helpers/tmp.js';

const project = useTmpProjects({ 'provenant.toml': '' });

const LOAD = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n';

describe('bad input', () => {
  it('analyses what parses in a file with syntax errors and reports where it broke', async () => {
    const dir = project({ 'broken.py': `${LOAD}def broken(:\n    pass\ntok2 = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n` });
    const r = await audit({ paths: [dir], cwd: dir });
    const codes = r.findings.map((f) => `${f.span.line} ${f.code}`);
    expect(codes).toContain('2 LOAD001');
    expect(codes).toContain('5 LOAD001');
    expect(codes.some((c) => c.endsWith('PARSE001'))).toBe(true);
  });

  it('skips a non-UTF-8 file it would analyse, with the line of the first bad byte', async () => {
    const bad = Buffer.concat([Buffer.from(`${LOAD}# caf`), Buffer.from([0xe9]), Buffer.from('\n')]);
    const dir = project({ 'latin.py': bad, 'unrelated.py': Buffer.from([0x23, 0x20, 0xe9, 0x0a]) });
    const r = await audit({ paths: [dir], cwd: dir });
    // unrelated.py mentions nothing any rule looks for, so it is never decoded or parsed
    expect(r.skipped).toEqual([{ path: 'latin.py', reason: 'not valid UTF-8 (line 3) and no coding declaration' }]);
  });

  it('decodes files that declare their encoding', async () => {
    const src = Buffer.concat([Buffer.from('# -*- coding: latin-1 -*-\n# caf'), Buffer.from([0xe9]), Buffer.from(`\n${LOAD}`)]);
    const dir = project({ 'declared.py': src });
    const r = await audit({ paths: [dir], cwd: dir });
    expect(r.skipped).toEqual([]);
    expect(r.findings.map((f) => f.code)).toEqual(['LOAD001']);
  });

  it('skips binary files', async () => {
    const dir = project({ 'blob.py': Buffer.from([0x66, 0x72, 0x6f, 0x6d, 0x00, 0x01, 0x02]) });
    const r = await audit({ paths: [dir], cwd: dir });
    expect(r.skipped).toEqual([{ path: 'blob.py', reason: 'binary file (contains NUL bytes)' }]);
  });

  it('skips files over max-file-size with the sizes, and audits a 10 MB file when allowed', async () => {
    const line = 'x = tokenizer.encode(text, add_special_tokens=False)\n';
    const big = line.repeat(Math.ceil(10_000_000 / line.length));
    const dir = project({ 'generated.py': big });
    const r = await audit({ paths: [dir], cwd: dir });
    expect(r.skipped[0]?.reason).toMatch(/^too large \(10\.0 MB > max-file-size 2\.0 MB\)$/);
    writeFileSync(path.join(dir, 'provenant.toml'), 'max-file-size = 20_000_000\n');
    const r2 = await audit({ paths: [dir], cwd: dir });
    expect(r2.skipped).toEqual([]);
    expect(r2.stats.filesAnalysed).toBe(1);
  });

  it('survives a symlink loop', async () => {
    const dir = project({ 'a/x.py': LOAD });
    symlinkSync(path.join(dir, 'a'), path.join(dir, 'a', 'loop'));
    const r = await audit({ paths: [dir], cwd: dir });
    expect(r.findings.map((f) => f.path)).toEqual(['a/x.py']);
    expect(r.skipped).toEqual([{ path: 'a/loop', reason: 'symlink loop: this folder was already walked' }]);
  });

  it('skips a dangling symlink with a reason', async () => {
    const dir = project({ 'x.py': LOAD });
    symlinkSync(path.join(dir, 'gone.py'), path.join(dir, 'dangling.py'));
    const r = await audit({ paths: [dir], cwd: dir });
    expect(r.skipped).toEqual([{ path: 'dangling.py', reason: 'broken symlink' }]);
  });

  it('audits an empty repo cleanly', async () => {
    const dir = project({});
    mkdirSync(path.join(dir, 'empty'));
    const r = await audit({ paths: [dir], cwd: dir });
    expect(r.findings).toEqual([]);
    // only its provenant.toml, read like any TOML config
    expect(r.stats.filesDiscovered).toBe(1);
  });

  it('a path that does not exist is a usage error (exit 2) naming it', () => {
    const dir = project({});
    const r = provenant(['audit', 'nope/missing.py'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.py: no such file or directory');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a broken config is exit 2 with the file, line and key', () => {
    const dir = project({ 'x.py': LOAD });
    writeFileSync(path.join(dir, 'provenant.toml'), 'fail-on = "fatal"\n');
    const r = provenant(['audit', '.'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/provenant\.toml:1.*fail-on/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a file that vanishes between discovery and reading is skipped', async () => {
    const dir = project({ 'x.py': LOAD });
    const files = await import('../../src/core/files.js');
    const d = files.discover({ root: dir, targets: [dir], include: ['**/*.py'], exclude: [] });
    unlinkSync(path.join(dir, 'x.py'));
    const file = d.files[0];
    expect(file).toBeDefined();
    if (file) expect(files.readSource(file, 1e6)).toEqual({ ok: false, reason: 'vanished during the scan' });
  });
});

describe('bad input to script-call and remote-code analysis', () => {
  const codes = (r: { findings: Array<{ path: string; span: { line: number }; code: string }> }) =>
    r.findings.map((f) => `${f.path}:${f.span.line} ${f.code}`);

  it('a cd into a folder that does not exist leaves later targets unknown, not missing', async () => {
    const dir = project({
      'scripts/existing.py': 'print(1)\n',
      'run.sh': 'cd build/generated && python gen.py\ncd "$(mktemp -d)"\npython hello.py\ncd /nonexistent\nbash ./setup.sh\n',
    });
    expect(codes(await audit({ paths: [dir], cwd: dir, select: ['SCRIPT'] }))).toEqual([]);
  });

  it('a recursive wrapper function terminates', async () => {
    const src = [
      'import subprocess',
      'def run(cmd, tries=3):',
      '    try:',
      '        return subprocess.run(cmd, check=True)',
      '    except subprocess.CalledProcessError:',
      '        return run(cmd, tries - 1) if tries else None',
      'def a(cmd):',
      '    return b(cmd)',
      'def b(cmd):',
      '    return a(cmd)',
      'run(["python", "scripts/gone.py"])',
      'a(["python", "scripts/existing.py"])',
      '',
    ].join('\n');
    const dir = project({ 'scripts/existing.py': 'print(1)\n', 'pipeline.py': src });
    expect(codes(await audit({ paths: [dir], cwd: dir, select: ['SCRIPT'] }))).toEqual(['pipeline.py:11 SCRIPT002']);
  });

  it('a model id built at run time still reports the remote-code flag, and no script', async () => {
    const src = 'import os, subprocess, sys\nfrom transformers import AutoModelForCausalLM\nm = AutoModelForCausalLM.from_pretrained(f"{os.environ[\'ORG\']}/{size}", trust_remote_code=True)\nsubprocess.run([sys.executable, f"scripts/{name}.py"])\n';
    const dir = project({ 'load.py': src });
    expect(codes(await audit({ paths: [dir], cwd: dir, select: ['LOAD002', 'SCRIPT'] }))).toEqual(['load.py:3 LOAD002']);
  });

  it('a notebook saved as .py: magics are no crash, and targets after %cd are unknown', async () => {
    const src = '# %%\n!pip install -q vllm\n%cd /content/lab\nget_ipython().system("python scripts/gen.py")\nimport subprocess\nsubprocess.run(["python", "train.py"])\n';
    const dir = project({ 'notebooks/demo.py': src });
    const r = await audit({ paths: [dir], cwd: dir, select: ['SCRIPT', 'PARSE'] });
    expect(codes(r).filter((c) => c.includes('SCRIPT'))).toEqual([]);
    expect(codes(r).some((c) => c.endsWith('PARSE001'))).toBe(true);
  });

  it('JSON and TOML configs enter the audit only when they mention a trigger; large ones are data', async () => {
    const dir = project({
      'configs/run.json': '{"model": "deepseek-ai/DeepSeek-V2-Lite", "trust_remote_code": true}\n',
      'configs/eval.toml': '[model]\ntrust_remote_code = true\n',
      'configs/other.json': '{"lr": 1e-5}\n',
      'data/big.json': `[${'{"trust_remote_code": true},'.repeat(90_000)}{}]`,
    });
    const r = await audit({ paths: [dir], cwd: dir, select: ['LOAD002'] });
    expect(codes(r)).toEqual(['configs/eval.toml:2 LOAD002', 'configs/run.json:1 LOAD002']);
    expect(r.skipped).toEqual([]);
  });
});

