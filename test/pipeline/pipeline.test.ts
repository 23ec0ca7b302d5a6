import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PlanSchema } from '../../src/schemas/pipeline.js';
import { PIPELINE_SCHEMA_PATH, renderPipelineSpecJsonSchema } from '../../src/schemas/stamp-json-schema.js';
import { REPO, provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { describeErrors, validatorFor } from '../reporters/ajv.js';
import { parse as parseYaml } from 'yaml';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

const WRITE = `"""Writes its last argument; fails when FAIL is set, after writing part of it."""
import os, sys, json
out = sys.argv[-1]
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
with open(out, "w") as f:
    f.write(json.dumps({"accuracy": float(os.environ.get("ACC", "0.8")), "args": sys.argv[1:-1]}))
if os.environ.get("FAIL") == os.path.basename(out):
    sys.exit(3)
`;

function project(spec: string, files: Record<string, string> = {}): GitDir {
  const repo = makeGitDir({ 'provenant.toml': '', 'w.py': WRITE, 'raw.txt': 'raw\n', 'provenant.pipeline.yaml': spec, ...files });
  repo.add();
  repo.commit('init');
  repos.push(repo);
  return repo;
}

const CHAIN = `version: 1
hourly-rate: 2
stages:
  - id: a
    cmd: [python3, w.py, "\${params.n}", out/a.json]
    inputs: [raw.txt]
    input-verdicts: [ok, unstamped]
    outputs: [out/a.json]
    params: { n: 5 }
    smoke: { params: { n: 1 } }
    gpu-hours: 1
  - id: b
    cmd: [python3, w.py, out/a.json, out/b.json]
    inputs: [out/a.json]
    outputs: [out/b.json]
    gates: ["out/b.json:accuracy >= 0.7"]
    gpu-hours: 2
  - id: c
    cmd: [python3, w.py, out/b.json, out/c.json]
    inputs: [out/b.json]
    outputs: [out/c.json]
    gpu-hours: 4
`;

function plan(repo: GitDir, ...args: string[]) {
  const r = provenant(['pipeline', 'plan', '--json', ...args], repo.root);
  expect(r.code, r.stderr).toBeLessThanOrEqual(1);
  return PlanSchema.parse(JSON.parse(r.stdout));
}

describe('pipeline plan', () => {
  it('orders the stages, says what will run and why, and estimates hours and cost', () => {
    const repo = project(CHAIN);
    const p = plan(repo);
    expect(p.stages.map((s) => [s.id, s.state])).toEqual([['a', 'will-run'], ['b', 'will-run'], ['c', 'will-run']]);
    expect(p.stages[0]?.reasons).toEqual(['output out/a.json does not exist']);
    expect(p.stages[1]?.reasons).toEqual(['upstream stage a will run']);
    expect(p.estimate).toMatchObject({ gpuHours: 7, cost: 14, currency: 'USD' });
    expect(p.stages[0]?.argv).toEqual(['python3', 'w.py', '5', 'out/a.json']);
    expect(plan(repo, '--smoke').stages[0]?.argv).toEqual(['python3', 'w.py', '1', 'out/a.json']);
  });

  it('after a run everything is up to date; a param, input or script change says exactly what changed', () => {
    const repo = project(CHAIN);
    expect(provenant(['pipeline', 'run'], repo.root).code).toBe(0);
    expect(plan(repo).stages.every((s) => s.state === 'up-to-date')).toBe(true);
    expect(plan(repo).estimate.gpuHours).toBe(0);
    const smoke = plan(repo, '--smoke');
    expect(smoke.stages[0]?.reasons).toEqual(['param n: 5 → 1']);
    writeFileSync(path.join(repo.root, 'raw.txt'), 'changed\n');
    expect(plan(repo).stages[0]?.reasons).toEqual(['input raw.txt changed']);
    writeFileSync(path.join(repo.root, 'raw.txt'), 'raw\n');
    writeFileSync(path.join(repo.root, 'w.py'), WRITE + '# edit\n');
    expect(plan(repo).stages[0]?.reasons).toEqual(['script w.py changed']);
  });

  it('reports pre-flight problems: deprecated scripts, audit errors, inputs that fail verify', () => {
    const repo = project(
      `version: 1
stages:
  - id: old
    cmd: [python3, deprecated/gen.py, o1.json]
    outputs: [o1.json]
  - id: loads
    cmd: [python3, load.py, o2.json]
    inputs: [raw.txt]
    outputs: [o2.json]
`,
      {
        'deprecated/gen.py': 'print(1)\n',
        'load.py': 'from transformers import AutoTokenizer\nt = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-32B")\nt.apply_chat_template([{"role": "user", "content": "x"}])\n',
        'provenant.toml': 'base-models = ["Qwen/Qwen2.5-32B"]\n',
      },
    );
    const r = provenant(['pipeline', 'plan'], repo.root);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('BLOCKING old: script deprecated/gen.py is deprecated (it lives in a `deprecated/` folder)');
    expect(r.stdout).toMatch(/BLOCKING loads: script load.py has \d+ error-level audit finding\(s\) \(.*TMPL001/);
    expect(r.stdout).toContain('BLOCKING loads: input raw.txt is unstamped');
    expect(r.stdout).toMatch(/x old\s+blocked/);
  });
});

describe('pipeline run', () => {
  it('runs in order, stamps every output, and skips up-to-date stages on the next run', () => {
    const repo = project(CHAIN);
    const first = provenant(['pipeline', 'run'], repo.root);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('ran          a\nran          b\nran          c\n');
    for (const o of ['a', 'b', 'c']) expect(existsSync(path.join(repo.root, `out/${o}.json.prov.json`))).toBe(true);
    const stamp = JSON.parse(readFileSync(path.join(repo.root, 'out/b.json.prov.json'), 'utf8'));
    expect(stamp.predicate.buildDefinition.externalParameters.pipeline).toMatchObject({ stage: 'b', script: 'w.py' });
    expect(provenant(['verify', 'out/c.json'], repo.root).code).toBe(0);
    const second = provenant(['pipeline', 'run'], repo.root);
    expect(second.stdout).toBe('up-to-date   a\nup-to-date   b\nup-to-date   c\n');
  });

  it('stops at a failed gate with the metric, the threshold and what it blocks', () => {
    const repo = project(CHAIN);
    const r = provenant(['pipeline', 'run'], repo.root, { ACC: '0.5' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not-reached  c');
    expect(r.stdout).toContain('stopped at b: gate out/b.json:accuracy >= 0.7 failed: out/b.json:accuracy = 0.5, needs >= 0.7');
    expect(r.stdout).toContain('not run: c');
  });

  it('a stage that exits non-zero leaves its output unstamped; the next run redoes it and keeps what finished', () => {
    const repo = project(CHAIN);
    const failed = provenant(['pipeline', 'run'], repo.root, { FAIL: 'b.json' });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('failed       b');
    expect(failed.stderr).toContain('exited 3; its outputs were not stamped, so the next run redoes it');
    expect(existsSync(path.join(repo.root, 'out/b.json'))).toBe(true);
    expect(existsSync(path.join(repo.root, 'out/b.json.prov.json'))).toBe(false);
    const again = provenant(['pipeline', 'run'], repo.root);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('up-to-date   a\nran          b\nran          c\n');
  });

  it('refuses a stage whose outside input does not verify, skips what depends on it, and exits 1', () => {
    const repo = project(CHAIN.replace('    input-verdicts: [ok, unstamped]\n', ''));
    const r = provenant(['pipeline', 'run'], repo.root);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('refused      a\nskipped      b\nskipped      c\n');
    expect(r.stderr).toContain('a: refused: input raw.txt is unstamped');
    expect(existsSync(path.join(repo.root, 'out/a.json'))).toBe(false);
  });

  it('--until runs a stage and what it needs; --from a stage and what follows; --force reruns', () => {
    const repo = project(CHAIN);
    expect(provenant(['pipeline', 'run', '--until', 'b'], repo.root).stdout).toBe('ran          a\nran          b\n');
    expect(provenant(['pipeline', 'run', '--from', 'b'], repo.root).stdout).toBe('up-to-date   b\nran          c\n');
    expect(provenant(['pipeline', 'run', '--from', 'c', '--force'], repo.root).stdout).toBe('ran          c\n');
    const bad = provenant(['pipeline', 'run', '--until', 'nope'], repo.root);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--until nope: no such stage in provenant.pipeline.yaml');
  });
});

describe('bad specs (exit 2, file and line named)', () => {
  const cases: [string, string, string][] = [
    ['a cycle', 'version: 1\nstages:\n  - id: a\n    cmd: [python3, w.py, x]\n    inputs: [y]\n    outputs: [x]\n  - id: b\n    cmd: [python3, w.py, y]\n    inputs: [x]\n    outputs: [y]\n', 'the stages form a cycle: '],
    ['two stages writing one output', 'version: 1\nstages:\n  - id: a\n    cmd: [python3, w.py, x]\n    outputs: [x]\n  - id: b\n    cmd: [python3, w.py, x]\n    outputs: [x]\n', 'provenant.pipeline.yaml:8: stage b: output x is also written by stage a'],
    ['a gate on a file the stage does not write', 'version: 1\nstages:\n  - id: a\n    cmd: [python3, w.py, x]\n    outputs: [x]\n    gates: ["y.json:acc >= 1"]\n', 'provenant.pipeline.yaml:6: stage a: gate y.json:acc >= 1 reads y.json, which is not among the stage\'s outputs'],
    ['an unknown key', 'version: 1\nstages:\n  - id: a\n    cmd: [python3, w.py, x]\n    output: [x]\n', "provenant.pipeline.yaml:5: unknown key 'stages[0].output' (did you mean 'outputs'?)"],
    ['a string command without shell', 'version: 1\nstages:\n  - id: a\n    cmd: python3 w.py x\n    outputs: [x]\n', 'cmd is a string, which needs a shell'],
    ['broken YAML', 'version: 1\nstages: [\n', 'provenant.pipeline.yaml:'],
    ['slurm options on a local stage', 'version: 1\nstages:\n  - id: a\n    cmd: [python3, w.py, x]\n    outputs: [x]\n    slurm: { partition: gpu }\n', 'provenant.pipeline.yaml:6: stage a: has slurm options but runs locally; add executor: slurm'],
    ['a misspelt slurm key', 'version: 1\nexecutor: slurm\nslurm: { partiton: gpu }\nstages:\n  - id: a\n    cmd: [python3, w.py, x]\n    outputs: [x]\n', "provenant.pipeline.yaml:3: unknown key 'slurm.partiton' (did you mean 'partition'?)"],
    ['a SLURM time limit SLURM cannot read', 'version: 1\nstages:\n  - id: a\n    executor: slurm\n    slurm: { time: 2h }\n    cmd: [python3, w.py, x]\n    outputs: [x]\n', 'provenant.pipeline.yaml:5: '],
    ['a command that is not found', 'version: 1\nstages:\n  - id: a\n    cmd: [no-such-program-xyz, x]\n    outputs: [x]\n', 'stage a: command not found: no-such-program-xyz'],
  ];
  for (const [name, spec, message] of cases) {
    it(name, () => {
      const repo = project(spec);
      const r = provenant(['pipeline', 'run'], repo.root);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('a gate naming a missing metric fails the gate (exit 1) with the reason', () => {
    const repo = project(CHAIN.replace('accuracy >= 0.7', 'f1 >= 0.7'));
    const r = provenant(['pipeline', 'run'], repo.root);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('out/b.json has no metric f1');
  });

  it('no spec at all is a clear message', () => {
    const repo = project(CHAIN);
    rmSync(path.join(repo.root, 'provenant.pipeline.yaml'));
    const r = provenant(['pipeline', 'plan'], repo.root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('provenant.pipeline.yaml: no pipeline spec here');
  });
});

describe(PIPELINE_SCHEMA_PATH, () => {
  it('is generated from the zod schema, and the example spec validates against it', async () => {
    await expect(renderPipelineSpecJsonSchema()).toMatchFileSnapshot(path.join(REPO, PIPELINE_SCHEMA_PATH), `${PIPELINE_SCHEMA_PATH} is stale: regenerate with \`npx vitest run test/pipeline/pipeline.test.ts -u\``);
    const validate = validatorFor(PIPELINE_SCHEMA_PATH, { unionTypes: true });
    const lab = parseYaml(readFileSync(path.join(REPO, 'examples/stage1-lab/provenant.pipeline.yaml'), 'utf8'));
    expect(validate(lab), describeErrors(validate.errors)).toBe(true);
  });
});

describe('examples/stage1-lab, end to end', () => {
  it('stamps outputs, refuses the stage fed by a deprecated script, stops at the SFT gate, and skips finished stages next time', () => {
    const repo = makeGitDir();
    repos.push(repo);
    cpSync(path.join(REPO, 'examples/stage1-lab'), repo.root, { recursive: true });
    repo.add();
    repo.commit('lab');
    const first = provenant(['pipeline', 'run', '--smoke'], repo.root);
    expect(first.code).toBe(1);
    expect(first.stdout.split('\n').slice(0, 11)).toEqual([
      'ran          sentinel',
      'ran          baseline-eval',
      'ran          sft-data',
      'ran          pairs-v1',
      'refused      dpo-legacy',
      'ran          sft-train',
      'ran          sft-eval',
      'not-reached  pairs',
      'not-reached  dpo-train',
      'not-reached  dpo-eval',
      'not-reached  compare',
    ]);
    expect(first.stderr).toContain('dpo-legacy: refused: input artifacts/pairs_v1.jsonl is quarantined: made by stages/deprecated/make_pairs_v1.py while it was already deprecated');
    expect(first.stdout).toContain('stopped at sft-eval: gate reports/sft_eval.json:accuracy >= 0.70 failed');
    expect(first.stdout).toContain('blocks the decision: go on to preference pairs and DPO');
    expect(provenant(['verify', 'data/sft/train.jsonl', 'checkpoints/sft', 'reports/sft_eval.json'], repo.root).code).toBe(0);
    const second = provenant(['pipeline', 'run', '--smoke'], repo.root);
    expect(second.stdout).toContain('up-to-date   sft-data');
    expect(second.stdout).toContain('refused      dpo-legacy');
    expect(second.stdout).toContain('stopped at sft-eval');
    const gate = provenant(['gate'], repo.root);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/✗ audit\s+\d+ error-level finding/);
    expect(gate.stdout).toContain('gate: FAILED');
  });
});
