/**
 * Precision and recall of the audit on real code nobody here wrote: the corpus of bench/corpus/repos.json,
 * extracted by bench/corpus/extract.ts, audited with zero config (each tree is its own project), and the
 * findings matched against the hand labels in bench/corpus/labels/.
 *
 *   node dist/bench/precision.js [--trees DIR] [--json] [--unlabelled FILE] [NAME…]
 *
 * Precision counts default-enabled findings at error and warning severity (what fails a run): a labelled
 * finding is a true positive when it is a real instance of what its rule claims. Recall counts the
 * in-scope positives found among grep candidates labelled independently of the audit's output.
 * `--unlabelled FILE` writes the findings that have no label yet, one JSON line each, ready to judge.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { audit } from '../src/index.js';
import type { Finding } from '../src/schemas/finding.js';
import { BenchError, parseArgs, repoRoot, runBench } from './common.js';
import { corpusDir, labelKey, loadCorpus, loadLabels, type Label } from './corpus/list.js';

interface Tally {
  findings: number;
  labelled: number;
  tp: number;
  fp: number;
}

const tally = (): Tally => ({ findings: 0, labelled: 0, tp: 0, fp: 0 });

function add(into: Tally, from: Tally): void {
  into.findings += from.findings;
  into.labelled += from.labelled;
  into.tp += from.tp;
  into.fp += from.fp;
}

const precisionOf = (t: Tally): string => (t.labelled ? (t.tp / t.labelled).toFixed(2) : '—');

/** Test code by the usual conventions, for the findings-per-kLOC figure of non-test code. */
const TEST_PATH = /(?:^|\/)(?:tests?|testing)\/|(?:^|\/)(?:test_[^/]*|[^/]*_test|conftest)\.py$/;

function nonTestPythonLines(root: string): number {
  let lines = 0;
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === '.git' || e.name === 'node_modules' || e.name === '.provenant') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (e.isFile() && e.name.endsWith('.py') && !TEST_PATH.test(r)) {
        const text = readFileSync(path.join(dir, e.name), 'latin1');
        for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
      }
    }
  };
  walk(root, '');
  return lines;
}

/** The text of a finding's line; a notebook's frame is numbered by the cell's own lines. */
function lineText(f: Finding): string {
  const line = f.cell?.line ?? f.span.line;
  return (f.frame.find((l) => l.line === line)?.text ?? '').trim();
}

interface RepoResult {
  name: string;
  kloc: number;
  byRule: Map<string, Map<string, Tally>>;
  total: Tally;
  errors: Tally;
  info: number;
  positives: number;
  found: number;
  missed: Label[];
  unlabelled: { path: string; code: string; severity: string; line: number; text: string; message: string }[];
}

async function measure(name: string, root: string): Promise<RepoResult> {
  const labels = loadLabels(name);
  const byKey = new Map(labels.filter((l) => l.sample === 'finding').map((l) => [labelKey(l), l]));
  const result = await audit({ paths: [root], cwd: root, noCache: true, baseline: 'ignore' });
  const out: RepoResult = {
    name,
    kloc: nonTestPythonLines(root) / 1000,
    byRule: new Map(),
    total: tally(),
    errors: tally(),
    info: 0,
    positives: 0,
    found: 0,
    missed: [],
    unlabelled: [],
  };
  const reported = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const text = lineText(f);
    const same = reported.get(`${f.path}\u0000${f.code}`) ?? [];
    same.push(f);
    reported.set(`${f.path}\u0000${f.code}`, same);
    if (f.severity === 'info') {
      out.info++;
      continue;
    }
    const t = tally();
    t.findings = 1;
    const label = byKey.get(labelKey({ path: f.path, code: f.code, text }));
    if (label) {
      t.labelled = 1;
      if (label.label === 'tp') t.tp = 1;
      else t.fp = 1;
    } else {
      out.unlabelled.push({ path: f.path, code: f.code, severity: f.severity, line: f.span.line, text, message: f.message });
    }
    const rule = out.byRule.get(f.code) ?? new Map<string, Tally>();
    out.byRule.set(f.code, rule);
    const sev = rule.get(f.severity) ?? tally();
    rule.set(f.severity, sev);
    add(sev, t);
    add(out.total, t);
    if (f.severity === 'error') add(out.errors, t);
  }
  for (const l of labels) {
    if (l.sample !== 'candidate' || l.label !== 'tp') continue;
    out.positives++;
    // found when a finding of that code covers the line (a call's finding spans its arguments' lines)
    const at = l.line ?? 0;
    const hit = (reported.get(`${l.path}\u0000${l.code}`) ?? []).some((f) => f.span.line <= at && at <= Math.max(f.span.line, f.span.endLine));
    if (hit) out.found++;
    else out.missed.push(l);
  }
  return out;
}

/**
 * The seeds' defects on examples/stage1-lab, as the pinned test lists them (test/fixtures/
 * stage1-lab.expected.txt, up to its `# traps` part): how many of them the audit still reports.
 */
async function seedRecall(): Promise<{ expected: number; found: number; missed: string[] }> {
  const root = path.join(repoRoot(), 'examples', 'stage1-lab');
  const listed = readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'stage1-lab.expected.txt'), 'utf8').split('# traps')[0] ?? '';
  const expected = listed.split('\n').map((l) => /^(\S+):(\d+) (\w+)/.exec(l)).filter((m) => m !== null);
  const result = await audit({ paths: [root], cwd: root, noCache: true, baseline: 'ignore' });
  const seen = new Set(result.findings.map((f) => `${f.path}:${f.span.line} ${f.code}`));
  const missed = expected.map((m) => `${m[1]}:${m[2]} ${m[3]}`).filter((k) => !seen.has(k));
  return { expected: expected.length, found: expected.length - missed.length, missed };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['trees', 'unlabelled'], ['json']);
  const trees = path.resolve(args.values.get('trees')?.[0] ?? path.join(corpusDir(), 'trees'));
  const corpus = loadCorpus();
  const names = args.positional.length ? args.positional : corpus.map((r) => r.name);
  const results: RepoResult[] = [];
  for (const name of names) {
    if (!corpus.some((r) => r.name === name)) throw new BenchError(`${name}: not in bench/corpus/repos.json`);
    const root = path.join(trees, name);
    if (!existsSync(path.join(root, '.git', 'corpus-commit'))) {
      throw new BenchError(`${root}: not extracted; run node dist/bench/corpus/extract.js --mirrors DIR ${name}`);
    }
    console.error(`auditing ${name}…`);
    results.push(await measure(name, root));
  }

  const all = tally();
  const errors = tally();
  const rules = new Map<string, Map<string, Tally>>();
  let positives = 0;
  let found = 0;
  let info = 0;
  for (const r of results) {
    add(all, r.total);
    add(errors, r.errors);
    positives += r.positives;
    found += r.found;
    info += r.info;
    for (const [code, sevs] of r.byRule) {
      const into = rules.get(code) ?? new Map<string, Tally>();
      rules.set(code, into);
      for (const [sev, t] of sevs) {
        const x = into.get(sev) ?? tally();
        into.set(sev, x);
        add(x, t);
      }
    }
  }

  const seeds = await seedRecall();
  if (args.values.has('unlabelled')) {
    const file = path.resolve(args.values.get('unlabelled')?.[0] ?? '');
    writeFileSync(file, results.flatMap((r) => r.unlabelled.map((u) => JSON.stringify({ repo: r.name, ...u }))).join('\n') + '\n');
  }
  if (args.flags.has('json')) {
    console.log(JSON.stringify({ overall: all, errors, positives, found, info, seeds, repos: results.map((r) => ({ name: r.name, kloc: r.kloc, total: r.total, errors: r.errors, info: r.info, positives: r.positives, found: r.found, unlabelled: r.unlabelled.length, byRule: Object.fromEntries([...r.byRule].map(([c, s]) => [c, Object.fromEntries(s)])) })) }, null, 2));
    return 0;
  }

  const pad = (s: string | number, n: number): string => String(s).padStart(n);
  console.log('Precision of error and warning findings on the real-world corpus (zero config)\n');
  console.log(`${'rule'.padEnd(10)}${'severity'.padEnd(9)}${pad('found', 6)}${pad('labelled', 9)}${pad('tp', 5)}${pad('fp', 5)}${pad('precision', 10)}`);
  for (const code of [...rules.keys()].sort()) {
    for (const [sev, t] of rules.get(code) ?? []) {
      console.log(`${code.padEnd(10)}${sev.padEnd(9)}${pad(t.findings, 6)}${pad(t.labelled, 9)}${pad(t.tp, 5)}${pad(t.fp, 5)}${pad(precisionOf(t), 10)}`);
    }
  }
  console.log(`\n${'repository'.padEnd(24)}${pad('kLOC', 7)}${pad('found', 6)}${pad('per kLOC', 9)}${pad('labelled', 9)}${pad('precision', 10)}${pad('info', 6)}${pad('recall', 10)}`);
  for (const r of results) {
    const recall = r.positives ? `${r.found}/${r.positives}` : '—';
    console.log(`${r.name.padEnd(24)}${pad(r.kloc.toFixed(1), 7)}${pad(r.total.findings, 6)}${pad((r.total.findings / Math.max(r.kloc, 0.001)).toFixed(2), 9)}${pad(r.total.labelled, 9)}${pad(precisionOf(r.total), 10)}${pad(r.info, 6)}${pad(recall, 10)}`);
  }
  const unlabelled = all.findings - all.labelled;
  console.log(`\noverall: precision ${precisionOf(all)} (${all.tp}/${all.labelled} labelled of ${all.findings} error+warning findings)`);
  console.log(`errors:  precision ${precisionOf(errors)} (${errors.tp}/${errors.labelled} labelled of ${errors.findings})`);
  console.log(`recall:  ${positives ? (found / positives).toFixed(2) : '—'} (${found}/${positives} labelled in-scope positives among grep candidates)`);
  console.log(`seeds:   ${seeds.found}/${seeds.expected} of the defects on examples/stage1-lab still reported`);
  console.log(`info:    ${info} findings at info severity (not counted)`);
  if (unlabelled) console.log(`\n${unlabelled} findings have no label yet (--unlabelled FILE lists them)`);
  for (const m of seeds.missed) console.log(`missed: examples/stage1-lab ${m}`);
  for (const r of results) for (const m of r.missed) console.log(`missed: ${r.name} ${m.path}:${m.line} ${m.code}: ${m.text}`);
  return 0;
}

runBench(main);
