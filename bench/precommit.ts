/**
 * Pre-commit latency: how long `provenant audit --staged` takes, as a whole process, when one Python file
 * is staged in a repository of 5,000 Python files and provenant's cache is warm.
 *
 *   npm run build && node dist/bench/precommit.js
 *   node dist/bench/precommit.js --runs 50 --files 20000 --json
 *   node dist/bench/precommit.js --keep            # leave the generated repository for a look
 *
 * The repository is generated (a fixed seed, so every run builds the same files): research-style modules,
 * configs, CLIs, and a few dozen scripts that load models with transformers or launch commands with
 * subprocess, so the prefilter has something to pick. After one full `provenant audit` and one
 * `audit --staged` (the warm-up), each measured run stages a fresh edit of one training script (not timed)
 * and then times a new `node bin/provenant.js audit --staged` process from spawn to exit (its compile cache,
 * written by the warm-up, lives in the bench's temporary folder). `node -e 0` is
 * timed the same way for reference: the part of every figure that is Node starting and stopping.
 * Figures are printed, never asserted; the exit code is 0 unless something failed to run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  parseArgs,
  BenchError,
  MB,
  median,
  repoRoot,
  runBench,
  seeded,
  waitForIdle,
} from './common.js';

const USAGE = `usage: node dist/bench/precommit.js [--runs N] [--files N] [--registry] [--named] [--keep] [--wait-idle] [--json]

  --runs N      measured runs of provenant audit --staged (default 20), and as many of node -e 0
  --files N     Python files in the generated repository (default 5000)
  --registry    the repository keeps a registry (IMPLEMENTATION_REGISTRY.md), so DUP001 compares every
                audited function with the whole project's
  --named       time \`provenant audit FILE\` (the staged file named, as the pre-commit framework's hook
                passes it) instead of \`provenant audit --staged\`
  --keep        keep the generated repository and print its path
  --wait-idle   before each measured run, wait for a 90 % idle CPU (Linux, for shared machines)
  --json        print the figures as JSON`;

/** The training script that every measured run edits and stages. */
const STAGED = 'experiments/sft/train_sft_003.py';

// ---------------------------------------------------------------------------------------------
// The generated repository
// ---------------------------------------------------------------------------------------------

type Random = () => number;
const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const int = (r: Random, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const NOUNS = ['batch', 'sample', 'token', 'reward', 'prompt', 'score', 'logit', 'shard', 'record', 'feature', 'label', 'rollout'];
const VERBS = ['load', 'build', 'compute', 'filter', 'merge', 'collate', 'normalize', 'score', 'split', 'summarize', 'pack', 'encode'];
const MODELS = ['meta-llama/Llama-3.1-8B', 'Qwen/Qwen2.5-7B-Instruct', 'mistralai/Mistral-7B-v0.3', 'google/gemma-2-9b-it', 'allenai/OLMo-2-1124-7B'];

function ident(r: Random): string {
  return `${pick(r, VERBS)}_${pick(r, NOUNS)}${r() < 0.3 ? `_${pick(r, NOUNS)}` : ''}`;
}

function helperFunction(r: Random): string {
  const name = ident(r);
  const arg = pick(r, NOUNS);
  const body = pick(r, [
    `    out = []\n    for i, item in enumerate(${arg}s):\n        if item is None:\n            continue\n        out.append({"index": i, "value": item, "length": len(str(item))})\n    return out\n`,
    `    total = sum(float(x) for x in ${arg}s)\n    count = max(len(${arg}s), 1)\n    mean = total / count\n    var = sum((float(x) - mean) ** 2 for x in ${arg}s) / count\n    return {"mean": mean, "std": math.sqrt(var), "n": count}\n`,
    `    arr = np.asarray(${arg}s, dtype=np.float32)\n    arr = (arr - arr.mean()) / (arr.std() + 1e-8)\n    return np.clip(arr, -${int(r, 2, 9)}.0, ${int(r, 2, 9)}.0)\n`,
    `    with open(path, "r", encoding="utf-8") as fh:\n        rows = [json.loads(line) for line in fh if line.strip()]\n    return [row for row in rows if row.get("${pick(r, NOUNS)}") is not None][: ${int(r, 100, 5000)}]\n`,
    `    seen = set()\n    kept = []\n    for row in ${arg}s:\n        key = hashlib.sha1(json.dumps(row, sort_keys=True).encode()).hexdigest()\n        if key in seen:\n            continue\n        seen.add(key)\n        kept.append(row)\n    logger.info("kept %d of %d", len(kept), len(${arg}s))\n    return kept\n`,
  ]);
  const params = body.includes('path') ? `path: str, ${arg}s=None` : `${arg}s`;
  return `def ${name}(${params}):\n    """${pick(r, VERBS)[0]?.toUpperCase()}${pick(r, VERBS).slice(1)} the ${arg}s for the ${pick(r, ['eval', 'sft', 'dpo', 'reward model', 'ablation'])} run."""\n${body}`;
}

function torchModule(r: Random): string {
  const name = `${pick(r, ['Reward', 'Value', 'Projection', 'Gated', 'Residual', 'Pooling'])}${pick(r, ['Head', 'Block', 'Adapter', 'Layer'])}${int(r, 1, 99)}`;
  const hidden = pick(r, [256, 512, 768, 1024, 2048, 4096]);
  return (
    `class ${name}(nn.Module):\n` +
    `    def __init__(self, hidden_size: int = ${hidden}, dropout: float = ${(r() * 0.3).toFixed(2)}):\n` +
    `        super().__init__()\n        self.norm = nn.LayerNorm(hidden_size)\n        self.proj = nn.Linear(hidden_size, ${pick(r, [1, hidden, hidden / 2])})\n        self.drop = nn.Dropout(dropout)\n\n` +
    `    def forward(self, hidden_states, attention_mask=None):\n        x = self.drop(self.norm(hidden_states))\n` +
    `        if attention_mask is not None:\n            x = x * attention_mask.unsqueeze(-1)\n            x = x.sum(dim=1) / attention_mask.sum(dim=1, keepdim=True).clamp(min=1)\n` +
    `        return self.proj(x)\n`
  );
}

function configClass(r: Random): string {
  const fields = Array.from({ length: int(r, 4, 12) }, () => {
    const [name, value] = pick(r, [
      ['learning_rate', `${int(r, 1, 9)}e-${int(r, 4, 6)}`],
      ['warmup_ratio', (r() * 0.1).toFixed(3)],
      ['per_device_batch_size', String(pick(r, [1, 2, 4, 8, 16]))],
      ['gradient_accumulation_steps', String(pick(r, [1, 2, 4, 8, 16, 32]))],
      ['max_seq_length', String(pick(r, [512, 1024, 2048, 4096, 8192]))],
      ['seed', String(int(r, 0, 9999))],
      ['beta', (r() * 0.5).toFixed(2)],
      ['output_dir', `"runs/${pick(r, NOUNS)}_${int(r, 1, 400)}"`],
      ['num_epochs', String(int(r, 1, 5))],
    ] as const);
    return { name, value };
  });
  const unique = [...new Map(fields.map((f) => [f.name, f])).values()];
  return (
    `@dataclass\nclass ${pick(r, ['Train', 'Eval', 'Data', 'Sweep', 'Reward'])}Config${int(r, 1, 99)}:\n` +
    unique.map((f) => `    ${f.name}: ${f.value.startsWith('"') ? 'str' : f.value.includes('.') || f.value.includes('e-') ? 'float' : 'int'} = ${f.value}\n`).join('')
  );
}

function cliMain(r: Random): string {
  const flags = Array.from({ length: int(r, 2, 6) }, () => pick(r, NOUNS)).filter((v, i, a) => a.indexOf(v) === i);
  return (
    `def main(argv=None):\n    parser = argparse.ArgumentParser(description="${pick(r, VERBS)} ${pick(r, NOUNS)}s")\n` +
    flags.map((f) => `    parser.add_argument("--${f}-path", default="data/${f}s.jsonl")\n`).join('') +
    `    parser.add_argument("--limit", type=int, default=${int(r, 10, 10000)})\n    args = parser.parse_args(argv)\n` +
    `    logging.basicConfig(level=logging.INFO)\n    logger.info("arguments: %s", vars(args))\n    return 0\n\n\n` +
    `if __name__ == "__main__":\n    sys.exit(main())\n`
  );
}

const COMMON_IMPORTS = 'import argparse\nimport hashlib\nimport json\nimport logging\nimport math\nimport sys\nfrom dataclasses import dataclass\n';

/** An ordinary module: helpers, configs, torch modules, sometimes a CLI. No trigger of any rule. */
function plainModule(r: Random, index: number): string {
  const parts: string[] = [`"""${pick(r, VERBS)} utilities for ${pick(r, NOUNS)} ${pick(r, ['pipelines', 'ablations', 'evaluation', 'analysis'])} (module ${index})."""\n`, COMMON_IMPORTS];
  const torchy = r() < 0.4;
  parts.push(torchy ? 'import numpy as np\nimport torch\nfrom torch import nn\n' : 'import numpy as np\n');
  parts.push('\nlogger = logging.getLogger(__name__)\n');
  const n = int(r, 2, 9);
  for (let i = 0; i < n; i++) {
    const kind = r();
    parts.push('\n\n' + (torchy && kind < 0.3 ? torchModule(r) : kind < 0.45 ? configClass(r) : helperFunction(r)));
  }
  if (r() < 0.25) parts.push('\n\n' + cliMain(r));
  return parts.join('');
}

/** A training or eval script that loads a model and tokenizer with transformers. */
function transformersScript(r: Random, index: number, variant = 0): string {
  const model = pick(r, MODELS);
  return (
    `"""Supervised fine-tuning script ${index}."""\n${COMMON_IMPORTS}\nimport torch\nfrom transformers import AutoModelForCausalLM, AutoTokenizer\n\n` +
    `logger = logging.getLogger(__name__)\nMODEL = "${model}"\n\n\n` +
    `def build(model_name: str = MODEL):\n    tokenizer = AutoTokenizer.from_pretrained(model_name)\n` +
    `    model = AutoModelForCausalLM.from_pretrained(model_name, torch_dtype=torch.bfloat16)\n    return model, tokenizer\n\n\n` +
    `def format_example(tokenizer, example):\n    messages = [{"role": "user", "content": example["prompt"]}, {"role": "assistant", "content": example["response"]}]\n` +
    `    return tokenizer.apply_chat_template(messages, tokenize=False)\n\n\n` +
    `${configClass(r)}\n\n${helperFunction(r)}\n\n` +
    `def train(learning_rate: float = ${(variant + 1) * 1e-5}):\n    model, tokenizer = build()\n    logger.info("lr=%s params=%d", learning_rate, sum(p.numel() for p in model.parameters()))\n    return model\n\n\n` +
    `if __name__ == "__main__":\n    train()\n`
  );
}

/** A launcher that runs other scripts with subprocess. */
function launcherScript(r: Random, index: number): string {
  const script = pick(r, ['train.py', 'eval.py', 'scripts/score.py', 'experiments/sft/train_sft_001.py', 'tools/export.py']);
  return (
    `"""Sweep launcher ${index}."""\nimport itertools\nimport subprocess\nimport sys\n\n\n` +
    `def launch(lr, seed):\n    cmd = [sys.executable, "${script}", "--learning-rate", str(lr), "--seed", str(seed)]\n` +
    `    return subprocess.run(cmd, check=True)\n\n\n` +
    `def main():\n    for lr, seed in itertools.product([1e-5, 3e-5, 1e-4], range(${int(r, 1, 5)})):\n        launch(lr, seed)\n\n\n` +
    `if __name__ == "__main__":\n    main()\n`
  );
}

interface GeneratedRepo {
  root: string;
  files: number;
  bytes: number;
  transformersFiles: number;
  launcherFiles: number;
}

/** Runs git with the developer's configuration kept out, so the generated repository is the same everywhere. */
function git(args: string[], cwd: string, home: string): string {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.toUpperCase().startsWith('GIT_')) env[name] = value;
  const r = spawnSync('git', args, {
    cwd,
    env: { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'), LC_ALL: 'C' },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.error) throw new BenchError(`cannot run git: ${r.error.message}`);
  if (r.status !== 0) throw new BenchError(`git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

const FOLDERS = ['src/lab/data', 'src/lab/models', 'src/lab/eval', 'src/lab/rewards', 'src/lab/utils', 'scripts', 'experiments/sft', 'experiments/dpo', 'experiments/ablations', 'analysis', 'tests'];

function generateRepo(base: string, count: number, registry: boolean): GeneratedRepo {
  const root = path.join(base, 'repo');
  const home = path.join(base, 'home');
  mkdirSync(root, { recursive: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, '.gitconfig'), '');
  const r = seeded(20240601);
  const transformersEvery = Math.max(1, Math.floor(count / 40));
  const launcherEvery = Math.max(1, Math.floor(count / 20));
  let bytes = 0;
  let transformersFiles = 0;
  let launcherFiles = 0;
  const write = (rel: string, content: string): void => {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
    bytes += Buffer.byteLength(content);
  };
  for (let i = 0; i < count; i++) {
    let rel: string;
    let content: string;
    if (i % transformersEvery === 3) {
      rel = `experiments/sft/train_sft_${String(transformersFiles).padStart(3, '0')}.py`;
      content = transformersScript(r, transformersFiles);
      transformersFiles++;
    } else if (i % launcherEvery === 7) {
      rel = `scripts/sweep_${String(launcherFiles).padStart(3, '0')}.py`;
      content = launcherScript(r, launcherFiles);
      launcherFiles++;
    } else {
      const folder = FOLDERS[i % FOLDERS.length] ?? 'src';
      rel = `${folder}/group_${String(Math.floor(i / 500)).padStart(2, '0')}/${ident(r)}_${i}.py`;
      content = plainModule(r, i);
    }
    write(rel, content);
  }
  if (!existsSync(path.join(root, STAGED))) throw new BenchError(`the generator did not write ${STAGED}; use --files 200 or more`);
  write('pyproject.toml', '[project]\nname = "lab"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n');
  write('.gitignore', '.provenant/\nruns/\n__pycache__/\n');
  if (registry) write('IMPLEMENTATION_REGISTRY.md', '# Implementation registry\n');
  git(['init', '-q', '-b', 'main'], root, home);
  git(['config', 'user.name', 'Bench'], root, home);
  git(['config', 'user.email', 'bench@provenant.invalid'], root, home);
  git(['add', '-A'], root, home);
  git(['commit', '-q', '--no-verify', '-m', 'corpus', '--date', '2024-06-01T00:00:00Z'], root, home);
  return { root, files: count, bytes, transformersFiles, launcherFiles };
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

interface Run {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

function timed(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const start = performance.now();
  const child = spawnSync(process.execPath, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = performance.now() - start;
  if (child.error) throw new BenchError(`cannot start node: ${child.error.message}`);
  return { ms, status: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** Exit 0 (clean) and 1 (findings) are audits that ran; anything else is reported and stops the bench. */
function checkAudit(run: Run, what: string): void {
  if (run.status === 0 || run.status === 1) return;
  const why = run.status === null ? 'was killed' : `exited with ${run.status}`;
  throw new BenchError(`${what} ${why}:\n${(run.stderr || run.stdout).trim()}`);
}

/** True when the CLI rejected `--staged` itself (it is not built into this provenant yet). */
function stagedRejected(run: Run): boolean {
  return run.status === 2 && /--staged/.test(run.stderr) && /unknown|unexpected|not recogni[sz]ed|invalid/i.test(run.stderr);
}

const ms = (value: number): number => Math.round(value * 10) / 10;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['runs', 'files'], ['keep', 'wait-idle', 'json', 'help', 'registry', 'named']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  if (args.positional.length > 0) throw new BenchError(`unexpected argument ${args.positional[0]}\n${USAGE}`);
  const runs = Number(args.values.get('runs')?.at(-1) ?? '20');
  const fileCount = Number(args.values.get('files')?.at(-1) ?? '5000');
  if (!Number.isInteger(runs) || runs < 1) throw new BenchError('--runs needs a positive integer');
  if (!Number.isInteger(fileCount) || fileCount < 200) throw new BenchError('--files needs an integer of at least 200');
  const waitIdle = args.flags.has('wait-idle');
  if (waitIdle && !existsSync('/proc/stat')) throw new BenchError('--wait-idle needs /proc/stat (Linux)');

  const bin = path.join(repoRoot(), 'bin', 'provenant.js');
  if (!existsSync(path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js'))) {
    throw new BenchError('dist/src/cli/main.js is missing: run `npm run build` first');
  }

  const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'provenant-bench-precommit-')));
  try {
    process.stderr.write(`generating ${fileCount.toLocaleString('en-US')} Python files in ${base}/repo …\n`);
    const t0 = performance.now();
    const repo = generateRepo(base, fileCount, args.flags.has('registry'));
    const command = args.flags.has('named') ? ['audit', STAGED] : ['audit', '--staged'];
    const generateS = (performance.now() - t0) / 1000;
    const home = path.join(base, 'home');
    const staged = path.join(repo.root, STAGED);
    const stageEdit = (variant: number): void => {
      // The same script each time (same model, same findings), with a new learning rate: new bytes to audit.
      writeFileSync(staged, transformersScript(seeded(3), 3, variant));
      git(['add', '--', STAGED], repo.root, home);
    };

    // Warm-up: a full audit fills the cache for every file and, starting with none, provenant's compile
    // cache (kept in the bench's folder), then one --staged run as a hook would.
    process.stderr.write('warm-up: provenant audit, then provenant audit --staged …\n');
    const env = { PROVENANT_COMPILE_CACHE: path.join(base, 'v8cache') };
    const full = timed([bin, 'audit'], repo.root, env);
    checkAudit(full, 'provenant audit (warm-up)');
    stageEdit(0);
    const first = timed([bin, ...command], repo.root, env);
    if (stagedRejected(first)) {
      console.log(
        'provenant audit --staged: this build of provenant rejects --staged, so there is nothing to measure yet.\n' +
          `It said: ${first.stderr.trim().split('\n')[0] ?? ''}\n` +
          `For reference, a full provenant audit of the generated repository took ${(full.ms / 1000).toFixed(2)} s.`,
      );
      return 0;
    }
    checkAudit(first, 'provenant audit --staged (warm-up)');

    // Each measured run is followed by one with the compile cache off, on a fresh edit too, so that
    // background load hits both alike: what the cache is worth, measured in the same run.
    const auditMs: number[] = [];
    const uncachedMs: number[] = [];
    const statuses = new Map<number, number>();
    let lastStdout = '';
    for (let i = 1; i <= runs; i++) {
      stageEdit(2 * i - 1);
      if (waitIdle) await waitForIdle();
      const run = timed([bin, ...command], repo.root, env);
      checkAudit(run, `provenant audit --staged (run ${i})`);
      auditMs.push(run.ms);
      statuses.set(run.status ?? -1, (statuses.get(run.status ?? -1) ?? 0) + 1);
      lastStdout = run.stdout;
      stageEdit(2 * i);
      if (waitIdle) await waitForIdle();
      const uncached = timed([bin, ...command], repo.root, { PROVENANT_COMPILE_CACHE: 'off' });
      checkAudit(uncached, `provenant audit --staged without the compile cache (run ${i})`);
      uncachedMs.push(uncached.ms);
      process.stderr.write(`  run ${i}/${runs}: ${run.ms.toFixed(0)} ms (exit ${run.status}); compile cache off: ${uncached.ms.toFixed(0)} ms\n`);
    }
    const nodeMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      if (waitIdle) await waitForIdle();
      nodeMs.push(timed(['-e', '0'], repo.root).ms);
    }

    const result = {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      repo: {
        files: repo.files,
        MB: Math.round((repo.bytes / MB) * 10) / 10,
        transformersFiles: repo.transformersFiles,
        launcherFiles: repo.launcherFiles,
        generateS: Math.round(generateS * 10) / 10,
      },
      staged: STAGED,
      command: `provenant ${command.join(' ')}`,
      registry: args.flags.has('registry'),
      runs,
      auditStaged: { medianMs: ms(median(auditMs)), maxMs: ms(Math.max(...auditMs)), minMs: ms(Math.min(...auditMs)), exitCodes: Object.fromEntries(statuses) },
      compileCacheOff: { medianMs: ms(median(uncachedMs)), maxMs: ms(Math.max(...uncachedMs)) },
      nodeE0: { medianMs: ms(median(nodeMs)), maxMs: ms(Math.max(...nodeMs)) },
      warmup: { fullAuditMs: ms(full.ms), firstStagedMs: ms(first.ms) },
      lastSummary: lastStdout.trim().split('\n').at(-1) ?? '',
      kept: args.flags.has('keep') ? repo.root : null,
    };
    if (args.flags.has('json')) {
      console.log(JSON.stringify(result, null, 2));
      return 0;
    }
    const exits = [...statuses].map(([code, n]) => `exit ${code} ×${n}`).join(', ');
    console.log(
      [
        `provenant ${command.join(' ')}, one staged file (${STAGED}) in a repository of ${repo.files.toLocaleString('en-US')} Python files (${result.repo.MB} MB)${args.flags.has('registry') ? ' with a registry' : ''}, warm cache`,
        `  ${runs} runs: median ${result.auditStaged.medianMs.toFixed(0)} ms, max ${result.auditStaged.maxMs.toFixed(0)} ms, min ${result.auditStaged.minMs.toFixed(0)} ms (${exits})`,
        `  the same with PROVENANT_COMPILE_CACHE=off (alternating): median ${result.compileCacheOff.medianMs.toFixed(0)} ms, max ${result.compileCacheOff.maxMs.toFixed(0)} ms (cached ÷ off: ${(result.auditStaged.medianMs / result.compileCacheOff.medianMs).toFixed(2)})`,
        `  node -e 0, for reference: median ${result.nodeE0.medianMs.toFixed(0)} ms, max ${result.nodeE0.maxMs.toFixed(0)} ms`,
        `  warm-up: full audit ${(full.ms / 1000).toFixed(2)} s (no compile cache yet), first --staged ${first.ms.toFixed(0)} ms`,
        `  last run said: ${result.lastSummary}`,
        `Wall time of fresh processes from spawn to exit (${process.version}, ${result.platform}, ${result.cpus} CPUs); every run stages a new edit first (not timed).`,
        ...(result.kept ? [`kept: ${result.kept}`] : []),
      ].join('\n'),
    );
    return 0;
  } finally {
    if (!args.flags.has('keep')) rmSync(base, { recursive: true, force: true });
  }
}

runBench(main);
