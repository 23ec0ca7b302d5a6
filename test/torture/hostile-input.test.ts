/**
 * Hostile input: every case must end in a clear message and exit 2 (or a clean result), never an
 * internal error (exit 3), a hang, or a ledger that stays broken.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/store/ledger.js';
import { readJsonl } from '../../src/provenance/records.js';
import { BIN, provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

function repo(files: Record<string, string> = {}): GitDir {
  const r = makeGitDir({ 'provenant.toml': '', ...files });
  r.add();
  r.commit('init');
  repos.push(r);
  return r;
}

/** A pid no process has: one that just exited. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

const LONG = 'a'.repeat(250);

describe('a 250-character --out name (item 10)', () => {
  it('is refused before the command runs, and leaves no pending ledger row', () => {
    const r = repo();
    const run = provenant(['run', '--out', LONG, '--', 'sh', '-c', `touch ran ${LONG}`], r.root);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/name too long/);
    expect(run.stderr).not.toMatch(/internal error/);
    expect(existsSync(path.join(r.root, 'ran'))).toBe(false);
    writeFileSync(path.join(r.root, 'x.txt'), 'x\n');
    for (const args of [['verify', 'x.txt'], ['ledger', 'rebuild'], ['run', '--out', 'x.txt', '--', 'true']]) {
      const next = provenant(args, r.root);
      expect(next.code, `${args.join(' ')}: ${next.stderr}`).toBeLessThanOrEqual(1);
    }
  });

  it('in a pipeline, the pre-flight blocks that stage before it runs', () => {
    const spec = `version: 1\nstages:\n  - id: first\n    cmd: [sh, -c, "touch ran"]\n    outputs: [ran]\n  - id: long\n    cmd: [sh, -c, "touch ${LONG}"]\n    outputs: [${LONG}]\n`;
    const r = repo({ 'provenant.pipeline.yaml': spec });
    const plan = provenant(['pipeline', 'plan', '--json'], r.root);
    const problems = (JSON.parse(plan.stdout) as { problems: { stage: string; kind: string; message: string }[] }).problems;
    expect(problems).toEqual([expect.objectContaining({ stage: 'long', kind: 'unwritable-output', message: expect.stringMatching(/^output a+: name too long/) })]);
    const run = provenant(['pipeline', 'run'], r.root);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).not.toMatch(/internal error/);
  });

  it('a ledger poisoned by an older version (a pending row whose temporary name is too long) recovers', () => {
    const r = repo({ 'x.txt': 'x\n' });
    const ledger = openLedger(r.root, { create: true })!;
    ledger.planRun({ id: 'old-run', pid: deadPid(), startedAt: '2024-01-01T00:00:00Z' }, [
      { artifact: LONG, sidecar: `${LONG}.prov.json`, tmp: `${LONG}.prov.json.old-run.tmp`, stampSha256: 'a'.repeat(64), artifactSha256: 'b'.repeat(64), producer: null, gitCommit: null, createdAt: '2024-01-01T00:00:00Z', summary: '{}', inputs: [] },
    ]);
    ledger.close();
    for (const args of [['verify', 'x.txt'], ['run', '--out', 'x.txt', '--', 'true'], ['ledger', 'rebuild']]) {
      const next = provenant(args, r.root);
      expect(next.code, `${args.join(' ')}: ${next.stderr}`).toBeLessThanOrEqual(1);
    }
    const again = openLedger(r.root, { create: false })!;
    try {
      expect(again.unfinishedRuns()).toEqual([]);
    } finally {
      again.close();
    }
  });
});

const BOMB = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]', 'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]'].join('\n');

describe('exit 2, not 3 (item 18)', () => {
  const cases: { name: string; files?: Record<string, string>; setup?: (r: GitDir) => void; args: string[]; message: RegExp }[] = [
    { name: 'YAML alias bomb in the pipeline spec', files: { 'provenant.pipeline.yaml': `${BOMB}\nstages: []\n` }, args: ['pipeline', 'plan'], message: /provenant\.pipeline\.yaml.*alias/ },
    { name: 'YAML alias bomb in the registry annotations', files: { 'registry/annotations.yaml': `version: 1\n${BOMB}\nfiles: {}\n`, 'provenant.toml': '[registry]\nannotations = "registry/annotations.yaml"\n' }, args: ['registry', 'sync'], message: /annotations\.yaml.*alias/ },
    { name: 'an empty command', args: ['run', '--out', 'x', '--', ''], message: /empty/ },
    { name: 'one output named twice', args: ['run', '--out', 'a', '--out', './a', '--', 'touch', 'a'], message: /--out a.*twice/ },
    { name: 'ledger.db that is a directory', setup: (r) => mkdirSync(path.join(r.root, '.provenant', 'ledger.db'), { recursive: true }), args: ['run', '--out', 'o', '--', 'touch', 'o'], message: /ledger\.db/ },
  ];
  it.each(cases)('$name', ({ files, setup, args, message }) => {
    const r = repo(files);
    setup?.(r);
    const run = provenant(args, r.root);
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('ledger.db that is a directory: verify says so too', () => {
    const r = repo({ 'x.txt': 'x\n' });
    mkdirSync(path.join(r.root, '.provenant', 'ledger.db'), { recursive: true });
    const run = provenant(['verify', 'x.txt'], r.root);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/ledger\.db.*(directory|folder)/);
  });

  it('a FIFO given as a stamp or a spec does not hang', () => {
    const r = repo({ 'x.txt': 'x\n' });
    spawnSync('mkfifo', [path.join(r.root, 'x.txt.prov.json'), path.join(r.root, 'spec.yaml')]);
    const verify = provenant(['verify', 'x.txt'], r.root);
    expect(verify.stderr).not.toMatch(/internal error/);
    expect(verify.code, verify.stderr).toBe(1);
    expect(verify.stdout + verify.stderr).toMatch(/not a regular file/);
    const plan = provenant(['pipeline', 'plan', '--spec', 'spec.yaml'], r.root);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stderr).toMatch(/spec\.yaml.*not a regular file/);
    spawnSync('mkfifo', [path.join(r.root, 'pipe.jsonl')]);
    const run = provenant(['run', '--out', 'pipe.jsonl', '--', 'sh', '-c', 'touch ran'], r.root);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/--out pipe\.jsonl: a FIFO/);
    expect(existsSync(path.join(r.root, 'ran'))).toBe(false);
  });

  it('a FIFO as the config or the registry annotations does not hang', () => {
    const r = repo();
    spawnSync('mkfifo', [path.join(r.root, 'annotations.yaml')]);
    writeFileSync(path.join(r.root, 'provenant.toml'), '[registry]\nannotations = "annotations.yaml"\n');
    const sync = provenant(['registry', 'sync'], r.root);
    expect(sync.code, sync.stderr).toBe(2);
    expect(sync.stderr).toMatch(/annotations\.yaml: not a regular file \(a FIFO\)/);
    const other = repo();
    const toml = path.join(other.root, 'provenant.toml');
    rmSync(toml);
    spawnSync('mkfifo', [toml]);
    const audit = provenant(['audit'], other.root);
    expect(audit.code, audit.stderr).toBe(2);
    expect(audit.stderr).toMatch(/provenant\.toml: not a regular file \(a FIFO\)/);
  });

  it('lineage and verify of a 5,000-deep chain', () => {
    const r = repo({ 'd0.txt': '0\n' });
    const first = provenant(['run', '--out', 'd0.txt', '--', 'true'], r.root);
    expect(first.code, first.stderr).toBe(0);
    const template = JSON.parse(readFileSync(path.join(r.root, 'd0.txt.prov.json'), 'utf8'));
    const digest = template.subject[0].digest.sha256 as string;
    for (let i = 1; i < 5000; i++) {
      writeFileSync(path.join(r.root, `d${i}.txt`), '0\n');
      const stamp = structuredClone(template);
      stamp.subject[0].name = `d${i}.txt`;
      stamp.predicate.provenant.inputs = [{ path: `d${i - 1}.txt`, sha256: digest, stamp: null }];
      writeFileSync(path.join(r.root, `d${i}.txt.prov.json`), JSON.stringify(stamp));
    }
    for (const format of ['text', 'json', 'mermaid']) {
      const run = spawnSync(process.execPath, [BIN, 'lineage', 'd4999.txt', '--format', format], { cwd: r.root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
      expect(run.stderr).not.toMatch(/internal error/);
      expect(run.status, run.stderr).toBe(0);
      if (format === 'text') expect(run.stdout).toMatch(/note: the tree is more than \d+ levels deep and was cut at d\d+\.txt/);
    }
    const verify = provenant(['verify', 'd4999.txt'], r.root);
    expect(verify.stderr).not.toMatch(/internal error/);
    expect(verify.code, verify.stderr).toBeLessThanOrEqual(1);
  });

  it('a JSONL line longer than the decoding limit is counted by streaming and named, not decoded', () => {
    const r = repo();
    const file = path.join(r.root, 'big.jsonl');
    // 3 MB on one line between two ordinary records; the limit is lowered so the test stays small
    writeFileSync(file, `{"a":1}\n{"text":"${'x'.repeat(3_000_000)}"}\n{"b":2}\n`);
    const summary = readJsonl(file, undefined, { maxLineBytes: 1_000_000 });
    expect(summary.records).toBe(2);
    expect(summary.fields).toEqual(['a', 'b']);
    expect(summary.problem).toMatch(/^line 2: .*longer than/);
  });
});

describe('pipeline params are data, not an object prototype (item 15)', () => {
  const spec = (ref: string): string => `version: 1
stages:
  - id: a
    cmd: [sh, -c, 'echo "$1" > out.txt', sh, "${ref}"]
    outputs: [out.txt]
    params: { n: 5 }
`;
  it.each(['${params.constructor}', '${params.__proto__}', '${params.toString}', '${params.hasOwnProperty}', '${params.missing}', 'x${params.n}${params.nope}'])('%s is a plan error naming the line', (ref) => {
    const r = repo({ 'provenant.pipeline.yaml': spec(ref) });
    for (const command of ['plan', 'run']) {
      const run = provenant(['pipeline', command], r.root);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/provenant\.pipeline\.yaml:4: stage a: .*params\.\w+.*not/);
      expect(existsSync(path.join(r.root, 'out.txt'))).toBe(false);
    }
  });

  it('a smoke param the stage does not have (a typo would run the full size) is a plan error', () => {
    const r = repo({ 'provenant.pipeline.yaml': spec('${params.n}').replace('params: { n: 5 }', 'params: { n: 5 }\n    smoke: { params: { nn: 1 } }') });
    const run = provenant(['pipeline', 'plan', '--smoke'], r.root);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/stage a: smoke param nn overrides no param of the stage/);
  });

  it('a defined param is filled in', () => {
    const r = repo({ 'provenant.pipeline.yaml': spec('${params.n}') });
    const run = provenant(['pipeline', 'run'], r.root);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(path.join(r.root, 'out.txt'), 'utf8')).toBe('5\n');
  });
});

const LOADS = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n';

describe('deeply nested files (item 17, first half)', () => {
  const shapes: { name: string; text: string; reported: boolean }[] = [
    { name: 'parentheses 4,000 deep', text: `x = ${'('.repeat(4000)}1${')'.repeat(4000)}\n`, reported: true },
    { name: 'lists 4,000 deep', text: `x = ${'['.repeat(4000)}${']'.repeat(4000)}\n`, reported: true },
    { name: 'calls 4,000 deep', text: `x = ${'f('.repeat(4000)}${')'.repeat(4000)}\n`, reported: true },
    { name: 'dicts 4,000 deep', text: `x = ${'{"k": '.repeat(4000)}1${'}'.repeat(4000)}\n`, reported: true },
    { name: 'a 20,000-term sum', text: `x = ${Array(20000).fill('"a"').join(' + ')}\n`, reported: false },
    { name: 'a 20,000-link attribute chain', text: `x = a${'.b'.repeat(20000)}\n`, reported: false },
    { name: 'unary minus 20,000 deep', text: `x = ${'-'.repeat(20000)}1\n`, reported: false },
    { name: 'brackets inside a string do not count', text: `x = "${'('.repeat(4000)}"\n`, reported: false },
  ];
  it.each(shapes)('$name: audit and registry sync finish', ({ text, reported }) => {
    const r = repo({ 'gen/deep.py': `${LOADS}${text}` });
    const audit = provenant(['audit', '--format', 'json'], r.root);
    expect(audit.stderr).not.toMatch(/internal error/);
    expect(audit.code, audit.stderr).toBeLessThanOrEqual(1);
    const codes = (JSON.parse(audit.stdout) as { findings: { code: string; message: string }[] }).findings;
    // the load before the deep line is still found when the file could be analysed
    expect(codes.some((f) => f.code === 'PARSE001' && /nested/.test(f.message))).toBe(reported);
    if (!reported) expect(codes.map((f) => f.code)).toContain('LOAD001');
    const sync = provenant(['registry', 'sync'], r.root);
    expect(sync.stderr).not.toMatch(/internal error/);
    expect(sync.code, sync.stderr).toBe(0);
  });
});

/** The control characters (newline aside) and bidi overrides in `text`, as code points. */
function rawControls(text: string): number[] {
  return [...text].map((ch) => ch.codePointAt(0) ?? 0).filter((c) => (c < 0x20 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e));
}

describe('text from files is escaped when printed (item 16)', () => {
  const HOSTILE = 'x\r\u001b[2K\u001b[1A ok\u202e\n';

  it('a stamp holding terminal controls cannot rewrite verify, log or lineage output', () => {
    const r = repo({ 'o.txt': 'o\n' });
    expect(provenant(['run', '--out', 'o.txt', '--', 'true'], r.root).code).toBe(0);
    const file = path.join(r.root, 'o.txt.prov.json');
    const stamp = JSON.parse(readFileSync(file, 'utf8'));
    stamp.subject[0].name = `o.txt${HOSTILE}`;
    stamp.predicate.provenant.producer = { path: `gen.py${HOSTILE}`, sha256: 'a'.repeat(64), registryId: 'gen.py', status: 'active', audit: null };
    stamp.predicate.provenant.inputs = [{ path: `in${HOSTILE}`, sha256: 'b'.repeat(64), stamp: null }];
    stamp.predicate.buildDefinition.externalParameters.argv = ['python3', HOSTILE];
    writeFileSync(file, JSON.stringify(stamp));
    for (const args of [['verify', 'o.txt'], ['log', 'o.txt'], ['lineage', 'o.txt'], ['lineage', 'o.txt', '--format', 'mermaid']]) {
      const run = provenant(args, r.root);
      expect(run.stderr).not.toMatch(/internal error/);
      expect(rawControls(run.stdout), args.join(' ')).toEqual([]);
      expect(rawControls(run.stderr), args.join(' ')).toEqual([]);
    }
    expect(provenant(['verify', 'o.txt'], r.root).stdout).toMatch(/^tampered/);
  });

  it('mermaid labels cannot end the label or the statement', () => {
    const r = repo({ 'o.txt': 'o\n' });
    expect(provenant(['run', '--out', 'o.txt', '--', 'true'], r.root).code).toBe(0);
    const file = path.join(r.root, 'o.txt.prov.json');
    const stamp = JSON.parse(readFileSync(file, 'utf8'));
    stamp.predicate.provenant.producer = { path: 'a"]\n  click n0 href "javascript:alert(1)"\n  n9["b', sha256: 'a'.repeat(64), registryId: 'gen.py', status: 'active', audit: null };
    writeFileSync(file, JSON.stringify(stamp));
    const run = provenant(['lineage', 'o.txt', '--format', 'mermaid'], r.root);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/^\s*click/m);
    const labels = run.stdout.split('\n').filter((l) => /^\s+n\d+\[/.test(l));
    for (const l of labels) expect(l).toMatch(/^\s+n\d+\["[^"\n]*"\]$/);
  });

  it('the pipeline log quotes argv, so word boundaries and control characters show', () => {
    const spec = `version: 1
stages:
  - id: a
    cmd: [sh, -c, 'echo done > out.txt', "two words", "tab\\there", "it's", "esc\\e[2Kx"]
    outputs: [out.txt]
`;
    const r = repo({ 'provenant.pipeline.yaml': spec });
    const run = provenant(['pipeline', 'run', '--plain'], r.root);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`$ sh -c 'echo done > out.txt' 'two words' $'tab\\there' 'it'\\''s' $'esc\\x1b[2Kx'`);
  });
});

describe('source text with terminal controls (item 16)', () => {
  it('audit frames, registry show and search, and the generated registry escape them', () => {
    const r = repo({ 'gen.py': `"""Makes data \u001b[2K\r ok."""\n${LOADS.trimEnd()}  # \u001b[1A\u001b[2K\r hidden\n` });
    const runs = [provenant(['audit'], r.root), provenant(['registry', 'sync'], r.root), provenant(['registry', 'show', 'gen.py'], r.root), provenant(['registry', 'search', 'data'], r.root)];
    for (const run of runs) {
      expect(run.code, run.stderr).toBeLessThanOrEqual(1);
      expect(rawControls(run.stdout)).toEqual([]);
    }
    expect(runs[0]?.stdout).toContain('# \\x1b[1A\\x1b[2K\\r hidden');
    // the carets stay under the call
    expect(runs[0]?.stdout).toMatch(/\n3 \| tok = AutoTokenizer[^\n]*\n {2}\| {7}\^+ LOAD001/);
    expect(runs[2]?.stdout).toContain('Makes data \\x1b[2K');
    expect(rawControls(readFileSync(path.join(r.root, 'IMPLEMENTATION_REGISTRY.md'), 'utf8'))).toEqual([]);
  });
});
