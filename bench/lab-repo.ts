/**
 * A generated research repository for the benches (a fixed seed, so every run builds the same files):
 * research-style modules, configs, CLIs, and a few dozen scripts that load models with transformers or
 * launch commands with subprocess, so the prefilter has something to pick. Committed in a real git
 * repository with the developer's configuration kept out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BenchError, seeded } from './common.js';

/** The training script that every measured run edits and stages. */
export const STAGED = 'experiments/sft/train_sft_003.py';


type Random = () => number;
const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const int = (r: Random, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const NOUNS = ['batch', 'sample', 'token', 'reward', 'prompt', 'score', 'logit', 'shard', 'record', 'feature', 'label', 'rollout'];
const VERBS = ['load', 'build', 'compute', 'filter', 'merge', 'collate', 'normalize', 'score', 'split', 'summarize', 'pack', 'encode'];
const MODELS = ['meta-llama/Llama-3.1-8B', 'Qwen/Qwen2.5-7B-Instruct', 'mistralai/Mistral-7B-v0.3', 'google/gemma-2-9b-it', 'allenai/OLMo-2-1124-7B'];

function ident(r: Random): string {
  return `${pick(r, VERBS)}_${pick(r, NOUNS)}${r() < 0.3 ? `_${pick(r, NOUNS)}` : ''}`;
}

export function helperFunction(r: Random): string {
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
export function transformersScript(r: Random, index: number, variant = 0): string {
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

export interface GeneratedRepo {
  root: string;
  files: number;
  bytes: number;
  transformersFiles: number;
  launcherFiles: number;
}

/** Runs git with the developer's configuration kept out, so the generated repository is the same everywhere. */
export function git(args: string[], cwd: string, home: string): string {
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

export function generateRepo(base: string, count: number, registry: boolean): GeneratedRepo {
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
