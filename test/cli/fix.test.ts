/**
 * `provenant audit --fix`, `--unsafe-fixes`, `--diff` and `--add-suppressions` end to end: real git projects
 * in temp folders, the built CLI, each fixed file audited again. Also what must not happen: unsafe fixes
 * without the flag, a file changed since it was read, a read-only file, a commit's fixes written to the index.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audit } from '../../src/index.js';
import { planFixes, findingFixes, applyToDocument } from '../../src/audit/apply-fixes.js';
import { plainDocument } from '../../src/analysis/edit-documents.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { provenant } from '../helpers/exec.js';
import { notebook, sourceLines } from '../helpers/notebook.js';

const CONFIG = [
  'base-models = ["Qwen/Qwen2.5-7B"]',
  'sanctioned-loaders = [',
  '  { name = "lab.loaders.CleanModelLoader", call = "CleanModelLoader.load({model})", tokenizer-call = "CleanModelLoader.tokenizer({model})" },',
  ']',
  '',
].join('\n');

const LOADER = [
  'from transformers import AutoModelForCausalLM, AutoTokenizer',
  '',
  '',
  'class CleanModelLoader:',
  '    @staticmethod',
  '    def load(name):',
  '        return AutoModelForCausalLM.from_pretrained(name)',
  '',
  '    @staticmethod',
  '    def tokenizer(name):',
  '        tok = AutoTokenizer.from_pretrained(name)',
  '        tok.chat_template = None',
  '        return tok',
  '',
].join('\n');

const GEN = [
  '"""Generate completions."""',
  'import subprocess',
  'from transformers import AutoModelForCausalLM, AutoTokenizer',
  '',
  'tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")',
  'model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B", torch_dtype="bfloat16")',
  'enc = tok("Instruction: name a fruit.\\nResponse:", return_tensors="pt", add_special_tokens=True)',
  'subprocess.run(["python", "scripts/old.py", "--n", "3"], check=True)',
  '',
].join('\n');

const REGISTRY = 'version: 1\nfiles:\n  scripts/old.py.DEPRECATED:\n    status: deprecated\n    replaced_by: scripts/new.py\n    reason: wrote templated prompts\n';

const BASE = {
  'provenant.toml': CONFIG,
  'lab/__init__.py': '',
  'lab/loaders.py': LOADER,
  'scripts/new.py': 'print("new")\n',
  'scripts/old.py.DEPRECATED': 'print("old")\n',
  'provenant-registry.yaml': REGISTRY,
};

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});
function repo(files: Record<string, string | Buffer>): GitDir {
  const r = makeGitDir({ ...BASE, ...files });
  repos.push(r);
  r.add();
  r.commit('lab');
  return r;
}
const read = (r: GitDir, rel: string) => readFileSync(path.join(r.root, rel), 'utf8');
const codes = (r: GitDir, ...args: string[]) => {
  const out = provenant(['audit', '--format', 'json', ...args], r.root);
  return (JSON.parse(out.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);
};

describe('audit --fix', () => {
  it('applies the safe fix only (TOK001 on a base model), and the fixed line audits clean', () => {
    const r = repo({ 'gen.py': GEN });
    const run = provenant(['audit', '--fix'], r.root);
    expect(run.stderr).toContain('Fixed 1 problem in 1 file; 3 problems remain (3 fixable with --unsafe-fixes).');
    expect(run.code).toBe(1);
    const text = read(r, 'gen.py');
    expect(text).toContain('add_special_tokens=False)');
    // unsafe fixes are not applied without --unsafe-fixes
    expect(text).toContain('AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B", torch_dtype="bfloat16")');
    expect(text).toContain('"scripts/old.py"');
    expect(codes(r)).toEqual(['LOAD001', 'LOAD001', 'SCRIPT001']);
  });

  it('--unsafe-fixes: the sanctioned loader replaces the loads (import added once), the replacement script is run; the file audits clean', () => {
    const r = repo({ 'gen.py': GEN });
    const run = provenant(['audit', '--fix', '--unsafe-fixes'], r.root);
    expect(run.stderr).toContain('Fixed 4 problems in 1 file; 0 problems remain.');
    expect(run.code).toBe(0);
    expect(read(r, 'gen.py')).toBe(
      [
        '"""Generate completions."""',
        'import subprocess',
        'from transformers import AutoModelForCausalLM, AutoTokenizer',
        'from lab.loaders import CleanModelLoader',
        '',
        'tok = CleanModelLoader.tokenizer("Qwen/Qwen2.5-7B")',
        'model = CleanModelLoader.load("Qwen/Qwen2.5-7B")',
        'enc = tok("Instruction: name a fruit.\\nResponse:", return_tensors="pt", add_special_tokens=False)',
        'subprocess.run(["python", "scripts/new.py", "--n", "3"], check=True)',
        '',
      ].join('\n'),
    );
    const again = provenant(['audit'], r.root);
    expect(again.stdout).toContain('All clear');
    expect(again.code).toBe(0);
  });

  it('says in the text report how many findings a fix would remove', () => {
    const r = repo({ 'gen.py': GEN });
    expect(provenant(['audit'], r.root).stdout).toContain('[*] 1 fixable with `provenant audit --fix` (3 more with `--fix --unsafe-fixes`).\n');
  });

  it('TOK001 on a model nothing identifies: the same edit, but unsafe (an instruct model expects its BOS)', () => {
    const r = repo({
      'provenant.toml': 'unknown-model-severity = "warning"\n',
      'score.py': 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("acme/judge-7b")\nids = tok("x", add_special_tokens=True)\n',
    });
    const report = JSON.parse(provenant(['audit', '--format', 'json', '--select', 'TOK001'], r.root).stdout) as { findings: { fix?: { applicability: string } }[] };
    expect(report.findings.map((f) => f.fix?.applicability)).toEqual(['unsafe']);
    provenant(['audit', '--fix', '--select', 'TOK001'], r.root);
    expect(read(r, 'score.py')).toContain('add_special_tokens=True');
    provenant(['audit', '--fix', '--unsafe-fixes', '--select', 'TOK001'], r.root);
    expect(read(r, 'score.py')).toContain('add_special_tokens=False');
  });

  it('names the replacement script the way the call named the old one: from the caller\'s folder, or as a module', () => {
    const r = repo({
      'scripts/run.sh': 'cd "$(dirname "$0")"\npython old.py --n 2\n',
      'launch.py': 'import subprocess\nsubprocess.run(["python", "-m", "scripts.old"], check=True)\n',
    });
    const run = provenant(['audit', '--fix', '--unsafe-fixes', '--select', 'SCRIPT001'], r.root);
    expect(run.code).toBe(0);
    expect(read(r, 'scripts/run.sh')).toBe('cd "$(dirname "$0")"\npython new.py --n 2\n');
    expect(read(r, 'launch.py')).toContain('["python", "-m", "scripts.new"]');
  });

  it('keeps a shell script executable and rewrites the deprecated call in it', () => {
    const r = repo({ 'run.sh': '#!/bin/sh\nset -e\npython scripts/old.py --n 2\n' });
    chmodSync(path.join(r.root, 'run.sh'), 0o755);
    const run = provenant(['audit', '--fix', '--unsafe-fixes'], r.root);
    expect(run.code).toBe(0);
    expect(read(r, 'run.sh')).toBe('#!/bin/sh\nset -e\npython scripts/new.py --n 2\n');
    expect(statSync(path.join(r.root, 'run.sh')).mode & 0o777).toBe(0o755);
  });

  it('--diff prints the fixes as a unified diff, writes nothing, and exits 1; 0 when nothing is fixable', () => {
    const r = repo({ 'gen.py': GEN });
    const run = provenant(['audit', '--diff'], r.root);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('--- a/gen.py\n+++ b/gen.py\n@@ -4,5 +4,5 @@\n');
    expect(run.stdout).toContain('\n-enc = tok("Instruction: name a fruit.\\nResponse:", return_tensors="pt", add_special_tokens=True)\n');
    expect(run.stdout).toContain('\n+enc = tok("Instruction: name a fruit.\\nResponse:", return_tensors="pt", add_special_tokens=False)\n');
    expect(run.stdout).not.toContain('CleanModelLoader');
    expect(run.stderr).toContain('Would fix 1 problem in 1 file.');
    expect(read(r, 'gen.py')).toBe(GEN);
    const unsafe = provenant(['audit', '--diff', '--unsafe-fixes'], r.root);
    expect(unsafe.stdout).toContain('+from lab.loaders import CleanModelLoader\n');
    expect(unsafe.stdout).toContain('+subprocess.run(["python", "scripts/new.py", "--n", "3"], check=True)\n');
    const clean = repo({ 'gen.py': 'print("nothing to see")\n' });
    const none = provenant(['audit', '--diff'], clean.root);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
  });

  it('edits a notebook in the cell of the finding and leaves the rest of the JSON as it was', () => {
    const outputs = [{ name: 'stdout', output_type: 'stream', text: ['add_special_tokens=True\n'] }];
    const nb = notebook([
      { markdown: sourceLines('# Score') },
      { code: sourceLines('from transformers import AutoModelForCausalLM, AutoTokenizer\nBASE = "Qwen/Qwen2.5-7B"') },
      { code: sourceLines('tok = AutoTokenizer.from_pretrained(BASE)\nids = tok("x", add_special_tokens=True)'), outputs },
      { code: sourceLines('model = AutoModelForCausalLM.from_pretrained(BASE)') },
    ]);
    const r = repo({ 'score.ipynb': nb });
    const run = provenant(['audit', '--fix', '--unsafe-fixes'], r.root);
    expect(run.stderr).toContain('0 problems remain');
    const after = JSON.parse(read(r, 'score.ipynb')) as { cells: { source: string[]; outputs?: unknown }[] };
    const before = JSON.parse(nb) as typeof after;
    expect(after.cells[1]?.source).toEqual([...(before.cells[1]?.source ?? []).slice(0, 1).map((l) => l), 'from lab.loaders import CleanModelLoader\n', 'BASE = "Qwen/Qwen2.5-7B"']);
    expect(after.cells[2]?.source).toEqual(['tok = CleanModelLoader.tokenizer(BASE)\n', 'ids = tok("x", add_special_tokens=False)']);
    expect(after.cells[3]?.source).toEqual(['model = CleanModelLoader.load(BASE)']);
    // outputs, the markdown cell and metadata are untouched, byte for byte outside the edited strings
    expect(after.cells[2]?.outputs).toEqual(outputs);
    expect(after.cells[0]).toEqual(before.cells[0]);
    expect(read(r, 'score.ipynb').split('\n').length).toBe(nb.split('\n').length + 1);
    expect(provenant(['audit'], r.root).code).toBe(0);
  });

  it('adds an import after a cell whose last line has no newline, in that cell', () => {
    const nb = notebook([
      { code: sourceLines('from transformers import AutoModelForCausalLM') },
      { code: sourceLines('model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B")') },
    ]);
    const r = repo({ 'load.ipynb': nb });
    expect(provenant(['audit', '--fix', '--unsafe-fixes'], r.root).code).toBe(0);
    const cells = (JSON.parse(read(r, 'load.ipynb')) as { cells: { source: string[] }[] }).cells;
    expect(cells.map((c) => c.source)).toEqual([
      ['from transformers import AutoModelForCausalLM\n', 'from lab.loaders import CleanModelLoader'],
      ['model = CleanModelLoader.load("Qwen/Qwen2.5-7B")'],
    ]);
  });
});

describe('audit --fix refuses to write what it did not read', () => {
  it('skips a file changed after the audit read it, with the reason, and writes nothing', async () => {
    const r = repo({ 'gen.py': GEN });
    const result = await audit({ paths: [], cwd: r.root, noCache: true });
    const edited = GEN.replace('Generate completions.', 'Generate completions (edited meanwhile).');
    writeFileSync(path.join(r.root, 'gen.py'), edited);
    const plan = planFixes(result, findingFixes(['safe', 'unsafe']));
    expect(plan.changes).toEqual([]);
    expect(plan.skipped).toEqual([{ path: 'gen.py', reason: expect.stringContaining('it changed since it was audited') }]);
    expect(read(r, 'gen.py')).toBe(edited);
  });

  it('--staged: fixes the working file when it holds what is staged, leaves the index alone, and fails the hook', () => {
    const r = repo({});
    r.write({ 'gen.py': GEN });
    r.add('gen.py');
    const run = provenant(['audit', '--staged', '--fix'], r.root);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('`git add` them');
    expect(read(r, 'gen.py')).toContain('add_special_tokens=False');
    expect(r.git(['show', ':gen.py'])).toContain('add_special_tokens=True');
  });

  it('--staged: a file with unstaged changes is not touched', () => {
    const r = repo({});
    r.write({ 'gen.py': GEN });
    r.add('gen.py');
    const unstaged = `${GEN}print("work in progress")\n`;
    writeFileSync(path.join(r.root, 'gen.py'), unstaged);
    const run = provenant(['audit', '--staged', '--fix'], r.root);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('warning: gen.py: not fixed: it changed since it was audited (or differs from what is staged)');
    expect(read(r, 'gen.py')).toBe(unstaged);
  });

  it('reports a read-only file as not fixed and exits 1, leaving it as it was', () => {
    const r = repo({ 'gen.py': GEN });
    chmodSync(path.join(r.root, 'gen.py'), 0o444);
    const run = provenant(['audit', '--fix', '--select', 'TOK001'], r.root);
    expect(run.stderr).toContain('warning: gen.py: not fixed: read-only: not changed');
    expect(run.code).toBe(1);
    expect(read(r, 'gen.py')).toBe(GEN);
    expect(statSync(path.join(r.root, 'gen.py')).mode & 0o777).toBe(0o444);
  });

  it('says why it leaves a notebook cell with \\r\\n endings and a JSON file (no comments) as they are', () => {
    const crlf = JSON.stringify({
      cells: [{ cell_type: 'code', execution_count: 1, id: 'a', metadata: {}, outputs: [], source: ['from transformers import AutoTokenizer\r\n', 'tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\r\n', 'ids = tok("x", add_special_tokens=True)\r\n'] }],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    }, null, 1);
    const r = repo({ 'crlf.ipynb': crlf, 'model.json': '{"model": "Qwen/Qwen2.5-7B", "trust_remote_code": true}\n' });
    const fix = provenant(['audit', '--fix'], r.root);
    expect(fix.stderr).toContain('warning: crlf.ipynb: not fixed: 1 fix(es) not applied: cell 1 has \\r line endings; it is left as it is');
    expect(fix.code).toBe(1);
    const suppress = provenant(['audit', '--add-suppressions', 'reviewed'], r.root);
    expect(suppress.stderr).toContain('warning: model.json: not fixed: its format has no comments; 1 finding(s) left for the baseline');
    expect(suppress.code).toBe(1);
    expect(read(r, 'crlf.ipynb')).toBe(crlf);
  });

  it('usage errors: two modes at once, --unsafe-fixes alone, --diff with a report format, a baseline flag, an empty reason', () => {
    const r = repo({ 'gen.py': GEN });
    for (const args of [['--fix', '--diff'], ['--unsafe-fixes'], ['--diff', '--format', 'json'], ['--fix', '--write-baseline'], ['--add-suppressions', ' ']]) {
      const run = provenant(['audit', ...args], r.root);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).not.toContain('    at ');
    }
    expect(read(r, 'gen.py')).toBe(GEN);
  });
});

describe('overlapping fixes', () => {
  const fix = (line: number, col: number, endCol: number, content: string) => ({
    applicability: 'safe' as const,
    message: content,
    edits: [{ span: { line, col, endLine: line, endCol }, content }],
  });

  it('takes fixes in order, defers one that overlaps a taken edit, and makes a shared edit once', () => {
    const doc = plainDocument('abcdef\nghij\n', false);
    const shared = { span: { line: 1, col: 1, endLine: 1, endCol: 1 }, content: 'import x\n' };
    const fixes = [
      fix(1, 2, 4, 'BC'),
      fix(1, 3, 5, 'CD'),
      { ...fix(2, 1, 2, 'G'), edits: [shared, { span: { line: 2, col: 1, endLine: 2, endCol: 2 }, content: 'G' }] },
      { ...fix(2, 4, 5, 'J'), edits: [shared, { span: { line: 2, col: 4, endLine: 2, endCol: 5 }, content: 'J' }] },
    ];
    const out = applyToDocument(doc, fixes);
    expect(out.texts.get(0)).toBe('import x\naBCdef\nGhiJ\n');
    expect(out.taken).toBe(3);
    expect(out.deferred).toBe(1);
  });

  it('the CLI defers a fix inside another one\'s edit to the next pass, which audits the file again', () => {
    // TOK001's edit sits inside the call LOAD001's fix replaces: the load goes first; audited again, the
    // keyword is gone with it, so the deferred fix is never forced onto text that no longer exists
    const r = repo({ 'gen.py': 'from transformers import AutoModelForCausalLM\nmodel = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B", add_special_tokens=True)\n' });
    const run = provenant(['audit', '--fix', '--unsafe-fixes', '--format', 'json'], r.root);
    const report = JSON.parse(run.stdout) as { findings: unknown[]; fixes: { applied: number } };
    expect(report.fixes.applied).toBe(1);
    expect(report.findings).toEqual([]);
    expect(read(r, 'gen.py')).toBe('from transformers import AutoModelForCausalLM\nfrom lab.loaders import CleanModelLoader\nmodel = CleanModelLoader.load("Qwen/Qwen2.5-7B")\n');
  });

  it('--diff makes every pass --fix makes, on the text in memory: its diff is what --fix writes', () => {
    // the tokenizer load inside the model load's argument is fixed only on the second pass
    const gen = 'from transformers import AutoModelForCausalLM, AutoTokenizer\nmodel = AutoModelForCausalLM.from_pretrained(AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B").name_or_path)\n';
    const fixed = 'from transformers import AutoModelForCausalLM, AutoTokenizer\nfrom lab.loaders import CleanModelLoader\nmodel = CleanModelLoader.load(CleanModelLoader.tokenizer("Qwen/Qwen2.5-7B").name_or_path)\n';
    const r = repo({ 'gen.py': gen });
    const diff = provenant(['audit', '--diff', '--unsafe-fixes'], r.root);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain(`\n+${fixed.split('\n')[2]}\n`);
    expect(diff.stderr).toContain('Would fix 2 problems in 1 file.');
    expect(read(r, 'gen.py')).toBe(gen);
    expect(r.git(['status', '--porcelain', '--untracked-files=no'])).toBe('');
    const fix = provenant(['audit', '--fix', '--unsafe-fixes'], r.root);
    expect(fix.code).toBe(0);
    expect(read(r, 'gen.py')).toBe(fixed);
  });
});

describe('audit --add-suppressions', () => {
  it('writes a suppression with the reason on every finding, in each file\'s comment syntax; the audit is then clean and no SUPP rule fires', () => {
    const nb = notebook([{ code: sourceLines('from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")') }]);
    const r = repo({
      'gen.py': GEN,
      'run.sh': 'python scripts/old.py\n',
      'web/load.ts': "import { getLlama } from 'node-llama-cpp';\nconst llama = await getLlama();\nexport const model = await llama.loadModel({ modelPath: 'models/qwen2.5-7b-base.gguf' });\n",
      'eval.ipynb': nb,
    });
    const before = codes(r);
    expect(before.length).toBeGreaterThanOrEqual(6);
    const run = provenant(['audit', '--add-suppressions', 'accepted in review 2026-12'], r.root);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Added \d+ suppressions in 4 files; 0 problems left\./);
    expect(read(r, 'gen.py')).toContain('# provenant: ignore[TOK001] accepted in review 2026-12\nenc = tok(');
    expect(read(r, 'run.sh')).toBe('# provenant: ignore[SCRIPT001] accepted in review 2026-12\npython scripts/old.py\n');
    expect(read(r, 'web/load.ts')).toContain('// provenant: ignore[LOAD001] accepted in review 2026-12\nexport const model');
    const cell = (JSON.parse(read(r, 'eval.ipynb')) as { cells: { source: string[] }[] }).cells[0]?.source;
    expect(cell).toEqual(['from transformers import AutoTokenizer\n', '# provenant: ignore[LOAD001] accepted in review 2026-12\n', 'tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")']);
    const all = provenant(['audit', '--format', 'json', '--select', 'ALL'], r.root);
    const report = JSON.parse(all.stdout) as { findings: unknown[]; stats: { suppressed: number } };
    expect(report.findings).toEqual([]);
    expect(report.stats.suppressed).toBe(before.length);
  });

  it('adds the code to a suppression already on the line instead of writing a second one', () => {
    const r = repo({ 'gen.py': GEN.replace('add_special_tokens=True)', 'add_special_tokens=True)  # provenant: ignore[TMPL001] judge is instruct') });
    provenant(['audit', '--add-suppressions', 'reviewed'], r.root);
    expect(read(r, 'gen.py')).toContain('add_special_tokens=True)  # provenant: ignore[TMPL001, TOK001] judge is instruct\n');
  });
});

describe('the fix in JSON and SARIF', () => {
  it('JSON carries each fix with its applicability and edits, the fixable counts, and what --fix did', () => {
    const r = repo({ 'gen.py': GEN });
    const report = JSON.parse(provenant(['audit', '--format', 'json'], r.root).stdout) as {
      findings: { code: string; fix?: { applicability: string; message: string; edits: { span: unknown; content: string }[] } }[];
      fixable: unknown;
      fixes: unknown;
    };
    const tok = report.findings.find((f) => f.code === 'TOK001');
    expect(tok?.fix).toEqual({
      applicability: 'safe',
      message: 'pass `add_special_tokens=False`',
      edits: [{ span: { line: 7, col: 92, endLine: 7, endCol: 96 }, content: 'False' }],
    });
    expect(report.findings.find((f) => f.code === 'SCRIPT001')?.fix?.applicability).toBe('unsafe');
    expect(report.fixable).toEqual({ safe: 1, unsafe: 3 });
    expect(report.fixes).toBeNull();
    const fixed = JSON.parse(provenant(['audit', '--fix', '--format', 'json'], r.root).stdout) as { fixes: unknown };
    expect(fixed.fixes).toEqual({ mode: 'fix', applied: 1, files: ['gen.py'], skipped: [] });
  });

  it('SARIF results carry fixes as artifactChanges with replacements', () => {
    const r = repo({ 'gen.py': GEN });
    const log = JSON.parse(provenant(['audit', '--format', 'sarif'], r.root).stdout) as {
      runs: { results: { ruleId: string; fixes?: { description: { text: string }; artifactChanges: { artifactLocation: { uri: string }; replacements: unknown[] }[] }[] }[] }[];
    };
    const tok = log.runs[0]?.results.find((x) => x.ruleId === 'TOK001');
    expect(tok?.fixes).toEqual([
      {
        description: { text: 'pass `add_special_tokens=False` (safe fix)' },
        artifactChanges: [
          {
            artifactLocation: { uri: 'gen.py', uriBaseId: '%SRCROOT%' },
            replacements: [{ deletedRegion: { startLine: 7, startColumn: 92, endLine: 7, endColumn: 96 }, insertedContent: { text: 'False' } }],
          },
        ],
        properties: { applicability: 'safe' },
      },
    ]);
  });
});
