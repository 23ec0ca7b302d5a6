import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIN_PARALLEL_FILES, poolSize } from '../../src/analysis/parse-pool.js';
import { CRASH_ENV } from '../../src/analysis/parse-worker.js';
import { provenant } from '../helpers/exec.js';
import { useTmpProjects } from '../helpers/tmp.js';

const project = useTmpProjects({ 'provenant.toml': '' });

/** A file LOAD001 reports (a tokenizer loaded without the project's loader), line 2. */
const LOAD = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n';

/** The same files under other names (`pkg/m000.py` → `pkg/n000.py`). */
function renamed(set: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(set).map(([p, body]) => [p.replace('/m', '/n'), body]));
}

function files(n: number, body: string): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`pkg/m${String(i).padStart(3, '0')}.py`, body]));
}

/** Makes `os.availableParallelism()` answer `cores` in the audited process, as on a machine with that many. */
function cores(dir: string, n: number): NodeJS.ProcessEnv {
  const preload = path.join(dir, `cores-${n}.cjs`);
  writeFileSync(preload, `require('node:os').availableParallelism = () => ${n};\n`);
  return { NODE_OPTIONS: `--require ${preload}` };
}

interface Report {
  findings: { path: string; code: string }[];
  skipped: { path: string; reason: string }[];
  stats: { filesAnalysed: number; filesParsed: number };
}

describe('parse workers', () => {
  it('chooses no worker for a few files or on one core, one per core (up to 8) otherwise', () => {
    expect(poolSize(MIN_PARALLEL_FILES - 1, 8, undefined)).toBe(0);
    expect(poolSize(5000, 1, undefined)).toBe(0);
    expect(poolSize(5000, 2, undefined)).toBe(2);
    expect(poolSize(5000, 64, undefined)).toBe(8);
    expect(poolSize(3, 1, '2')).toBe(2);
    expect(poolSize(0, 8, '2')).toBe(0);
  });

  // 40 files are all handed out for their facts; of 120, the last are checked in the workers
  it.each([
    ['parsing it', 40, 'pkg/crash_here.py'],
    ['checking it', 120, 'pkg/zz_crash_here.py'],
  ])('reports the file of a worker that crashed while %s as not analysed, analyses the rest, and does not hang', (_when, n, crash) => {
    const dir = project({ ...files(n, LOAD), [crash]: LOAD });
    const r = provenant(['audit', '--no-cache', '--format', 'json', '.'], dir, { PROVENANT_PARSE_WORKERS: '2', [CRASH_ENV]: 'crash_here' });
    // neither an internal error (3) nor a hang (null, killed by the timeout)
    expect([0, 1]).toContain(r.code);
    const report = JSON.parse(r.stdout) as Report;
    const lost = report.skipped.filter((s) => s.reason.startsWith('not analysed: its parse worker stopped (exit code 70)'));
    expect(lost.map((s) => s.path)).toContain(crash);
    // the dead worker held at most two files; every other file was analysed by the worker that replaced it
    expect(lost.length).toBeLessThanOrEqual(2);
    expect(report.stats.filesAnalysed).toBe(n + 1 - lost.length);
    const reported = new Set(report.findings.filter((f) => f.code === 'LOAD001').map((f) => f.path));
    expect(reported.size).toBe(n + 1 - lost.length);
    for (const s of lost) expect(reported.has(s.path)).toBe(false);
  });

  it('ends, reporting what it could not analyse, when every worker it may start has crashed', () => {
    // one worker, replaced at most three times: the fifth crash leaves none, and the files still to parse are lost
    const crashing = Object.fromEntries([50, 100, 150, 200, 250].map((n) => [`pkg/m${n}_crash_here.py`, LOAD]));
    const dir = project({ ...files(300, LOAD), ...crashing });
    const r = provenant(['audit', '--no-cache', '--format', 'json', '.'], dir, { PROVENANT_PARSE_WORKERS: '1', [CRASH_ENV]: 'crash_here' });
    expect([0, 1]).toContain(r.code);
    const report = JSON.parse(r.stdout) as Report;
    const lost = report.skipped.filter((s) => s.reason.startsWith('not analysed: '));
    expect(lost.some((s) => /every parse worker stopped/.test(s.reason))).toBe(true);
    expect(report.stats.filesAnalysed + lost.length).toBe(305);
    const reported = new Set(report.findings.filter((f) => f.code === 'LOAD001').map((f) => f.path));
    expect(reported.size).toBe(305 - lost.length);
  });

  it('never says all clear when a worker crashed, and remembers no results for the lost file', () => {
    // parsed (it imports what loads a model) and clean (it loads nothing)
    const clean = 'from transformers import pipeline\n\ndef task_name():\n    return "text-generation"\n';
    const dir = project({ ...files(20, clean), 'pkg/crash_here.py': clean });
    const env = { PROVENANT_PARSE_WORKERS: '1', [CRASH_ENV]: 'crash_here' };
    const r = provenant(['audit', '.'], dir, env);
    expect(r.stdout + r.stderr).toMatch(/pkg\/crash_here\.py: skipped: not analysed: its parse worker stopped/);
    expect(r.stdout).not.toMatch(/All clear/);
    expect(r.stdout).toMatch(/No problems found in what was analysed; \d+ files? skipped/);
    // the next run, without the crash, analyses the lost file instead of trusting a remembered empty result
    const again = provenant(['audit', '--format', 'json', '.'], dir, { PROVENANT_PARSE_WORKERS: '1' });
    const report = JSON.parse(again.stdout) as Report;
    expect(report.skipped).toEqual([]);
    expect(report.stats.filesAnalysed).toBe(21);
  });

  // a loader the other files bypass, found by inference (what the workers checked before it is redone), listed in
  // the config, or none (what they checked beside the facts stands)
  const LOADER =
    'from transformers import AutoModelForCausalLM, AutoTokenizer\n\nclass CleanModelLoader:\n    def load(self, name):\n        tok = AutoTokenizer.from_pretrained(name)\n        tok.chat_template = None\n        return AutoModelForCausalLM.from_pretrained(name), tok\n';
  it.each([
    ['inferred', { 'pkg/clean_model_loader.py': LOADER }, '', /outside the sanctioned loader `clean_model_loader\.CleanModelLoader`/],
    ['configured', { 'pkg/clean_model_loader.py': LOADER }, 'sanctioned-loaders = ["clean_model_loader.CleanModelLoader"]\n', /outside the sanctioned loader `clean_model_loader\.CleanModelLoader`/],
    ['absent', {}, '', /no sanctioned loader guards/],
  ])('checks files in the workers as the main thread does (loader %s), and caches what they parsed and found', (_loader, extra, toml, message) => {
    // files loader inference reads first (they touch the chat template), a suppression, a file only a suppression makes read
    const hinted = `${LOAD}tok.chat_template = None\n`;
    const suppressed = `${LOAD.trimEnd()}  # provenant: ignore[LOAD001] vetted\n`;
    // 80 hinted files: more than the examination finds before it hands them to the workers as it goes on
    const dir = project({ ...files(80, hinted), ...renamed(files(60, LOAD)), ...extra, 'pkg/vetted.py': suppressed, 'pkg/plain.py': 'x = 1  # provenant: ignore[TMPL001]\n', 'provenant.toml': toml });
    const run = (env: NodeJS.ProcessEnv, cache: boolean): Report & { findings: unknown[] } =>
      JSON.parse(provenant(['audit', ...(cache ? [] : ['--no-cache']), '--format', 'json', '.'], dir, env).stdout) as Report & { findings: unknown[] };
    const here = run({ PROVENANT_PARSE_WORKERS: '0' }, false);
    expect(here.findings.length).toBeGreaterThan(90);
    expect(JSON.stringify(here.findings)).toMatch(message);
    const there = run({ PROVENANT_PARSE_WORKERS: '2' }, true);
    expect(there.findings).toEqual(here.findings);
    expect(there.stats.filesParsed).toBe(here.stats.filesParsed);
    // without a cache the facts of files checked beside their parse stay in the workers: when inference finds a
    // loader the checks are redone by parsing those files again
    const bare = run({ PROVENANT_PARSE_WORKERS: '2' }, false);
    expect(bare.findings).toEqual(here.findings);
    expect(bare.stats.filesParsed).toBe(here.stats.filesParsed);
    // the next run reads what the workers parsed and found from the cache
    const warm = run({ PROVENANT_PARSE_WORKERS: '0' }, true);
    expect(warm.findings).toEqual(here.findings);
    expect(warm.stats.filesParsed).toBe(0);
    // a new setting recomputes every file's results, from the facts the workers sent for the cache
    writeFileSync(path.join(dir, 'provenant.toml'), `${toml}fail-on = "error"\n`);
    const again = run({ PROVENANT_PARSE_WORKERS: '0' }, true);
    expect(again.findings).toEqual(here.findings);
    expect(again.stats.filesParsed).toBe(0);
  });

  it('after a config change, checks the cached files in the workers from their packed facts, under the new config', () => {
    const dir = project({ ...files(20, LOAD), 'pkg/crash_here.py': LOAD });
    const env = { PROVENANT_PARSE_WORKERS: '2' };
    const first = JSON.parse(provenant(['audit', '--format', 'json', '.'], dir, env).stdout) as Report;
    expect(first.findings.filter((f) => f.code === 'LOAD001')).toHaveLength(21);
    writeFileSync(path.join(dir, 'provenant.toml'), 'ignore = ["LOAD001"]\n');
    const changed = provenant(['audit', '--format', 'json', '.'], dir, env);
    const fresh = provenant(['audit', '--no-cache', '--format', 'json', '.'], dir, env);
    const report = JSON.parse(changed.stdout) as Report;
    expect(report.stats.filesParsed).toBe(0);
    expect(report.findings).toEqual((JSON.parse(fresh.stdout) as Report).findings);
    expect(report.findings.filter((f) => f.code === 'LOAD001')).toEqual([]);
    // the checks ran in the workers: one that dies on a file loses that file, reported
    writeFileSync(path.join(dir, 'provenant.toml'), 'ignore = ["LOAD002"]\n');
    const crashed = JSON.parse(provenant(['audit', '--format', 'json', '.'], dir, { ...env, [CRASH_ENV]: 'crash_here' }).stdout) as Report;
    const lost = crashed.skipped.filter((s) => s.reason.startsWith('not analysed: its parse worker stopped'));
    expect(lost.map((s) => s.path)).toContain('pkg/crash_here.py');
    // the dead worker held at most two files
    expect(lost.length).toBeLessThanOrEqual(2);
    expect(crashed.stats.filesParsed).toBe(0);
    expect(crashed.findings.filter((f) => f.code === 'LOAD001')).toHaveLength(21 - lost.length);
  });

  it('uses workers by default on two cores, and none on one core', () => {
    const dir = project({ ...files(MIN_PARALLEL_FILES, LOAD), 'pkg/crash_here.py': LOAD });
    // the crash hook fires only inside a worker: on one core the main thread parses every file
    const one = provenant(['audit', '--no-cache', '--format', 'json', '.'], dir, { ...cores(dir, 1), [CRASH_ENV]: 'crash_here' });
    const single = JSON.parse(one.stdout) as Report;
    expect(single.skipped).toEqual([]);
    expect(single.stats.filesAnalysed).toBe(MIN_PARALLEL_FILES + 1);
    const two = provenant(['audit', '--no-cache', '--format', 'json', '.'], dir, { ...cores(dir, 2), [CRASH_ENV]: 'crash_here' });
    const dual = JSON.parse(two.stdout) as Report;
    expect(dual.skipped.map((s) => s.path)).toContain('pkg/crash_here.py');
    // each file parsed once, though loader inference reads the loading files before their rules do
    expect(dual.stats.filesParsed).toBe(dual.stats.filesAnalysed);
    expect(dual.findings.filter((f) => f.code === 'LOAD001').length).toBe(single.findings.filter((f) => f.code === 'LOAD001').length - dual.skipped.length);
  });
});
