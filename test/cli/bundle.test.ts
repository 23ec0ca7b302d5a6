/**
 * The audit bundle (dist/bundle/audit-entry.cjs) runs as CommonJS through V8's code cache, where a dynamic
 * `import()` has no loader to call and an ES-module-only package cannot be required (Node 20). Both would
 * fail only when the path that reaches them runs, so the built file is checked as a whole here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/exec.js';

const BUNDLE = path.join(REPO, 'dist', 'bundle', 'audit-entry.cjs');

describe('the audit bundle', () => {
  const source = readFileSync(BUNDLE, 'utf8');

  it('has no dynamic import left', () => {
    // as esbuild prints a call: `import(` right after an operator, a bracket or a space
    expect(source.match(/(?<![\w$@.])import\(/g) ?? []).toEqual([]);
  });

  it('requires only packages that load as CommonJS', () => {
    const required = new Set([...source.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1] ?? ''));
    const packages = [...required].filter((name) => !name.startsWith('.') && !name.startsWith('node:') && !builtinModules.includes(name));
    expect(packages.sort()).toEqual(['better-sqlite3', 'diff', 'simple-git', 'toml-eslint-parser', 'yaml', 'zod']);
    // each in a process of its own, required from the bundle's folder as the bundle does
    const probe = `const r = require('node:module').createRequire(${JSON.stringify(BUNDLE)}); for (const p of ${JSON.stringify(packages)}) r(p);`;
    const run = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('loads and exports what bin/provenant.js calls', () => {
    const probe = `const b = require(${JSON.stringify(BUNDLE)}); process.stdout.write(JSON.stringify([typeof b.runAudit, typeof b.warmUp]));`;
    const run = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(['function', 'function']);
  });
});
