/**
 * What a broken release or a wrong machine looks like to the person installing it: a tarball without the
 * grammar, a registry that is down, a Node that is too old. Each is a message naming what is missing.
 * (The whole release check, pack → install → audit, is `npm run release:check`, run by CI.)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO } from '../helpers/exec.js';

const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const SCRIPT = path.join(REPO, 'scripts', 'release-check.mjs');

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('release check and install problems', () => {
  let tmp: string;
  let tarball: string;

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'provenant-release-test-'));
    // dist/ is built by the suite; --ignore-scripts leaves it alone while other tests use it
    const packed = sh('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp], REPO);
    expect(packed.code, packed.stderr).toBe(0);
    tarball = path.join(tmp, `provenant-cli-${VERSION}.tgz`);
  }, 120_000);

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("npm pack prints only the tarball's name, even with the prepare build running (pre-commit reads it)", () => {
    const pkg = path.join(tmp, 'noisy');
    mkdirSync(pkg);
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'noisy', version: '1.0.0', scripts: { prepare: 'echo build output on stdout' } }));
    const without = sh('npm', ['pack', '--dry-run'], pkg);
    expect(without.stdout).toContain('build output on stdout');
    writeFileSync(path.join(pkg, '.npmrc'), readFileSync(path.join(REPO, '.npmrc')));
    const withRc = sh('npm', ['pack', '--dry-run'], pkg);
    expect(withRc.code).toBe(0);
    expect(withRc.stdout).toBe('noisy-1.0.0.tgz\n');
  });

  it('a tarball without the grammar is refused, naming the file', () => {
    const unpacked = path.join(tmp, 'unpacked');
    mkdirSync(unpacked);
    expect(sh('tar', ['xzf', tarball, '-C', unpacked], tmp).code).toBe(0);
    rmSync(path.join(unpacked, 'package', 'grammars', 'tree-sitter-python.wasm'));
    const broken = path.join(tmp, 'broken.tgz');
    expect(sh('tar', ['czf', broken, '-C', unpacked, 'package'], tmp).code).toBe(0);
    const r = sh(process.execPath, [SCRIPT, '--tarball', broken], REPO);
    expect(r.stderr).toContain('broken.tgz lacks package/grammars/tree-sitter-python.wasm');
    expect(r.code).toBe(1);
  });

  it('a registry that is down is exit 2 naming the registry', () => {
    const down = 'http://127.0.0.1:9/';
    const r = sh(process.execPath, [SCRIPT, '--tarball', tarball, '--registry', down], REPO, {
      ...process.env,
      npm_config_fetch_retries: '0',
      npm_config_cache: path.join(tmp, 'empty-cache'),
    });
    expect(r.stderr).toContain(`cannot reach the npm registry ${down}`);
    expect(r.code).toBe(2);
  });

  it('an installed provenant on a Node older than 20.19 says so, with exit 2', () => {
    const old = path.join(tmp, 'old-node.cjs');
    writeFileSync(old, "Object.defineProperty(process.versions, 'node', { value: '18.19.0' });\n");
    for (const args of [['audit'], ['verify', 'x']]) {
      const r = sh(process.execPath, ['--require', old, BIN, ...args], tmp);
      expect(r.stderr).toBe(`provenant: error: needs Node 20.19 or newer; this is Node 18.19.0 (${process.execPath})\n  hint: install a current Node (https://nodejs.org), or select one with nvm/fnm/volta, then run provenant again\n`);
      expect(r.code).toBe(2);
    }
  });
});
