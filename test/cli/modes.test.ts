import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { provenant } from '../helpers/exec.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});
function repo(files?: Record<string, string>): GitDir {
  const r = makeGitDir(files);
  repos.push(r);
  return r;
}

const LOAD = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n';
const CLEAN = 'print("clean")\n';
/** With a loader to bypass, LOAD is an error (without one, a load by hand is only `info`). */
const WITH_LOADER = 'sanctioned-loaders = ["utils.loader.CleanLoader"]\n';

/** A sanctioned loader for zero-config inference to find. */
const CLEAN_LOADER = [
  'from transformers import AutoTokenizer',
  'class CleanLoader:',
  '    def load(self, name):',
  '        tok = AutoTokenizer.from_pretrained(name)',
  '        tok.chat_template = None',
  '        return tok',
  '',
].join('\n');

/** A script that loads through CleanLoader (line 4) and around it (line 5); script calls follow. */
const RUN_HEAD = [
  'import subprocess',
  'from utils.loader import CleanLoader',
  'from transformers import AutoTokenizer',
  'tok = CleanLoader().load("Qwen/Qwen2.5-7B")',
  'raw = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")',
];

/** `path:line CODE` of each finding of a JSON report. */
const lines = (out: string) =>
  (JSON.parse(out).findings as { code: string; path: string; span: { line: number } }[]).map((f) => `${f.path}:${f.span.line} ${f.code}`);

describe('audit modes end to end', () => {
  it('baseline: write it, fail only on new findings, prune fixed ones', () => {
    const r = repo({ 'provenant.toml': WITH_LOADER, 'a.py': LOAD });
    expect(provenant(['audit'], r.root).code).toBe(1);
    const write = provenant(['audit', '--write-baseline'], r.root);
    expect(write.code).toBe(0);
    expect(write.stderr).toContain('wrote 1 findings to');
    expect(provenant(['audit'], r.root).code).toBe(0);
    // a second identical load is new, even though the first is baselined
    writeFileSync(path.join(r.root, 'a.py'), LOAD + 'tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n');
    const fresh = provenant(['audit', '--format', 'json'], r.root);
    expect(fresh.code).toBe(1);
    expect(JSON.parse(fresh.stdout).findings.map((f: { span: { line: number } }) => f.span.line)).toEqual([3]);
    // fix everything: update drops the entry
    writeFileSync(path.join(r.root, 'a.py'), CLEAN);
    const update = provenant(['audit', '--update-baseline'], r.root);
    expect(update.code).toBe(0);
    expect(update.stderr).toContain('dropped 1 fixed');
  });

  it('a narrowed run refuses to write the baseline', () => {
    const r = repo({ 'provenant.toml': '', 'a.py': LOAD });
    const narrowed = provenant(['audit', '--write-baseline', '--select', 'LOAD'], r.root);
    expect(narrowed.code).toBe(2);
    expect(narrowed.stderr).toContain('needs a run over the whole project');
  });

  it('a corrupt baseline and one from a newer version are usage errors naming the file', () => {
    const r = repo({ 'provenant.toml': '', 'a.py': LOAD });
    writeFileSync(path.join(r.root, '.provenant-baseline.json'), '{"version": 1, "tool": "provenant", "entries": [');
    const corrupt = provenant(['audit'], r.root);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/\.provenant-baseline\.json:\d+:\d+/);
    writeFileSync(path.join(r.root, '.provenant-baseline.json'), '{"version": 2, "tool": "provenant", "entries": []}\n');
    const newer = provenant(['audit'], r.root);
    expect(newer.code).toBe(2);
    expect(newer.stderr).toContain('written by a newer provenant (format 2)');
    for (const run of [corrupt, newer]) expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('--staged audits the index, not the working tree, and resolves scripts against the whole tree', () => {
    const r = repo({ 'provenant.toml': '', 'scripts/gen.py': CLEAN, 'run.py': CLEAN });
    writeFileSync(path.join(r.root, 'run.py'), 'import subprocess\nsubprocess.run(["python", "scripts/gen.py"])\nsubprocess.run(["python", "scripts/gone.py"])\n');
    r.add('run.py');
    writeFileSync(path.join(r.root, 'run.py'), CLEAN); // unstaged fix: the commit would still carry the bug
    const staged = provenant(['audit', '--staged', '--format', 'json'], r.root);
    expect(staged.code).toBe(1);
    const findings = JSON.parse(staged.stdout).findings as { code: string; span: { line: number } }[];
    expect(findings.map((f) => `${f.span.line} ${f.code}`)).toEqual(['3 SCRIPT002']);
    expect(provenant(['audit'], r.root).code).toBe(0);
  });

  it('--staged with a warm cache (no tree walk) reports what a walking run reports', () => {
    const r = repo({
      'provenant.toml': '',
      'utils/loader.py': CLEAN_LOADER,
      'scripts/gen.py': CLEAN,
      'pkg/__init__.py': '',
      'pkg/tool.py': CLEAN,
      'build/gen.py': CLEAN,
    });
    expect(provenant(['audit'], r.root).code).toBe(0); // warms the cache
    r.write({
      'run.py': [
        ...RUN_HEAD,
        'subprocess.run(["python", "scripts/gen.py"])',
        'subprocess.run(["python", "scripts/gone.py"])',
        'subprocess.run(["python", "build/gen.py"])',
        'subprocess.run(["python", "-m", "pkg.tool"])',
        'subprocess.run(["python", "-m", "pkg.missing"])',
        '',
      ].join('\n'),
      'build/skip.py': LOAD,
    });
    r.add('run.py', 'build/skip.py');
    const fast = provenant(['audit', '--staged', '--format', 'json'], r.root);
    const walked = provenant(['audit', '--staged', '--no-cache', '--format', 'json'], r.root);
    expect(fast.code).toBe(1);
    expect(lines(fast.stdout)).toEqual(lines(walked.stdout));
    // build/ is excluded, so the project holds no such folder: build/gen.py is not this project's file
    expect(lines(fast.stdout)).toEqual(['run.py:5 LOAD001', 'run.py:7 SCRIPT002', 'run.py:10 SCRIPT002']);
  });

  it('named files with a warm cache (no tree walk, as a pre-commit hook passes them) report what a walking run reports', () => {
    const r = repo({ 'provenant.toml': '', 'utils/loader.py': CLEAN_LOADER, 'scripts/gen.py': CLEAN, 'pkg/__init__.py': '', 'pkg/tool.py': CLEAN });
    expect(provenant(['audit'], r.root).code).toBe(0); // warms the cache
    r.write({
      'run.py': [
        ...RUN_HEAD,
        'subprocess.run(["python", "scripts/gen.py"])',
        'subprocess.run(["python", "scripts/gone.py"])',
        'subprocess.run(["python", "-m", "pkg.tool"])',
        'subprocess.run(["python", "-m", "pkg.missing"])',
        '',
      ].join('\n'),
      'build/named.py': LOAD,
    });
    const fast = provenant(['audit', 'run.py', 'build/named.py', '--format', 'json'], r.root);
    const walked = provenant(['audit', 'run.py', 'build/named.py', '--no-cache', '--format', 'json'], r.root);
    expect(fast.code).toBe(1);
    expect(lines(fast.stdout)).toEqual(lines(walked.stdout));
    // a file named on the command line is audited even inside an excluded folder, as in a walking run
    expect(lines(fast.stdout)).toEqual(['build/named.py:2 LOAD001', 'run.py:5 LOAD001', 'run.py:7 SCRIPT002', 'run.py:9 SCRIPT002']);
    // a folder among the targets means a walk, with the same answer
    expect(lines(provenant(['audit', 'run.py', 'pkg', '--format', 'json'], r.root).stdout)).toEqual(['run.py:5 LOAD001', 'run.py:7 SCRIPT002', 'run.py:9 SCRIPT002']);
    const missing = provenant(['audit', 'nope.py'], r.root);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.py: no such file or directory');
  });

  it('near-duplicates without a walk: the index stands, and a file a match points at is checked again', () => {
    const score = (name: string) =>
      [
        `def ${name}(rows, weights, floor=0.05):`,
        '    # weighted log-prob score of each row, clipped at the floor',
        '    total = 0.0',
        '    count = 0',
        '    for row in rows:',
        '        value = sum(w * row.get(k, 0.0) for k, w in weights.items())',
        '        if value < floor:',
        '            value = floor',
        '        total += value',
        '        count += 1',
        '    return total / max(count, 1)',
        '',
      ].join('\n');
    // a registry makes DUP001 compare against the whole project
    const r = repo({ 'provenant.toml': '', 'IMPLEMENTATION_REGISTRY.md': '# registry\n', 'lib/score.py': score('score_rows'), 'lib/other.py': CLEAN });
    expect(provenant(['audit'], r.root).code).toBe(0); // indexes every function
    const dupes = () => {
      const run = provenant(['audit', '--staged', '--select', 'DUP001', '--format', 'json'], r.root);
      expect(run.stderr).toBe('');
      return (JSON.parse(run.stdout).findings as { path: string; message: string }[]).map((f) => `${f.path} ${f.message.includes('lib/score.py') ? 'of lib/score.py' : f.message}`);
    };
    r.write({ 'new/copy.py': score('rank_rows') });
    r.add('new/copy.py');
    expect(dupes()).toEqual(['new/copy.py of lib/score.py']);
    // the copied function leaves lib/score.py, and no walking run has seen it since: the match is checked
    writeFileSync(path.join(r.root, 'lib/score.py'), CLEAN);
    expect(dupes()).toEqual([]);
  });

  it('--staged and a full run agree on a folder left with only excluded files', () => {
    const r = repo({ 'provenant.toml': '', 'scripts/__pycache__/train.cpython-311.pyc': 'x' });
    r.write({ 'run.sh': 'python scripts/train.py\n' });
    const codes = (args: string[]) => (JSON.parse(provenant(['audit', ...args, '--format', 'json'], r.root).stdout).findings as { code: string }[]).map((f) => f.code);
    const full = codes([]); // fills the cache, so --staged then answers without a walk
    r.add('run.sh');
    expect(codes(['--staged'])).toEqual(full);
    expect(full).toEqual([]);
  });

  it('--staged works on a detached HEAD and in a repository with no commits', () => {
    const r = repo({ 'provenant.toml': WITH_LOADER, 'a.py': CLEAN });
    r.commitFiles({ 'b.py': CLEAN });
    r.git(['checkout', '--detach', 'HEAD~1']);
    r.write({ 'c.py': LOAD });
    r.add('c.py');
    expect(provenant(['audit', '--staged'], r.root).code).toBe(1);
    const empty = repo();
    empty.write({ 'provenant.toml': WITH_LOADER, 'new.py': LOAD });
    empty.add();
    const first = provenant(['audit', '--staged', '--format', 'json'], empty.root);
    expect(first.code).toBe(1);
    expect(JSON.parse(first.stdout).findings[0].path).toBe('new.py');
  });

  it('--changed-since: changed files only; a missing revision and a repo with no commits are usage errors', () => {
    const r = repo({ 'provenant.toml': '', 'old.py': LOAD });
    const base = r.commitFiles({ 'other.py': CLEAN });
    r.write({ 'new.py': LOAD });
    const changed = provenant(['audit', '--changed-since', base, '--format', 'json'], r.root);
    expect(JSON.parse(changed.stdout).findings.map((f: { path: string }) => f.path)).toEqual(['new.py']);
    const missing = provenant(['audit', '--changed-since', 'no-such-rev'], r.root);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("unknown revision 'no-such-rev'");
    const empty = repo();
    empty.write({ 'provenant.toml': '' });
    const none = provenant(['audit', '--changed-since', 'HEAD'], empty.root);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('has no commits yet');
  });

  it('--changed-since beyond a shallow clone\'s boundary says so', () => {
    const r = repo({ 'provenant.toml': '', 'a.py': CLEAN });
    const first = r.git(['rev-parse', 'HEAD']).trim();
    r.commitFiles({ 'b.py': CLEAN });
    const clone = repo();
    clone.git(['fetch', '--depth', '1', `file://${r.root}`, 'HEAD']);
    clone.git(['checkout', 'FETCH_HEAD']);
    const shallow = provenant(['audit', '--changed-since', first], clone.root);
    expect(shallow.code).toBe(2);
    expect(shallow.stderr).toContain('shallow');
  });

  it('suppressions: silenced with a reason; reason-less, unknown and unused ones are reported', () => {
    const r = repo({
      'provenant.toml': '',
      'a.py':
        LOAD.trimEnd() + '  # provenant: ignore[LOAD001] converting weights only\n' +
        'tok2 = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")  # provenant: ignore[LOAD01] typo\n' +
        'x = 1  # provenant: ignore[TMPL001]\n',
    });
    const out = provenant(['audit', '--format', 'json'], r.root);
    expect(out.code).toBe(1);
    const report = JSON.parse(out.stdout);
    expect(report.findings.map((f: { code: string; span: { line: number } }) => `${f.span.line} ${f.code}`)).toEqual([
      '3 LOAD001',
      '3 SUPP003',
      '4 SUPP001',
      '4 SUPP002',
    ]);
    expect(report.stats.suppressed).toBe(1);
  });
});
