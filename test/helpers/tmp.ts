import { afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
