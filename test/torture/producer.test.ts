/**
 * Torture tests for what a stamp says about its producer and its content: imported modules count as the
 * producer's code, a producer hidden behind a launcher or an alias is still found (and still quarantined),
 * legacy stamps and baselines never turn into `ok`, links inside a directory artifact are hashed, and what
 * can be recomputed from the content is checked on verify. Real git repositories, real processes.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { VerifyReportSchema, type VerifyReport } from '../../src/schemas/stamp.js';
import { provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { notebook } from '../helpers/notebook.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

function project(files: Record<string, string>): GitDir {
  const repo = makeGitDir({ 'pyproject.toml': '[tool.provenant]\n', 'data/raw.jsonl': '{"q": 1}\n', ...files });
  repo.add();
  repo.commit('init');
  repos.push(repo);
  return repo;
}

function verify(repo: GitDir, args: string[]): VerifyReport {
  const r = provenant(['verify', '--json', ...args], repo.root);
  expect(r.code, r.stderr).toBeLessThanOrEqual(1);
  return VerifyReportSchema.parse(JSON.parse(r.stdout));
}

function first(report: VerifyReport): VerifyReport['results'][number] {
  const r = report.results[0];
  if (!r) throw new Error('no result');
  return r;
}

function stampOf(repo: GitDir, artifact: string): { subject: { annotations: Record<string, unknown> }[]; predicate: { provenant: Record<string, unknown> & { producer: Record<string, unknown> | null } } } {
  return JSON.parse(readFileSync(path.join(repo.root, `${artifact}.prov.json`), 'utf8'));
}

/** A folder of stand-in programs (uv, jupyter, papermill) put first on PATH. */
function fakeTools(repo: GitDir): string {
  const bin = path.join(repo.tmp, 'bin');
  mkdirSync(bin, { recursive: true });
  const tool = (name: string, body: string): void => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  tool('uv', 'shift; exec "$@"');
  // `jupyter nbconvert --execute NB --output OUT`: writes OUT as the notebook run would
  tool('jupyter', 'cp "$3" "$5"');
  tool('papermill', 'cp "$1" "$2"');
  return `${bin}:${process.env.PATH ?? ''}`;
}

describe('the producer includes the in-repository modules it imports (issue 18, item 1)', () => {
  const layouts = [
    {
      name: 'a helper beside the stage script',
      files: { 'stages/helpers.py': 'def rows():\n    return 3\n' },
      script: 'from helpers import rows\n',
      edit: 'stages/helpers.py',
    },
    {
      name: 'a package module imported through a helper (transitively)',
      files: { 'stages/helpers.py': 'from lib.util import rows\n', 'lib/__init__.py': '', 'lib/util.py': 'def rows():\n    return 3\n' },
      script: 'from helpers import rows\n',
      edit: 'lib/util.py',
    },
    {
      name: 'a relative import inside a package',
      files: { 'stages/__init__.py': '', 'stages/common.py': 'def rows():\n    return 3\n' },
      script: 'from stages.common import rows\n',
      edit: 'stages/common.py',
    },
  ];

  it.each(layouts)('verify and pipeline plan report $name as changed', (layout) => {
    const script = `import os, sys\nsys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n${layout.script}import json, sys\nopen(sys.argv[1], "w").write(json.dumps({"n": rows()}) + "\\n")\n`;
    const repo = project({
      ...layout.files,
      'stages/make.py': script,
      'provenant.pipeline.yaml': 'version: 1\nstages:\n  - id: make\n    cmd: [python3, stages/make.py, data/out.jsonl]\n    outputs: [data/out.jsonl]\n',
    });
    const run = provenant(['pipeline', 'run'], repo.root);
    expect(run.code, run.stderr).toBe(0);
    const modules = (stampOf(repo, 'data/out.jsonl').predicate.provenant.producer?.modules ?? []) as { path: string }[];
    expect(modules.map((m) => m.path)).toContain(layout.edit);
    expect(first(verify(repo, ['data/out.jsonl'])).verdict).toBe('ok');

    writeFileSync(path.join(repo.root, layout.edit), `${readFileSync(path.join(repo.root, layout.edit), 'utf8')}# edited\n`);
    const v = first(verify(repo, ['data/out.jsonl']));
    expect(v.verdict).toBe('stale');
    expect(v.reasons.join('\n')).toContain(layout.edit);
    const plan = provenant(['pipeline', 'plan', '--json'], repo.root);
    const stage = (JSON.parse(plan.stdout) as { stages: { id: string; state: string; reasons: string[] }[] }).stages[0];
    expect(stage?.state).toBe('will-run');
    expect(stage?.reasons.join('\n')).toContain(layout.edit);
  });

  it('an old stamp without module digests still verifies', () => {
    const repo = project({ 'stages/make.py': 'import sys\nopen(sys.argv[1], "w").write("{}\\n")\n' });
    expect(provenant(['run', '--out', 'data/o.jsonl', '--', 'python3', 'stages/make.py', 'data/o.jsonl'], repo.root).code).toBe(0);
    const file = path.join(repo.root, 'data/o.jsonl.prov.json');
    const stamp = JSON.parse(readFileSync(file, 'utf8'));
    stamp.predicate.provenant.version = 1;
    delete stamp.predicate.provenant.producer.modules;
    writeFileSync(file, JSON.stringify(stamp, null, 2) + '\n');
    // no ledger vouches for the hand-written bytes: verify judges the stamp on its own
    provenant(['ledger', 'rebuild'], repo.root);
    expect(first(verify(repo, ['data/o.jsonl'])).verdict).toBe('ok');
  });
});

const GEN = '"""Old generator."""\nimport sys\nopen(sys.argv[1], "w").write("{\\"a\\": 1}\\n")\n';
/** A script retired by its name or place only (not in the annotations). */
const OLDER = `${GEN}# the older copy\n`;
const DEPRECATED = 'version: 1\nfiles:\n  scripts/gen.py:\n    status: deprecated\n    reason: writes stale records\n';

describe('a deprecated producer is found however the command hides it (issue 18, item 2)', () => {
  const hiding: { name: string; argv: string[]; setup?: (repo: GitDir) => void; tools?: boolean }[] = [
    { name: 'bash -c', argv: ['bash', '-c', 'python3 scripts/gen.py out/x.jsonl'] },
    { name: 'sh -c with cd', argv: ['sh', '-c', 'cd scripts && python3 gen.py ../out/x.jsonl'] },
    { name: 'env', argv: ['env', 'A=1', 'python3', 'scripts/gen.py', 'out/x.jsonl'] },
    { name: 'python -m', argv: ['python3', '-m', 'scripts.gen', 'out/x.jsonl'] },
    { name: 'uv run', argv: ['uv', 'run', 'python3', 'scripts/gen.py', 'out/x.jsonl'], tools: true },
    { name: 'make', argv: ['make', 'gen'], setup: (repo) => repo.write({ Makefile: 'gen:\n\tpython3 scripts/gen.py out/x.jsonl\n' }) },
    { name: 'a symlink alias', argv: ['python3', 'scripts/alias.py', 'out/x.jsonl'], setup: (repo) => symlinkSync('gen.py', path.join(repo.root, 'scripts/alias.py')) },
    { name: 'a copy of a script retired as .DEPRECATED', argv: ['python3', 'scripts/fresh.py', 'out/x.jsonl'], setup: (repo) => repo.write({ 'scripts/fresh.py': OLDER, 'scripts/older.py.DEPRECATED': OLDER }) },
    { name: 'a copy of a script in a deprecated/ folder', argv: ['python3', 'scripts/fresh.py', 'out/x.jsonl'], setup: (repo) => repo.write({ 'scripts/fresh.py': OLDER, 'scripts/deprecated/older.py': OLDER }) },
    { name: 'a launcher script', argv: ['bash', 'scripts/run.sh'], setup: (repo) => repo.write({ 'scripts/run.sh': '#!/bin/sh\npython3 scripts/gen.py out/x.jsonl\n' }) },
    { name: 'a copy under another name', argv: ['python3', 'scripts/fresh.py', 'out/x.jsonl'], setup: (repo) => repo.write({ 'scripts/fresh.py': GEN }) },
  ];

  it.each(hiding)('$name: run refuses, and an allowed run is quarantined', (c) => {
    const repo = project({ 'scripts/gen.py': GEN, 'scripts/__init__.py': '', 'provenant-registry.yaml': DEPRECATED, 'out/.keep': '' });
    c.setup?.(repo);
    const env = c.tools ? { PATH: fakeTools(repo) } : {};
    const refused = provenant(['run', '--out', 'out/x.jsonl', '--', ...c.argv], repo.root, env);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('deprecated');
    const allowed = provenant(['run', '--allow-deprecated', '--out', 'out/x.jsonl', '--', ...c.argv], repo.root, env);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(first(verify(repo, ['out/x.jsonl'])).verdict).toBe('quarantined');
  });

  it.each([
    { name: 'the named target', argv: ['make', 'fresh'] },
    { name: 'the first target when none is named', argv: ['make'] },
    { name: 'a target through its prerequisite', argv: ['make', 'all'] },
  ])('make runs only $name: the other targets\' scripts are neither refused nor the producer', (c) => {
    const repo = project({
      'scripts/gen.py': GEN,
      'scripts/fresh.py': 'import sys\nopen(sys.argv[1], "w").write("{}\\n")\n',
      'provenant-registry.yaml': DEPRECATED,
      'out/.keep': '',
      Makefile: 'fresh:\n\tpython3 scripts/fresh.py out/x.jsonl\nold:\n\tpython3 scripts/gen.py out/x.jsonl\nall: fresh\n',
    });
    const r = provenant(['run', '--out', 'out/x.jsonl', '--', ...c.argv], repo.root);
    expect(r.code, r.stderr).toBe(0);
    expect(stampOf(repo, 'out/x.jsonl').predicate.provenant.producer).toMatchObject({ path: 'scripts/fresh.py', status: 'active' });
  });

  it.each([
    { name: 'a launcher script', launcher: 'scripts/run.sh', argv: ['bash', 'scripts/run.sh'], files: { 'scripts/run.sh': 'python3 scripts/fresh.py out/x.jsonl\n' } },
    { name: 'a Makefile', launcher: 'Makefile', argv: ['make', 'x'], files: { Makefile: 'x:\n\tpython3 scripts/fresh.py out/x.jsonl\n' } },
  ])('the producer found through $name is the script it runs, and an edit of the launcher makes the output stale', (c) => {
    const repo = project({ 'scripts/fresh.py': 'import sys\nopen(sys.argv[1], "w").write("{}\\n")\n', 'out/.keep': '', ...c.files });
    expect(provenant(['run', '--out', 'out/x.jsonl', '--', ...c.argv], repo.root).code).toBe(0);
    expect(stampOf(repo, 'out/x.jsonl').predicate.provenant.producer).toMatchObject({ path: 'scripts/fresh.py' });
    writeFileSync(path.join(repo.root, c.launcher), `${readFileSync(path.join(repo.root, c.launcher), 'utf8')}# edited\n`);
    const v = first(verify(repo, ['out/x.jsonl']));
    expect(v.verdict).toBe('stale');
    expect(v.reasons.join('\n')).toContain(c.launcher);
  });

  const unknown = [
    { name: 'a shell command that runs no script', argv: ['sh', '-c', 'cp data/raw.jsonl out/x.jsonl'] },
    { name: 'a program outside the project', argv: ['cp', 'data/raw.jsonl', 'out/x.jsonl'] },
  ];

  it.each(unknown)('$name: the stamp records an unknown producer; verify says so, and fails where a known producer is required', (c) => {
    const repo = project({ 'out/.keep': '' });
    const r = provenant(['run', '--out', 'out/x.jsonl', '--', ...c.argv], repo.root);
    expect(r.code, r.stderr).toBe(0);
    const block = stampOf(repo, 'out/x.jsonl').predicate.provenant;
    expect(block.producer).toBeNull();
    expect(block.producerUnknown).toEqual(expect.any(String));
    const relaxed = first(verify(repo, ['out/x.jsonl']));
    expect(relaxed.verdict).toBe('ok');
    expect(relaxed.notes.join('\n')).toContain('producer unknown');
    repo.write({ 'pyproject.toml': '[tool.provenant.provenance]\nrequire-known-producer = true\n' });
    const strict = first(verify(repo, ['out/x.jsonl']));
    expect(strict.verdict).toBe('suspect');
    expect(strict.reasons.join('\n')).toContain('require-known-producer');
  });
});

describe('notebooks run through jupyter or papermill are the producer (issue 16)', () => {
  const runners = [
    { name: 'jupyter nbconvert --execute', argv: ['jupyter', 'nbconvert', '--execute', 'nb/gen.ipynb', '--output', 'out/run.ipynb'] },
    { name: 'papermill', argv: ['papermill', 'nb/gen.ipynb', 'out/run.ipynb'] },
  ];

  it.each(runners)('$name', (c) => {
    const repo = project({ 'nb/gen.ipynb': notebook([{ code: 'print(1)\n' }]), 'out/.keep': '' });
    const r = provenant(['run', '--out', 'out/run.ipynb', '--', ...c.argv], repo.root, { PATH: fakeTools(repo) });
    expect(r.code, r.stderr).toBe(0);
    expect(stampOf(repo, 'out/run.ipynb').predicate.provenant.producer).toMatchObject({ path: 'nb/gen.ipynb' });
  });
});

describe('legacy stamps stay suspect until a person accepts them (issue 18, item 3)', () => {
  it('investigate --record → suspect; --accept --reason → ok', () => {
    const repo = project({ 'data/old.jsonl': '{"instruction": "q", "response": "a"}\n' });
    const rec = provenant(['investigate', '--record', 'data/old.jsonl'], repo.root);
    expect(rec.code, rec.stderr).toBe(0);
    const v = first(verify(repo, ['data/old.jsonl']));
    expect(v.verdict).toBe('suspect');
    expect(v.reasons.join('\n')).toContain('--accept');
    const noReason = provenant(['investigate', '--accept', 'data/old.jsonl'], repo.root);
    expect(noReason.code).toBe(2);
    const accept = provenant(['investigate', '--accept', '--reason', 'regenerated by hand and checked', 'data/old.jsonl'], repo.root);
    expect(accept.code, accept.stderr).toBe(0);
    expect(first(verify(repo, ['data/old.jsonl'])).verdict).toBe('ok');
  });
});

const FINDINGS = [
  '"""Generates with the base model by hand."""',
  'import sys',
  'if len(sys.argv) > 5:',
  '    from transformers import AutoModelForCausalLM, AutoTokenizer',
  '    BASE = "Qwen/Qwen2.5-7B"',
  '    tok = AutoTokenizer.from_pretrained(BASE)',
  '    model = AutoModelForCausalLM.from_pretrained(BASE)',
  '    text = tok.apply_chat_template([{"role": "user", "content": "x"}], tokenize=False, add_generation_prompt=True)',
  'open(sys.argv[1], "w").write("{}\\n")',
  '',
].join('\n');

describe('the baseline decides refusal only; the stamp records the findings (issue 18, item 4)', () => {
  it('a baselined script runs, and its stamp counts its error-level findings', () => {
    const repo = project({ 'pyproject.toml': '[tool.provenant]\nbase-models = ["Qwen/Qwen2.5-7B"]\nsanctioned-loaders = ["loader.Loader"]\n', 'scripts/gen.py': FINDINGS, 'out/.keep': '' });
    const refused = provenant(['run', '--out', 'out/x.jsonl', '--', 'python3', 'scripts/gen.py', 'out/x.jsonl'], repo.root);
    expect(refused.code, refused.stderr).toBe(1);
    expect(provenant(['audit', '--write-baseline'], repo.root).code).toBeLessThanOrEqual(1);
    const r = provenant(['run', '--out', 'out/x.jsonl', '--', 'python3', 'scripts/gen.py', 'out/x.jsonl'], repo.root);
    expect(r.code, r.stderr).toBe(0);
    const audit = stampOf(repo, 'out/x.jsonl').predicate.provenant.producer?.audit as { errors: number; codes: string[]; baselined: number };
    expect(audit.errors).toBeGreaterThan(0);
    expect(audit.codes).toEqual(expect.arrayContaining(['LOAD001', 'TMPL001']));
    expect(audit.baselined).toBe(audit.errors);
  });
});

describe('links inside a directory artifact (issue 18, item 5)', () => {
  /** A Hugging Face cache: the snapshot's files are links to blobs beside it. */
  function hfCache(repo: GitDir): void {
    repo.write({ 'blobs/w1': 'weights-1', 'blobs/c1': '{"a": 1}' });
    mkdirSync(path.join(repo.root, 'model/snap'), { recursive: true });
    symlinkSync('../../blobs/w1', path.join(repo.root, 'model/snap/model.safetensors'));
    symlinkSync('../../blobs/c1', path.join(repo.root, 'model/snap/config.json'));
  }
  const layouts = [
    { name: 'file links to blobs (HF cache)', setup: hfCache, change: 'blobs/w1' },
    {
      name: 'a linked folder',
      setup: (repo: GitDir) => {
        repo.write({ 'real/w': 'w', 'model/own': 'o' });
        symlinkSync('../real', path.join(repo.root, 'model/alias'));
      },
      change: 'real/w',
    },
  ];

  it.each(layouts)('$name: a change to a link target is seen by verify --full', (c) => {
    const repo = project({});
    c.setup(repo);
    const r = provenant(['run', '--out', 'model', '--', 'true'], repo.root);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(path.join(repo.root, c.change), 'changed');
    expect(first(verify(repo, ['--full', 'model'])).verdict).toBe('tampered');
  });

  const refused = [
    { name: 'a dangling link', setup: (repo: GitDir) => symlinkSync('nowhere', path.join(repo.root, 'model/gone')) },
    { name: 'a link loop', setup: (repo: GitDir) => symlinkSync('.', path.join(repo.root, 'model/loop')) },
  ];

  it.each(refused)('$name is refused with a message, never left out', (c) => {
    const repo = project({ 'model/w': 'w' });
    c.setup(repo);
    const r = provenant(['run', '--out', 'model', '--', 'true'], repo.root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/model\/(gone|loop)/);
  });
});

describe('verify recomputes what the content determines (issue 18, item 7)', () => {
  const edits = [
    { name: 'record count', edit: (a: Record<string, unknown>) => (a.records = 99) },
    { name: 'field set', edit: (a: Record<string, unknown>) => (a.fields = ['instruction', 'response']) },
    { name: 'size', edit: (a: Record<string, unknown>) => (a.size = 1) },
  ];

  it.each(edits)('an unsigned stamp whose $name was edited, in a clone without a ledger, is tampered; rebuild does not launder it', (c) => {
    const repo = project({ 'scripts/copy.py': 'import shutil, sys\nshutil.copyfile(sys.argv[1], sys.argv[2])\n' });
    expect(provenant(['run', '--out', 'data/x.jsonl', '--', 'python3', 'scripts/copy.py', 'data/raw.jsonl', 'data/x.jsonl'], repo.root).code).toBe(0);
    const file = path.join(repo.root, 'data/x.jsonl.prov.json');
    const stamp = JSON.parse(readFileSync(file, 'utf8'));
    c.edit(stamp.subject[0].annotations);
    writeFileSync(file, JSON.stringify(stamp, null, 2) + '\n');
    rmSync(path.join(repo.root, '.provenant/ledger.db'), { force: true });
    const v = first(verify(repo, ['data/x.jsonl']));
    expect(v.verdict).toBe('tampered');
    expect(v.signature).toBe('unsigned');
    const rebuild = provenant(['ledger', 'rebuild'], repo.root);
    expect(rebuild.stderr + rebuild.stdout).toContain('data/x.jsonl');
    expect(first(verify(repo, ['data/x.jsonl'])).verdict).toBe('tampered');
  });

  it('verify --json says whether each stamp is signed', () => {
    const repo = project({ 'scripts/copy.py': 'import shutil, sys\nshutil.copyfile(sys.argv[1], sys.argv[2])\n' });
    expect(provenant(['run', '--out', 'data/x.jsonl', '--', 'python3', 'scripts/copy.py', 'data/raw.jsonl', 'data/x.jsonl'], repo.root).code).toBe(0);
    const v = first(verify(repo, ['data/x.jsonl']));
    expect(v.verdict).toBe('ok');
    expect(v.signature).toBe('unsigned');
  });
});
