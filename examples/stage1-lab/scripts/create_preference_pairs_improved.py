"""Best-of-N preference pairs with hard negatives.

For each instruction the base model samples ``k`` answers at temperature > 0.
The shared log-prob critic runs a small knockout to pick the best answer, then
every other sample becomes a rejected side (k-1 pairs per instruction).
Optional hard negatives from generate_diverse_negatives.py are added as extra
rejected sides. Each pair keeps the critic's margin and whether both
presentation orders agreed, so the DPO trainer can filter.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from utils.clean_model_loader import BASE_MODEL_ID, CleanModelLoader, GenerationSettings
from utils.data_formatter import CompletionStylePrompts, looks_like_chat_markup, strip_trailing_examples
from utils.instruction_critic import critique_instruction_response_pair

log = logging.getLogger("bon_pairs")


def read_jsonl(path: Path) -> list[dict]:
    with path.open() as fh:
        return [json.loads(line) for line in fh if line.strip()]


def pick_best(loader: CleanModelLoader, instruction: str, samples: list[str]) -> int:
    """Single-elimination over the samples; returns the winner's index."""
    best = 0
    for challenger in range(1, len(samples)):
        verdict = critique_instruction_response_pair(loader, instruction, samples[best], samples[challenger])
        if verdict.preferred == "b":
            best = challenger
    return best


def main() -> None:
    p = argparse.ArgumentParser(description="Best-of-N preference pairs judged by the shared critic.")
    p.add_argument("--instructions", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--hard-negatives", type=Path, default=None, help="JSONL from generate_diverse_negatives.py")
    p.add_argument("--model", default=BASE_MODEL_ID)
    p.add_argument("--k", type=int, default=4)
    p.add_argument("--temperature", type=float, default=0.9)
    p.add_argument("--min-margin", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)

    rng = random.Random(args.seed)
    loader = CleanModelLoader(args.model)
    settings = GenerationSettings(max_new_tokens=256, temperature=args.temperature, top_p=0.95, seed=args.seed)

    negatives: dict[str, list[str]] = defaultdict(list)
    if args.hard_negatives:
        for rec in read_jsonl(args.hard_negatives):
            negatives[rec["instruction"]].append(rec["response"])

    pairs, dropped = [], 0
    for row in read_jsonl(args.instructions):
        instruction = row["instruction"]
        prompt = CompletionStylePrompts.create_response_generation_prompt(instruction, rng=rng)
        samples = [strip_trailing_examples(t) for t in loader.generate([prompt] * args.k, settings)]
        samples = [s for s in samples if s and not looks_like_chat_markup(s)]
        if len(samples) < 2:
            dropped += 1
            continue
        best_idx = pick_best(loader, instruction, samples)
        chosen = samples[best_idx]
        rejected_pool = [s for i, s in enumerate(samples) if i != best_idx] + negatives.get(instruction, [])
        for rejected in rejected_pool:
            verdict = critique_instruction_response_pair(loader, instruction, chosen, rejected)
            if verdict.preferred != "a" or verdict.margin < args.min_margin:
                dropped += 1
                continue
            pairs.append({
                "id": f"{row.get('id', len(pairs))}_{len(pairs)}",
                "instruction": instruction,
                "prompt": prompt,
                "chosen": chosen,
                "rejected": rejected,
                "margin": round(verdict.margin, 4),
                "confidence": round(verdict.confidence, 4),
                "consistent": verdict.consistent,
                "source": "hard_negative" if rejected in negatives.get(instruction, []) else "bon",
            })

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as fh:
        for rec in pairs:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    log.info("wrote %d pairs, dropped %d candidates", len(pairs), dropped)


if __name__ == "__main__":
    main()
