/**
 * Symlinks inside the project must not lead provenant's writes, or its walks, outside the project root.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

/** A repository and a folder beside it (outside the project), holding a file and a script tree. */
function layout(toml = ''): { repo: GitDir; outside: string } {
  const repo = makeGitDir({ 'provenant.toml': toml, 'data.txt': 'd\n' });
  repo.add();
  repo.commit('init');
  repos.push(repo);
  const outside = path.join(repo.tmp, 'outside');
  mkdirSync(path.join(outside, 'init.d'), { recursive: true });
  writeFileSync(path.join(outside, 'hostname'), 'host\n');
  writeFileSync(path.join(outside, 'legacy.jsonl'), '{"prompt": "p", "completion": "c"}\n');
  writeFileSync(path.join(outside, 'init.d', 'daemon.py'), '"""A system daemon outside the project."""\nfrom transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n');
  return { repo, outside };
}

const untouched = (outside: string): void => {
  expect(readdirSync(outside).sort()).toEqual(['hostname', 'init.d', 'legacy.jsonl']);
  expect(readdirSync(path.join(outside, 'init.d'))).toEqual(['daemon.py']);
};

describe('writes through a symlink are refused (exit 2) before anything runs', () => {
  const cases: { name: string; toml?: string; link: (repo: string, outside: string) => void; args: string[]; spec?: string; code?: number }[] = [
    { name: 'run --out through a symlinked folder', link: (r, o) => symlinkSync(o, path.join(r, 'ext')), args: ['run', '--out', 'ext/o.jsonl', '--', 'sh', '-c', 'touch ran'] },
    { name: 'run --out a symlink to a file outside', link: (r, o) => symlinkSync(path.join(o, 'hostname'), path.join(r, 'host')), args: ['run', '--out', 'host', '--', 'sh', '-c', 'touch ran'] },
    { name: 'run --out a dangling symlink pointing outside', link: (r, o) => symlinkSync(path.join(o, 'new.txt'), path.join(r, 'new.txt')), args: ['run', '--out', 'new.txt', '--', 'sh', '-c', 'touch ran'] },
    { name: 'stamps-dir that is a symlink', toml: '[provenance]\nstamps-dir = "stamps"\n', link: (r, o) => symlinkSync(o, path.join(r, 'stamps')), args: ['run', '--out', 'o.txt', '--', 'sh', '-c', 'touch ran o.txt'] },
    {
      name: 'a pipeline output through a symlinked folder',
      link: (r, o) => symlinkSync(o, path.join(r, 'ext')),
      spec: 'version: 1\nstages:\n  - id: a\n    cmd: [sh, -c, "touch ran"]\n    outputs: [ext/out.txt]\n',
      args: ['pipeline', 'run'],
      // refused by the pre-flight, before any stage runs
      code: 1,
    },
    { name: 'investigate --record through a symlinked folder', link: (r, o) => symlinkSync(o, path.join(r, 'ext')), args: ['investigate', 'ext/legacy.jsonl', '--record'] },
  ];
  it.each(cases)('$name', ({ toml, link, args, spec, code }) => {
    const { repo, outside } = layout(toml);
    link(repo.root, outside);
    if (spec) writeFileSync(path.join(repo.root, 'provenant.pipeline.yaml'), spec);
    const r = provenant(args, repo.root);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code, r.stderr).toBe(code ?? 2);
    expect(r.stdout + r.stderr).toMatch(/outside the project/);
    expect(existsSync(path.join(repo.root, 'ran'))).toBe(false);
    untouched(outside);
  });

  it('a symlink that stays inside the project is fine', () => {
    const { repo } = layout();
    mkdirSync(path.join(repo.root, 'real'));
    symlinkSync(path.join(repo.root, 'real'), path.join(repo.root, 'alias'));
    const r = provenant(['run', '--out', 'alias/o.txt', '--', 'sh', '-c', 'echo x > alias/o.txt'], repo.root);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(repo.root, 'real', 'o.txt.prov.json'))).toBe(true);
  });
});

describe('walks do not leave the root through links', () => {
  const links: { name: string; make: (repo: string, outside: string) => void }[] = [
    { name: 'a symlinked folder', make: (r, o) => symlinkSync(o, path.join(r, 'etc')) },
    { name: 'a symlinked file', make: (r, o) => symlinkSync(path.join(o, 'init.d', 'daemon.py'), path.join(r, 'daemon.py')) },
  ];
  it.each(links)('registry sync and audit: $name', ({ make }) => {
    const { repo, outside } = layout();
    make(repo.root, outside);
    const sync = provenant(['registry', 'sync'], repo.root);
    expect(sync.code, sync.stderr).toBe(0);
    const md = readFileSync(path.join(repo.root, 'IMPLEMENTATION_REGISTRY.md'), 'utf8');
    expect(md).not.toMatch(/daemon/);
    const audit = provenant(['audit', '--format', 'json'], repo.root);
    const report = JSON.parse(audit.stdout) as { findings: { path: string }[]; skipped: { reason: string }[] };
    expect(report.findings.map((f) => f.path)).toEqual([]);
    expect(report.skipped.map((s) => s.reason).join('\n')).toMatch(/outside the project/);
    untouched(outside);
  });
});
