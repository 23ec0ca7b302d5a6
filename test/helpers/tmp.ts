import { afterAll, afterEach } from 'vitest';
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A temp project built from a map of relative path → content; removed by the returned cleanup. */
export function tmpProject(files: Record<string, string | Buffer>): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provenant-test-'));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * For a test file: `project(files)` builds a temp project over `base` (e.g. its provenant.toml), and every
 * project is removed after each test. Call at the top level of the file.
 */
export function useTmpProjects(base: Record<string, string | Buffer>): (files: Record<string, string | Buffer>) => string {
  let cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups) c();
    cleanups = [];
  });
  return (files) => {
    const p = tmpProject({ ...base, ...files });
    cleanups.push(p.cleanup);
    return p.dir;
  };
}

/**
 * For a test file that audits an example with the cache on: a copy of examples/<name> at
 * `<root>/examples/<name>`, so paths print as they do from the repository, while the cache (`.provenant/`)
 * is written into the copy and never into the example. Made when called, removed after the file's tests.
 */
export function useExampleCopy(name = 'stage1-lab'): { root: string; dir: string } {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const root = mkdtempSync(path.join(os.tmpdir(), `provenant-${name}-`));
  const dir = path.join(root, 'examples', name);
  cpSync(path.join(repo, 'examples', name), dir, { recursive: true, filter: (src) => path.basename(src) !== '.provenant' });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return { root, dir };
}
