"""Build DPO preference pairs judged by single-token log-probs.

For every instruction the base model writes one answer from a few-shot
completion prompt. That answer is paired with a canned weak reply, and the pair
is kept when an A/B log-prob judgement prefers the model's answer by at least
``--min-margin`` nats.

Usage:
    python scripts/generate_preference_pairs_logprob.py \
        --instructions data/stage1/train_instructions.jsonl \
        --out artifacts/preference_pairs_logprob.jsonl
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from utils.data_formatter import CompletionStylePrompts, strip_trailing_examples

log = logging.getLogger("pairs_logprob")

DEFAULT_MODEL = "Qwen/Qwen2.5-32B"

# Deliberately weak replies used as the rejected side.
BAD_RESPONSE_TEMPLATES = [
    "I cannot help with that request.",
    "I'm not sure what you mean by that.",
    "That is a good question. There are many possible answers.",
    "Sure.",
]

JUDGE_PROMPT = (
    "Instruction: {instruction}\n\n"
    "Response A: {a}\n\n"
    "Response B: {b}\n\n"
    "Which response follows the instruction better? Answer A or B.\n"
    "Answer:"
)


def load_model_with_retry(model_name: str, retries: int = 3, wait_s: int = 30):
    """Hub downloads on the pod time out now and then; try a few times."""
    last_error: Exception | None = None
    for attempt in range(1, retries + 1):
        try:
            tokenizer = AutoTokenizer.from_pretrained(model_name)
            model = AutoModelForCausalLM.from_pretrained(model_name, torch_dtype=torch.bfloat16, device_map="auto")
            model.eval()
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
            return tokenizer, model
        except (OSError, RuntimeError) as exc:
            last_error = exc
            log.warning("load attempt %d/%d failed: %s", attempt, retries, exc)
            time.sleep(wait_s)
    raise RuntimeError(f"could not load {model_name}") from last_error


@torch.no_grad()
def sample_response(tokenizer, model, instruction: str, max_new_tokens: int, temperature: float) -> str:
    prompt = CompletionStylePrompts.create_response_generation_prompt(instruction)
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    out = model.generate(
        **inputs,
        max_new_tokens=max_new_tokens,
        do_sample=temperature > 0,
        temperature=temperature if temperature > 0 else None,
        pad_token_id=tokenizer.pad_token_id,
    )
    text = tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
    return strip_trailing_examples(text)


@torch.no_grad()
def ab_logprob_margin(tokenizer, model, instruction: str, response_a: str, response_b: str) -> float:
    """log p(" A") - log p(" B") after the judge prompt; positive favours A."""
    prompt = JUDGE_PROMPT.format(instruction=instruction, a=response_a, b=response_b)
    enc = tokenizer(prompt, return_tensors="pt", add_special_tokens=True).to(model.device)
    logits = model(**enc).logits[0, -1].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    id_a = tokenizer.encode(" A", add_special_tokens=False)[0]
    id_b = tokenizer.encode(" B", add_special_tokens=False)[0]
    return float(logprobs[id_a] - logprobs[id_b])


def read_instructions(path: Path) -> list[dict]:
    rows = []
    with path.open() as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description="Log-prob judged preference pairs for DPO.")
    p.add_argument("--instructions", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--max-new-tokens", type=int, default=256)
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--min-margin", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=13)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)

    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    tokenizer, model = load_model_with_retry(args.model)

    rows = read_instructions(args.instructions)
    if args.limit:
        rows = rows[: args.limit]

    kept, skipped = [], 0
    for i, row in enumerate(rows):
        instruction = row["instruction"]
        try:
            chosen = sample_response(tokenizer, model, instruction, args.max_new_tokens, args.temperature)
        except torch.cuda.OutOfMemoryError:
            torch.cuda.empty_cache()
            skipped += 1
            continue
        rejected = rng.choice(BAD_RESPONSE_TEMPLATES)
        margin = ab_logprob_margin(tokenizer, model, instruction, chosen, rejected)
        if margin < args.min_margin:
            skipped += 1
            continue
        kept.append({
            "id": row.get("id", f"pair_{i:05d}"),
            "instruction": instruction,
            "chosen": chosen,
            "rejected": rejected,
            "margin": round(margin, 4),
            "instruction_type": row.get("instruction_type", "unknown"),
        })
        if (i + 1) % 50 == 0:
            log.info("%d/%d processed, %d kept", i + 1, len(rows), len(kept))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as fh:
        for rec in kept:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    log.info("wrote %d pairs to %s (%d skipped)", len(kept), args.out, skipped)


if __name__ == "__main__":
    main()


# Pairwise scoring for the reranking experiment (kept here so the pod needs one file).
def _softmax_pair(x: float, y: float) -> float:
    return float(torch.softmax(torch.tensor([x, y]), dim=0)[0])


def score_pair(tokenizer, model, instruction: str, first: str, second: str) -> dict:
    """Judge two answers in both orders and average, like the critic but with our prompt."""
    fa, fb = _ab_scores(tokenizer, model, instruction, first, second)
    sb, sa = _ab_scores(tokenizer, model, instruction, second, first)
    margin = ((fa - fb) + (sa - sb)) / 2.0
    winner = "first" if margin >= 0 else "second"
    p_one = _softmax_pair(fa, fb)
    p_two = _softmax_pair(sa, sb)
    confidence = (p_one + p_two) / 2.0 if winner == "first" else (2.0 - p_one - p_two) / 2.0
    agree = (fa >= fb) == (sa >= sb)
    log.debug("pair scored: %s by %.3f", winner, margin)
    return dict(preferred=winner, margin=abs(margin), confidence=confidence, consistent=agree)


def _ab_scores(tokenizer, model, instruction: str, a: str, b: str) -> tuple[float, float]:
    margin = ab_logprob_margin(tokenizer, model, instruction, a, b)
    return margin, -margin
