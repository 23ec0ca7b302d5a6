import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audit } from '../../src/index.js';
import { compileCacheDir } from '../../src/cli/compile-cache.js';
import { provenant, REPO, sanitize } from '../helpers/exec.js';
import { useTmpProjects } from '../helpers/tmp.js';

const project = useTmpProjects({ 'provenant.toml': '' });
const LAB = {
  'scripts/run.py': 'import subprocess\nsubprocess.run(["python", "scripts/gen.py"], check=True)\n',
  'scripts/eval.py': 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\ntok.apply_chat_template(m)\n',
};

const folders: string[] = [];
afterEach(() => {
  for (const f of folders.splice(0)) {
    chmodSync(f, 0o700);
    rmSync(f, { recursive: true, force: true });
  }
});
function folder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-v8cache-'));
  folders.push(dir);
  return dir;
}

const cacheFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.v8cache'));

describe('provenant audit starts from its bundle with a code cache', () => {
  it('writes the cache on the first audit and uses it, untouched, on the next', () => {
    const dir = project(LAB);
    const cache = folder();
    const env = { PROVENANT_COMPILE_CACHE: cache };
    const first = provenant(['audit', '--no-cache'], dir, env);
    expect(first.code).toBe(1);
    const [file] = cacheFiles(cache);
    expect(file).toMatch(/^audit-entry--[0-9a-f]{12}--v\d+\.\d+\.\d+-\w+\.v8cache$/);
    const written = statSync(path.join(cache, file!));
    expect(written.size).toBeGreaterThan(10_000);

    const second = provenant(['audit', '--no-cache'], dir, env);
    expect(second.code).toBe(1);
    expect(sanitize(second.stdout)).toBe(sanitize(first.stdout));
    // a cache V8 accepted is not written again (a write is a new file renamed into place)
    const after = statSync(path.join(cache, file!));
    expect([after.ino, after.mtimeMs]).toEqual([written.ino, written.mtimeMs]);
  });

  it('a run with parse workers (which change V8 flags while they run) writes a cache the next run without them uses', () => {
    const dir = project(LAB);
    const cache = folder();
    const first = provenant(['audit', '--no-cache'], dir, { PROVENANT_COMPILE_CACHE: cache, PROVENANT_PARSE_WORKERS: '1' });
    expect(first.code).toBe(1);
    const [file] = cacheFiles(cache);
    const written = statSync(path.join(cache, file!));
    const second = provenant(['audit', '--no-cache'], dir, { PROVENANT_COMPILE_CACHE: cache, PROVENANT_PARSE_WORKERS: '0' });
    expect(sanitize(second.stdout)).toBe(sanitize(first.stdout));
    const after = statSync(path.join(cache, file!));
    expect([after.ino, after.mtimeMs]).toEqual([written.ino, written.mtimeMs]);
  });

  it('a corrupt cache is refused by V8, the audit runs as usual and the cache is written anew', () => {
    const dir = project(LAB);
    const cache = folder();
    const env = { PROVENANT_COMPILE_CACHE: cache };
    const reference = provenant(['audit', '--no-cache'], dir, env);
    const [file] = cacheFiles(cache);
    const garbage = Buffer.alloc(statSync(path.join(cache, file!)).size, 0x5a);
    writeFileSync(path.join(cache, file!), garbage);

    const run = provenant(['audit', '--no-cache'], dir, env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(sanitize(run.stdout)).toBe(sanitize(reference.stdout));
    expect(readFileSync(path.join(cache, file!)).equals(garbage)).toBe(false);
  });

  it('keeps the four newest caches of the audit bundle, and files of others', () => {
    const dir = project(LAB);
    const cache = folder();
    const old = (name: string, age: number) => {
      writeFileSync(path.join(cache, name), 'stale');
      const when = new Date(Date.now() - age * 60_000);
      utimesSync(path.join(cache, name), when, when);
    };
    for (let i = 1; i <= 5; i++) old(`audit-entry--00000000000${i}--v0.0.${i}-x64.v8cache`, i);
    old('other-tool--000000000001--v0.0.1-x64.v8cache', 9);
    expect(provenant(['audit'], dir, { PROVENANT_COMPILE_CACHE: cache }).code).toBe(1);
    const left = cacheFiles(cache).sort();
    expect(left.filter((n) => n.startsWith('audit-entry--'))).toHaveLength(4);
    // the new one and the three youngest old ones
    expect(left).toContain('audit-entry--000000000001--v0.0.1-x64.v8cache');
    expect(left).toContain('audit-entry--000000000003--v0.0.3-x64.v8cache');
    expect(left).not.toContain('audit-entry--000000000004--v0.0.4-x64.v8cache');
    expect(left).toContain('other-tool--000000000001--v0.0.1-x64.v8cache');
  });

  it('an unusable cache folder never fails the audit', () => {
    const dir = project(LAB);
    const blocker = path.join(folder(), 'not-a-folder');
    writeFileSync(blocker, 'a file where the cache folder should be');
    const run = provenant(['audit'], dir, { PROVENANT_COMPILE_CACHE: path.join(blocker, 'v8') });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('TMPL001');
  });

  it.skipIf(process.getuid?.() === 0)('a read-only cache folder never fails the audit', () => {
    const dir = project(LAB);
    const cache = folder();
    chmodSync(cache, 0o500);
    const run = provenant(['audit'], dir, { PROVENANT_COMPILE_CACHE: cache });
    expect(run.code).toBe(1);
    expect(cacheFiles(cache)).toEqual([]);
  });

  it('--help and usage errors write no cache; PROVENANT_COMPILE_CACHE=off writes none at all', () => {
    const dir = project(LAB);
    const cache = folder();
    expect(provenant(['audit', '--help'], dir, { PROVENANT_COMPILE_CACHE: cache }).code).toBe(0);
    expect(provenant(['audit', '--format', 'xml'], dir, { PROVENANT_COMPILE_CACHE: cache }).code).toBe(2);
    expect(cacheFiles(cache)).toEqual([]);

    const home = folder();
    const off = provenant(['audit'], dir, { PROVENANT_COMPILE_CACHE: 'off', HOME: home, XDG_CACHE_HOME: path.join(home, 'xdg') });
    expect(off.code).toBe(1);
    expect(readdirSync(home)).toEqual([]);
  });

  it('the bundled CLI and the library share one facts cache: what the CLI parsed, audit() does not parse again', async () => {
    const dir = project(LAB);
    expect(provenant(['audit'], dir).code).toBe(1);
    const warm = await audit({ paths: [dir], cwd: dir });
    expect(warm.stats.filesParsed).toBe(0);
    expect(warm.findings.map((f) => f.code).sort()).toEqual(['LOAD001', 'SCRIPT002', 'TMPL001']);
  });
});

describe('a broken install', () => {
  it('without its bundle, provenant audit exits 3 and says the package is incomplete', () => {
    const pkg = folder();
    // the start-up bundle and the bin, but not the audit bundle beside it
    for (const rel of ['dist/bundle/fast-start.cjs', 'bin/provenant.js', 'bin/package.json']) {
      mkdirSync(path.dirname(path.join(pkg, rel)), { recursive: true });
      copyFileSync(path.join(REPO, rel), path.join(pkg, rel));
    }
    writeFileSync(path.join(pkg, 'package.json'), '{"type": "module"}');
    const r = spawnSync(process.execPath, [path.join(pkg, 'bin', 'provenant.js'), 'audit'], { cwd: pkg, encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('cannot start');
    expect(r.stderr).toContain('audit-entry.cjs');
    expect(r.stderr).toContain('reinstall provenant');
  });
});

describe('compileCacheDir', () => {
  it('follows PROVENANT_COMPILE_CACHE, then the platform cache folder', () => {
    expect(compileCacheDir({ PROVENANT_COMPILE_CACHE: 'off' })).toBeNull();
    expect(compileCacheDir({ PROVENANT_COMPILE_CACHE: '0' })).toBeNull();
    expect(compileCacheDir({ PROVENANT_COMPILE_CACHE: '/somewhere/else' })).toBe(path.resolve('/somewhere/else'));
    if (process.platform === 'linux') {
      expect(compileCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/provenant/v8');
      expect(compileCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'provenant', 'v8'));
    }
    expect(existsSync(compileCacheDir({ PROVENANT_COMPILE_CACHE: '/nonexistent/x' }) ?? '')).toBe(false);
  });
});
