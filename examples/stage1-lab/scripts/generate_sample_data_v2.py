"""Stage 1 SFT data, second generation: model-written instructions, filtered twice.

1. InstructionGenerator grows a pool of instructions by list continuation.
2. critique_instruction_quality drops unclear or unanswerable ones.
3. The base model answers each kept instruction twice from few-shot
   completion prompts; the critic picks the better answer and the pair is
   kept only when the margin is clear.
4. Each record stores the exact prompt that produced its response, plus the
   generator name and settings, and a QC summary is written next to the data.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from utils.clean_model_loader import BASE_MODEL_ID, CleanModelLoader, GenerationSettings
from utils.data_formatter import CompletionStylePrompts, looks_like_chat_markup, strip_trailing_examples
from utils.instruction_critic import critique_instruction_quality, critique_instruction_response_pair
from utils.instruction_generator import InstructionGenerator

log = logging.getLogger("sample_data_v2")


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    p = argparse.ArgumentParser(description="Model-generated, critic-filtered SFT data.")
    p.add_argument("--n", type=int, default=5000, help="target number of SFT examples")
    p.add_argument("--out", type=Path, default=Path("data/stage1/sft_v2.jsonl"))
    p.add_argument("--model", default=BASE_MODEL_ID)
    p.add_argument("--min-quality", type=float, default=0.6, help="minimum P(Yes) from the instruction critic")
    p.add_argument("--min-margin", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=2025)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)

    started = time.time()
    rng = random.Random(args.seed)
    loader = CleanModelLoader(args.model)
    generator = InstructionGenerator(loader, seed=args.seed)
    settings = GenerationSettings(max_new_tokens=300, temperature=0.8, top_p=0.95, seed=args.seed)

    candidates = generator.generate_instructions_in_batches(int(args.n * 1.6))
    qc = {"instructions_generated": len(candidates), "low_quality": 0, "chat_markup": 0, "low_margin": 0}

    records = []
    for cand in candidates:
        if len(records) >= args.n:
            break
        if critique_instruction_quality(loader, cand.instruction) < args.min_quality:
            qc["low_quality"] += 1
            continue
        prompt = CompletionStylePrompts.create_response_generation_prompt(cand.instruction, rng=rng)
        first, second = (strip_trailing_examples(t) for t in loader.generate([prompt, prompt], settings))
        if looks_like_chat_markup(first) or looks_like_chat_markup(second):
            qc["chat_markup"] += 1
            continue
        verdict = critique_instruction_response_pair(loader, cand.instruction, first, second)
        if verdict.margin < args.min_margin:
            qc["low_margin"] += 1
            continue
        response = first if verdict.preferred == "a" else second
        records.append({
            "instruction": cand.instruction,
            "instruction_type": cand.instruction_type,
            "prompt": prompt,
            "response": response,
            "formatted_text": f"{prompt}{response}",
            "critic_margin": round(verdict.margin, 4),
            "generated_by": "generate_sample_data_v2",
        })

    qc["kept"] = len(records)
    qc["acceptance_rate"] = round(len(records) / max(1, len(candidates)), 4)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    manifest = {
        "script": "scripts/generate_sample_data_v2.py",
        "commit": git_commit(),
        "model": args.model,
        "seed": args.seed,
        "settings": vars(settings),
        "qc": qc,
        "minutes": round((time.time() - started) / 60, 1),
    }
    args.out.with_suffix(".qc.json").write_text(json.dumps(manifest, indent=2))
    log.info("kept %d of %d instructions; QC %s", len(records), len(candidates), qc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
