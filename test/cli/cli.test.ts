import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditReportSchema } from '../../src/schemas/finding.js';
import { provenant, REPO, sanitize } from '../helpers/exec.js';
import { tmpProject, useExampleCopy } from '../helpers/tmp.js';

// a copy: the audits run with the cache on, which would write .provenant/ into the example
const COPY = useExampleCopy();
const EXAMPLE = COPY.dir;

describe('provenant CLI', () => {
  it('audit prints Ruff-style findings with code frames and exits 1', () => {
    const r = provenant(['audit', 'examples/stage1-lab'], COPY.root);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^examples\/stage1-lab\/scripts\/evaluate_stage1_simple\.py:\d+:\d+: LOAD001 \[error\] /m);
    expect(r.stdout).toMatch(/^\s*\d+ \|/m);
    expect(sanitize(r.stdout)).toMatch(/Found \d+ problems \(\d+ errors?, \d+ warnings?(?:, \d+ infos?)?\) in \d+ files\. \d+ files checked \(\d+ analysed, \d+ parsed\) in Xs\.\n\[\*\] \d+ fixable with `provenant audit --fix`.*\.\n$/);
  });

  it('--format json is valid against the report schema', () => {
    const r = provenant(['audit', '--format', 'json'], EXAMPLE);
    expect(r.code).toBe(1);
    const report = AuditReportSchema.parse(JSON.parse(r.stdout));
    expect(report.findings.length).toBeGreaterThan(10);
    expect(report.config).toBe(path.join(EXAMPLE, 'pyproject.toml'));
  });

  it('--select, --ignore and --fail-on change what is reported and the exit code', () => {
    const sel = provenant(['audit', '--select', 'SCRIPT', '--format', 'json'], EXAMPLE);
    const codes = new Set(JSON.parse(sel.stdout).findings.map((f: { code: string }) => f.code));
    expect([...codes].sort()).toEqual(['SCRIPT001', 'SCRIPT002']);
    const ign = provenant(['audit', '--ignore', 'LOAD,TMPL,TOK,SCRIPT,DATA', '--format', 'json'], EXAMPLE);
    expect(JSON.parse(ign.stdout).findings).toEqual([]);
    expect(ign.code).toBe(0);
    const warnOnly = provenant(['audit', '--select', 'DATA002', '--fail-on', 'error'], EXAMPLE);
    expect(warnOnly.code).toBe(0);
    expect(warnOnly.stdout).toContain('DATA002 [warning]');
    expect(provenant(['audit', '--exit-zero'], EXAMPLE).code).toBe(0);
  });

  it('a clean project exits 0', () => {
    const p = tmpProject({ 'provenant.toml': '', 'ok.py': 'print("hello")\n' });
    try {
      const r = provenant(['audit'], p.dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/All clear/);
    } finally {
      p.cleanup();
    }
  });

  it('rules lists the catalog and explain prints a rule document', () => {
    const rules = provenant(['rules'], REPO);
    expect(rules.code).toBe(0);
    expect(rules.stdout).toMatch(/^TMPL001\s+chat-template-applied\s+error/m);
    const explain = provenant(['explain', 'tmpl001'], REPO);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/^# chat-template-applied \(TMPL001\)/);
    expect(explain.stdout).toContain('## Why is this bad?');
    expect(explain.stdout).toContain('\n\nNo fix is available.\n\n## What it does');
    // which rules carry fixes, and how safe, as Ruff marks them
    expect(rules.stdout).toMatch(/^TOK001\s+special-tokens-added\s+error\s+fix:safe\/unsafe\s+Text/m);
    expect(rules.stdout).toMatch(/^LOAD001\s+manual-model-load\s+error\s+fix:unsafe\s+A model/m);
    expect(provenant(['explain', 'SCRIPT001'], REPO).stdout).toContain('Fix is sometimes available (unsafe: `--fix --unsafe-fixes`).');
    const json = JSON.parse(provenant(['rules', '--format', 'json'], REPO).stdout) as { code: string; fix: string | null }[];
    expect(json.find((r) => r.code === 'TOK001')?.fix).toBe('safe-or-unsafe');
    expect(json.find((r) => r.code === 'TMPL001')?.fix).toBeNull();
  });

  it('usage errors exit 2 with a hint and no stack trace', () => {
    const unknown = provenant(['explain', 'NOPE123'], REPO);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown rule `NOPE123`');
    const flag = provenant(['audit', '--frobnicate'], REPO);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--frobnicate'");
    const fmt = provenant(['audit', '--format', 'xml'], REPO);
    expect(fmt.code).toBe(2);
    const cmd = provenant(['frob'], REPO);
    expect(cmd.code).toBe(2);
    for (const r of [unknown, flag, fmt, cmd]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('init infers the loader and models, writes them for review and prints why', () => {
    const p = tmpProject({
      'pyproject.toml': '[project]\nname = "lab"\n# keep me\n',
      'utils/loader.py':
        'from transformers import AutoTokenizer\nclass CleanLoader:\n    def __init__(self):\n        self.tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-32B")\n        self.tok.chat_template = None\n',
      'gen.py': 'from utils.loader import CleanLoader\nfrom transformers import AutoTokenizer\nj = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-72B-Instruct")\n',
    });
    try {
      const r = provenant(['init'], p.dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('sanctioned loader: utils.loader.CleanLoader');
      expect(r.stdout).toContain('sets `chat_template = None`');
      expect(r.stdout).toMatch(/base model: Qwen\/Qwen2\.5-32B/);
      expect(r.stdout).toMatch(/instruct model: Qwen\/Qwen2\.5-72B-Instruct/);
      const audit = provenant(['audit', '--format', 'json'], p.dir);
      const report = JSON.parse(audit.stdout);
      expect(report.config).toBe(path.join(p.dir, 'pyproject.toml'));
      const again = provenant(['init'], p.dir);
      expect(again.code).toBe(2);
    } finally {
      p.cleanup();
    }
  });

  it('init prints the runners-up and why each lost', () => {
    const p = tmpProject({
      'utils/loader.py':
        'from transformers import AutoTokenizer\nclass CleanLoader:\n    def __init__(self):\n        self.tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-32B")\n        self.tok.chat_template = None\n',
      'train/distill.py':
        'from transformers import AutoTokenizer, Trainer\nclass DistillTrainer(Trainer):\n    def __init__(self, name):\n        self.tok = AutoTokenizer.from_pretrained(name)\n        self.tok.chat_template = None\n',
      'tests/test_render.py':
        'from transformers import AutoTokenizer\ndef test_render():\n    tok = AutoTokenizer.from_pretrained("gpt2")\n    assert tok("x", add_special_tokens=False)\n',
    });
    try {
      const r = provenant(['init', '--dry-run'], p.dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('sanctioned loader: loader.CleanLoader');
      expect(r.stdout).toContain('not chosen: distill.DistillTrainer — it is a trainer');
      expect(r.stdout).toContain('not chosen: test_render.test_render — it is test code');
      expect(r.stdout).toMatch(/^ {2}- `DistillTrainer` in train\/distill\.py:2 loads with `AutoTokenizer\.from_pretrained`/m);
    } finally {
      p.cleanup();
    }
  });
});
