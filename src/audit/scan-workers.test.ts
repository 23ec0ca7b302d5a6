import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RULES } from '../../audits/index.js';
import { ParsePool, WORKERS_ENV, WorkerLost } from '../analysis/parse-pool.js';
import { loadConfig } from '../config/config.js';
import { discover } from '../core/files.js';
import { checker, checkFile, type FileResults } from './check-file.js';
import { combineLoaderSummaries } from './infer.js';
import { filesFromSet, Project } from './project.js';
import { CodeRoles } from './roles.js';
import { scan } from './scan.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const built = existsSync(path.join(REPO, 'dist', 'bundle', 'audit-worker.cjs'));

const root = mkdtempSync(path.join(os.tmpdir(), 'provenant-scan-workers-'));
cpSync(path.join(REPO, 'examples', 'stage1-lab'), root, { recursive: true, filter: (src) => path.basename(src) !== '.provenant' });
// a file suppressed in part, and one a per-file ignore covers: what the worker checks must say the same
writeFileSync(path.join(root, 'scripts', 'extra_load.py'), 'from transformers import AutoModelForCausalLM\nm = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-32B")  # provenant: ignore[LOAD001] checked by hand\nn = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-32B")\n');
// more files than the workers are handed before the run says what its rules need
for (let i = 0; i < 80; i++) {
  writeFileSync(path.join(root, 'scripts', `gen_${i}.py`), `from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-32B")\nprint(tok("x${i}"))\n`);
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

let saved: string | undefined;
beforeEach(() => {
  saved = process.env[WORKERS_ENV];
  process.env[WORKERS_ENV] = '2';
});
afterEach(() => {
  if (saved === undefined) delete process.env[WORKERS_ENV];
  else process.env[WORKERS_ENV] = saved;
});

describe.skipIf(!built)('files checked in the parse workers', () => {
  it('come back with the results the main thread computes from the same facts', async () => {
    const { config } = await loadConfig({ cwd: root, isolated: true });
    const discovery = discover({ root, targets: [root], include: config.include, exclude: config.exclude });
    const codes = RULES.map((r) => r.code);
    const scanned = await scan({ root, files: discovery.files, rules: RULES, maxFileSize: config.maxFileSize, store: null, known: discovery.all, retainFacts: false });
    const files = filesFromSet(discovery.all);
    const roles = new CodeRoles(config, files);
    // loader inference reads what the workers sent of each hinted file, not its facts
    const summaries = await Promise.all(scanned.loaderHints.map((h) => h.summary()));
    const sanctioned = combineLoaderSummaries(summaries, (s) => roles.ofKnown(s.path, s)).chosen;
    expect(sanctioned.map((s) => s.name)).toContain('utils.clean_model_loader.CleanModelLoader');
    scanned.checkInWorkers({ root, config, all: [...discovery.all], sanctioned, codes });

    const local = checker(new Project(root, config, files, sanctioned), roles, codes);
    let remote = 0;
    const results: Record<string, FileResults> = {};
    for (const file of scanned.files) {
      const got = await file.checked();
      if (!got) continue;
      remote++;
      expect(got.json).toBe(JSON.stringify(got.results));
      results[file.path] = got.results;
    }
    scanned.save();
    // every Python candidate was checked there, but those already handed out for their facts alone
    const python = scanned.files.filter((f) => f.language === 'python' && f.candidate);
    expect(python.length).toBeGreaterThan(90);
    expect(remote).toBeGreaterThanOrEqual(python.length - 2 * 24);
    expect(Object.values(results).flatMap((r) => r.findings).length).toBeGreaterThan(10);

    // the same files parsed and checked here
    const { loadPythonFrontEnd } = await import('../analysis/python/index.js');
    const fe = await loadPythonFrontEnd();
    for (const file of python.filter((f) => results[f.path])) {
      const facts = fe.extract(file.source(), file.path);
      facts.suppressions = file.row.suppressions;
      const here = checkFile(local, { path: file.path, language: 'python', candidate: true, facts, source: file.source });
      expect(results[file.path], file.path).toEqual(here);
    }
  });
});

describe.skipIf(!built)('a rule that throws in a parse worker', () => {
  it('fails the check with the rule\'s error, not as a lost file', async () => {
    const { config } = await loadConfig({ cwd: root, isolated: true });
    const pool = ParsePool.open(1);
    expect(pool).not.toBeNull();
    try {
      // every rule reads its configured severity: without the table, each throws a TypeError
      const broken = { ...config, severity: undefined };
      pool!.setContext({ root, config: broken, all: ['x.py'], sanctioned: [], codes: ['LOAD001'] });
      const text = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n';
      const error = await pool!.check('x.py', text, undefined, [], false).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(WorkerLost);
      expect((error as Error).message).toMatch(/^a rule failed on x\.py in a parse worker: TypeError/);
      // the worker lives on: the next file is checked
      pool!.setContext({ root, config, all: ['x.py'], sanctioned: [], codes: ['LOAD001'] });
      const ok = await pool!.check('x.py', text, undefined, [], false);
      expect(JSON.parse(ok.results).findings.map((f: { code: string }) => f.code)).toEqual(['LOAD001']);
    } finally {
      await pool!.close();
    }
  });
});
