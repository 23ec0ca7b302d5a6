/**
 * A generated ML research repository, the workload where provenant's prefilter cannot help: most files
 * import transformers, vllm or trl, so most are parsed. Seeded (`seeded` from common.ts), so every machine
 * writes the same bytes for the same (files, seed).
 *
 * What it holds, in proportions close to a post-training lab's repository:
 * - training scripts (trl SFT/DPO trainers, argparse, model and tokenizer loads, chat templates);
 * - vllm generation and evaluation scripts;
 * - modeling files written the way transformers writes them, with `# Copied from transformers.…` blocks;
 * - data utilities (datasets + tokenizers), plain utilities without ML imports, tests;
 * - shell launchers (`.sh`) calling the Python scripts through python, accelerate or torchrun;
 * - near-duplicate helpers: one pool of function shapes instantiated with other names in many files.
 *
 * Used by bench/ml.ts; `node dist/bench/ml.js --generate DIR --files N` writes one without measuring.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seeded } from './common.js';

type Random = () => number;
const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const int = (r: Random, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const NOUNS = ['batch', 'sample', 'token', 'reward', 'prompt', 'score', 'logit', 'shard', 'record', 'feature', 'label', 'rollout', 'chosen', 'rejected', 'completion'];
const VERBS = ['load', 'build', 'compute', 'filter', 'merge', 'collate', 'normalize', 'score', 'split', 'summarize', 'pack', 'encode', 'prepare', 'gather'];
const MODELS = ['meta-llama/Llama-3.1-8B', 'meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen2.5-7B', 'Qwen/Qwen2.5-7B-Instruct', 'mistralai/Mistral-7B-v0.3', 'google/gemma-2-9b', 'allenai/OLMo-2-1124-7B', 'EleutherAI/pythia-1.4b'];
const DATASETS = ['HuggingFaceH4/ultrachat_200k', 'tatsu-lab/alpaca', 'openai/gsm8k', 'Anthropic/hh-rlhf', 'HuggingFaceH4/ultrafeedback_binarized', 'cais/mmlu'];
const ARCHS = ['Llama', 'Mistral', 'Qwen2', 'Gemma', 'Olmo', 'Phi3', 'Falcon', 'GPTNeoX'];
const FOLDERS = ['src/lab/data', 'src/lab/models', 'src/lab/eval', 'src/lab/rewards', 'src/lab/utils', 'src/lab/trainers', 'scripts', 'experiments/sft', 'experiments/dpo', 'experiments/grpo', 'analysis', 'tests'];

function ident(r: Random): string {
  return `${pick(r, VERBS)}_${pick(r, NOUNS)}${r() < 0.3 ? `_${pick(r, NOUNS)}` : ''}`;
}

/** Function bodies of 5–30 lines; `$a`/`$b` are renamed per instance, so two instances are near-duplicates. */
const SHAPES: readonly string[] = [
  `    out = []\n    for i, item in enumerate($as):\n        if item is None:\n            continue\n        text = str(item).strip()\n        if not text:\n            continue\n        out.append({"index": i, "value": text, "length": len(text)})\n    logger.debug("kept %d of %d $as", len(out), len($as))\n    return out\n`,
  `    total = sum(float(x) for x in $as)\n    count = max(len($as), 1)\n    mean = total / count\n    var = sum((float(x) - mean) ** 2 for x in $as) / count\n    lo = min($as) if $as else 0.0\n    hi = max($as) if $as else 0.0\n    return {"mean": mean, "std": math.sqrt(var), "n": count, "min": lo, "max": hi}\n`,
  `    arr = np.asarray($as, dtype=np.float32)\n    if arr.size == 0:\n        return arr\n    arr = (arr - arr.mean()) / (arr.std() + 1e-8)\n    arr = np.clip(arr, -$N.0, $N.0)\n    if $b is not None:\n        arr = arr * float($b)\n    return arr\n`,
  `    rows = []\n    with open($b, "r", encoding="utf-8") as fh:\n        for line in fh:\n            line = line.strip()\n            if not line:\n                continue\n            row = json.loads(line)\n            if row.get("$a") is None:\n                continue\n            rows.append(row)\n    return rows[:$N]\n`,
  `    seen = set()\n    kept = []\n    for row in $as:\n        key = hashlib.sha1(json.dumps(row, sort_keys=True).encode()).hexdigest()\n        if key in seen:\n            continue\n        seen.add(key)\n        kept.append(row)\n    logger.info("dedup kept %d of %d", len(kept), len($as))\n    return kept\n`,
  `    $b = $b or {}\n    padded = []\n    longest = max((len(x["input_ids"]) for x in $as), default=0)\n    for x in $as:\n        ids = list(x["input_ids"])\n        mask = [1] * len(ids)\n        pad = longest - len(ids)\n        ids = ids + [$b.get("pad_token_id", 0)] * pad\n        mask = mask + [0] * pad\n        padded.append({"input_ids": ids, "attention_mask": mask})\n    return {\n        "input_ids": torch.tensor([p["input_ids"] for p in padded]),\n        "attention_mask": torch.tensor([p["attention_mask"] for p in padded]),\n    }\n`,
  `    logps = torch.log_softmax($as, dim=-1)\n    gathered = torch.gather(logps, 2, $b.unsqueeze(-1)).squeeze(-1)\n    mask = ($b != -100).float()\n    summed = (gathered * mask).sum(-1)\n    count = mask.sum(-1).clamp(min=1)\n    return summed / count\n`,
  `    wins = 0\n    ties = 0\n    for left, right in zip($as, $b):\n        if left > right:\n            wins += 1\n        elif left == right:\n            ties += 1\n    n = max(len($as), 1)\n    return {"win_rate": wins / n, "tie_rate": ties / n, "n": n}\n`,
];

function shapeFunction(r: Random, shape = Math.floor(r() * SHAPES.length)): string {
  const a = pick(r, NOUNS);
  const b = pick(r, ['path', 'scale', 'labels', 'config', 'other', 'reference']);
  const body = (SHAPES[shape] ?? '').replaceAll('$as', `${a}s`).replaceAll('$a', a).replaceAll('$b', b).replaceAll('$N', String(int(r, 2, 9000)));
  return `def ${ident(r)}(${a}s, ${b}=None):\n    """${pick(r, VERBS)} the ${a}s for the ${pick(r, ['eval', 'sft', 'dpo', 'reward model', 'ablation'])} run."""\n${body}`;
}

function argparseMain(r: Random, body: string): string {
  const flags = [...new Set(Array.from({ length: int(r, 3, 9) }, () => pick(r, NOUNS)))];
  return (
    `def parse_args(argv=None):\n    parser = argparse.ArgumentParser(description="${pick(r, VERBS)} ${pick(r, NOUNS)}s")\n` +
    `    parser.add_argument("--model", default="${pick(r, MODELS)}")\n` +
    `    parser.add_argument("--dataset", default="${pick(r, DATASETS)}")\n` +
    flags.map((f) => `    parser.add_argument("--${f}-path", default="data/${f}s.jsonl")\n`).join('') +
    `    parser.add_argument("--seed", type=int, default=${int(r, 0, 9999)})\n    parser.add_argument("--output-dir", default="runs/${pick(r, NOUNS)}_${int(r, 1, 400)}")\n` +
    `    return parser.parse_args(argv)\n\n\n` +
    `def main(argv=None):\n    args = parse_args(argv)\n    logging.basicConfig(level=logging.INFO)\n    set_seed(args.seed)\n${body}    return 0\n\n\n` +
    `if __name__ == "__main__":\n    sys.exit(main())\n`
  );
}

const HEADER = 'import argparse\nimport hashlib\nimport json\nimport logging\nimport math\nimport os\nimport sys\nfrom dataclasses import dataclass, field\n\nimport numpy as np\nimport torch\n';

function helpers(r: Random, lo: number, hi: number): string {
  return Array.from({ length: int(r, lo, hi) }, () => '\n\n' + shapeFunction(r)).join('');
}

function trainScript(r: Random, i: number): string {
  const kind = pick(r, ['SFT', 'DPO', 'GRPO', 'Reward']);
  const instruct = r() < 0.5;
  return (
    `"""${kind} training script ${i}."""\n${HEADER}from datasets import load_dataset\n` +
    `from transformers import AutoModelForCausalLM, AutoTokenizer, set_seed\nfrom trl import ${kind}Config, ${kind}Trainer\n\nlogger = logging.getLogger(__name__)\n\n\n` +
    `@dataclass\nclass ScriptArguments:\n    model_name: str = "${pick(r, MODELS)}"\n    learning_rate: float = ${int(r, 1, 9)}e-${int(r, 5, 7)}\n    max_seq_length: int = ${pick(r, [1024, 2048, 4096])}\n    beta: float = ${(r() * 0.5).toFixed(2)}\n    tags: list = field(default_factory=list)\n\n\n` +
    `def format_example(tokenizer, example):\n    messages = [{"role": "user", "content": example["prompt"]}, {"role": "assistant", "content": example["response"]}]\n` +
    `    return tokenizer.apply_chat_template(messages, tokenize=False${instruct ? '' : ', add_generation_prompt=False'})\n` +
    helpers(r, 1, 4) +
    '\n\n\n' +
    argparseMain(
      r,
      `    tokenizer = AutoTokenizer.from_pretrained(args.model)\n    if tokenizer.pad_token is None:\n        tokenizer.pad_token = tokenizer.eos_token\n` +
        `    model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=torch.bfloat16)\n` +
        `    dataset = load_dataset(args.dataset, split="train")\n    dataset = dataset.map(lambda ex: {"text": format_example(tokenizer, ex)})\n` +
        `    config = ${kind}Config(output_dir=args.output_dir, learning_rate=ScriptArguments.learning_rate)\n` +
        `    trainer = ${kind}Trainer(model=model, args=config, train_dataset=dataset, processing_class=tokenizer)\n    trainer.train()\n    trainer.save_model(args.output_dir)\n`,
    )
  );
}

function vllmScript(r: Random, i: number): string {
  return (
    `"""Generation with vllm for evaluation ${i}."""\n${HEADER}from transformers import AutoTokenizer, set_seed\nfrom vllm import LLM, SamplingParams\n\nlogger = logging.getLogger(__name__)\n` +
    helpers(r, 1, 3) +
    `\n\n\ndef build_prompts(tokenizer, questions):\n    prompts = []\n    for q in questions:\n        messages = [{"role": "user", "content": q}]\n        prompts.append(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))\n    return prompts\n\n\n` +
    argparseMain(
      r,
      `    tokenizer = AutoTokenizer.from_pretrained(args.model)\n    llm = LLM(model=args.model, tensor_parallel_size=${pick(r, [1, 2, 4, 8])}, seed=args.seed)\n` +
        `    params = SamplingParams(temperature=${(r() * 1.2).toFixed(1)}, max_tokens=${pick(r, [256, 512, 1024, 2048])})\n` +
        `    questions = [json.loads(line)["question"] for line in open(args.dataset)]\n    outputs = llm.generate(build_prompts(tokenizer, questions), params)\n` +
        `    with open(os.path.join(args.output_dir, "generations.jsonl"), "w") as fh:\n        for out in outputs:\n            fh.write(json.dumps({"text": out.outputs[0].text}) + "\\n")\n`,
    )
  );
}

/** A block transformers copies between models, with the marker it writes above the copy. */
function copiedBlock(r: Random, arch: string): string {
  const from = pick(r, ARCHS.filter((a) => a !== arch));
  const which = r();
  if (which < 0.5) {
    return (
      `# Copied from transformers.models.${from.toLowerCase()}.modeling_${from.toLowerCase()}.${from}RMSNorm with ${from}->${arch}\n` +
      `class ${arch}RMSNorm(nn.Module):\n    def __init__(self, hidden_size, eps=1e-6):\n        super().__init__()\n        self.weight = nn.Parameter(torch.ones(hidden_size))\n        self.variance_epsilon = eps\n\n` +
      `    def forward(self, hidden_states):\n        input_dtype = hidden_states.dtype\n        hidden_states = hidden_states.to(torch.float32)\n        variance = hidden_states.pow(2).mean(-1, keepdim=True)\n` +
      `        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)\n        return self.weight * hidden_states.to(input_dtype)\n`
    );
  }
  return (
    `# Copied from transformers.models.${from.toLowerCase()}.modeling_${from.toLowerCase()}.rotate_half\n` +
    `def rotate_half(x):\n    """Rotates half the hidden dims of the input."""\n    x1 = x[..., : x.shape[-1] // 2]\n    x2 = x[..., x.shape[-1] // 2 :]\n    return torch.cat((-x2, x1), dim=-1)\n\n\n` +
    `# Copied from transformers.models.${from.toLowerCase()}.modeling_${from.toLowerCase()}.apply_rotary_pos_emb\n` +
    `def apply_rotary_pos_emb(q, k, cos, sin, position_ids=None, unsqueeze_dim=1):\n    cos = cos.unsqueeze(unsqueeze_dim)\n    sin = sin.unsqueeze(unsqueeze_dim)\n` +
    `    q_embed = (q * cos) + (rotate_half(q) * sin)\n    k_embed = (k * cos) + (rotate_half(k) * sin)\n    return q_embed, k_embed\n`
  );
}

function modelingFile(r: Random, i: number): string {
  const arch = `${pick(r, ARCHS)}${i}`;
  const hidden = pick(r, [1024, 2048, 4096]);
  return (
    `"""PyTorch ${arch} model."""\nimport math\nfrom typing import Optional, Tuple\n\nimport torch\nfrom torch import nn\n` +
    `from transformers import PretrainedConfig, PreTrainedModel\nfrom transformers.modeling_outputs import CausalLMOutputWithPast\n\n\n` +
    `class ${arch}Config(PretrainedConfig):\n    model_type = "${arch.toLowerCase()}"\n\n    def __init__(self, hidden_size=${hidden}, num_attention_heads=${pick(r, [8, 16, 32])}, rms_norm_eps=1e-6, **kwargs):\n` +
    `        self.hidden_size = hidden_size\n        self.num_attention_heads = num_attention_heads\n        self.rms_norm_eps = rms_norm_eps\n        super().__init__(**kwargs)\n\n\n` +
    copiedBlock(r, arch) +
    `\n\nclass ${arch}MLP(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.gate_proj = nn.Linear(config.hidden_size, ${hidden * 4}, bias=False)\n` +
    `        self.up_proj = nn.Linear(config.hidden_size, ${hidden * 4}, bias=False)\n        self.down_proj = nn.Linear(${hidden * 4}, config.hidden_size, bias=False)\n\n` +
    `    def forward(self, x):\n        return self.down_proj(nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))\n\n\n` +
    `class ${arch}ForCausalLM(PreTrainedModel):\n    config_class = ${arch}Config\n\n    def __init__(self, config):\n        super().__init__(config)\n        self.norm = ${arch.includes('RMS') ? 'nn.LayerNorm' : 'nn.LayerNorm'}(config.hidden_size)\n` +
    `        self.mlp = ${arch}MLP(config)\n        self.lm_head = nn.Linear(config.hidden_size, ${pick(r, [32000, 128256, 151936])}, bias=False)\n\n` +
    `    def forward(self, hidden_states: torch.Tensor, labels: Optional[torch.Tensor] = None) -> CausalLMOutputWithPast:\n` +
    `        hidden_states = self.mlp(self.norm(hidden_states))\n        logits = self.lm_head(hidden_states)\n        loss = None\n        if labels is not None:\n` +
    `            shift_logits = logits[..., :-1, :].contiguous()\n            shift_labels = labels[..., 1:].contiguous()\n` +
    `            loss = nn.functional.cross_entropy(shift_logits.view(-1, shift_logits.size(-1)), shift_labels.view(-1))\n` +
    `        return CausalLMOutputWithPast(loss=loss, logits=logits)\n`
  );
}

function dataModule(r: Random, i: number): string {
  return (
    `"""Data utilities (module ${i})."""\n${HEADER}from datasets import Dataset, load_dataset\nfrom transformers import PreTrainedTokenizerBase\n\nlogger = logging.getLogger(__name__)\n\n\n` +
    `def tokenize(tokenizer: PreTrainedTokenizerBase, texts, max_length=${pick(r, [512, 1024, 2048])}):\n    return tokenizer(texts, truncation=True, max_length=max_length, padding=False)\n\n\n` +
    `def load_split(name="${pick(r, DATASETS)}", split="${pick(r, ['train', 'test', 'validation'])}"):\n    return load_dataset(name, split=split)\n` +
    helpers(r, 2, 7)
  );
}

function plainModule(r: Random, i: number): string {
  return `"""${pick(r, VERBS)} helpers for ${pick(r, ['pipelines', 'ablations', 'plots', 'analysis'])} (module ${i})."""\n${HEADER}\nlogger = logging.getLogger(__name__)\n` + helpers(r, 2, 8);
}

function testModule(r: Random, i: number): string {
  const cases = Array.from({ length: int(r, 2, 6) }, (_, k) => `\n\ndef test_${ident(r)}_${k}():\n    data = [${int(r, 1, 9)}, ${int(r, 1, 9)}, ${int(r, 1, 9)}]\n    assert len(data) == 3\n    assert sum(data) > 0\n`);
  return `"""Tests ${i}."""\nimport pytest\nimport torch\nfrom transformers import AutoTokenizer\n` + cases.join('');
}

function launcher(r: Random, scripts: readonly string[]): string {
  const lines = ['#!/usr/bin/env bash', 'set -euo pipefail', `MODEL=${pick(r, MODELS)}`, ''];
  for (let k = 0; k < int(r, 1, 4); k++) {
    const script = pick(r, scripts);
    const runner = pick(r, ['python', 'python3', 'accelerate launch --num_processes 8', 'torchrun --nproc_per_node 8']);
    lines.push(`${runner} ${script} --model "$MODEL" --seed ${int(r, 0, 99)} --output-dir runs/${pick(r, NOUNS)}_${k}`);
  }
  return lines.join('\n') + '\n';
}

export interface MlRepo {
  root: string;
  files: number;
  pythonFiles: number;
  shellFiles: number;
  bytes: number;
  /** Files by kind: train, vllm, modeling, data, plain, test. */
  kinds: Record<string, number>;
}

const KINDS: readonly [string, number, (r: Random, i: number) => string][] = [
  ['train', 0.22, trainScript],
  ['vllm', 0.12, vllmScript],
  ['modeling', 0.14, modelingFile],
  ['data', 0.2, dataModule],
  ['plain', 0.25, plainModule],
  ['test', 0.07, testModule],
];

/** Writes `files` files (about one in 25 a shell launcher) under `root`, with a pyproject.toml and .gitignore. */
export function generateMlRepo(root: string, files: number, seed = 20261207): MlRepo {
  const r = seeded(seed);
  mkdirSync(root, { recursive: true });
  const kinds: Record<string, number> = {};
  const scripts: string[] = [];
  let bytes = 0;
  let shellFiles = 0;
  const write = (rel: string, content: string): void => {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
    bytes += Buffer.byteLength(content);
  };
  for (let i = 0; i < files; i++) {
    if (i % 25 === 24 && scripts.length > 0) {
      write(`launch/${pick(r, ['sft', 'dpo', 'eval', 'sweep'])}_${i}.sh`, launcher(r, scripts.slice(-200)));
      shellFiles++;
      continue;
    }
    let roll = r();
    let kind = KINDS[KINDS.length - 1] ?? KINDS[0];
    for (const k of KINDS) {
      if (roll < k[1]) {
        kind = k;
        break;
      }
      roll -= k[1];
    }
    if (!kind) continue;
    const [name, , make] = kind;
    const folder = name === 'train' || name === 'vllm' ? pick(r, ['scripts', 'experiments/sft', 'experiments/dpo', 'experiments/grpo']) : pick(r, FOLDERS);
    const rel = `${folder}/group_${String(Math.floor(i / 400)).padStart(3, '0')}/${name === 'test' ? 'test_' : ''}${ident(r)}_${i}.py`;
    if (name === 'train' || name === 'vllm') scripts.push(rel);
    write(rel, make(r, i));
    kinds[name] = (kinds[name] ?? 0) + 1;
  }
  write('pyproject.toml', '[project]\nname = "lab"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n');
  write('.gitignore', '.provenant/\nruns/\n__pycache__/\n');
  return { root, files, pythonFiles: files - shellFiles, shellFiles, bytes, kinds };
}
