"""Two-minute sanity check of a Stage 1 checkpoint.

Answers a dozen fixed prompts and reports a keyword hit rate. Good for
"did training obviously break something"; not for numbers in a write-up (use
evaluate_instruction_following.py or evaluate_stage1_comprehensive.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

QUICK_PROMPTS = [
    {"instruction": "List three primary colors.", "keywords": ["red", "blue", "yellow"]},
    {"instruction": "What is the capital of Japan?", "keywords": ["tokyo"]},
    {"instruction": "Translate 'thank you' into Spanish.", "keywords": ["gracias"]},
    {"instruction": "What is 12 multiplied by 12?", "keywords": ["144"]},
    {"instruction": "Name the largest planet in our solar system.", "keywords": ["jupiter"]},
    {"instruction": "Give a synonym for 'happy'.", "keywords": ["glad", "joyful", "cheerful", "content"]},
    {"instruction": "Answer yes or no: is the Sun a star?", "keywords": ["yes"]},
    {"instruction": "Write the word 'cat' backwards.", "keywords": ["tac"]},
    {"instruction": "How many legs does a spider have?", "keywords": ["eight", "8"]},
    {"instruction": "What gas do plants absorb from the air?", "keywords": ["carbon dioxide", "co2"]},
    {"instruction": "Finish the phrase: an apple a day", "keywords": ["doctor"]},
    {"instruction": "What is the boiling point of water in Celsius?", "keywords": ["100"]},
]


def build_prompt(instruction: str) -> str:
    # Wrap in Qwen's own turn markers so the checkpoint sees a familiar format.
    prompt = f"<|im_start|>user\n{instruction}<|im_end|>\n<|im_start|>assistant\n"
    return prompt


def load(model_path: str, dtype: torch.dtype):
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForCausalLM.from_pretrained(model_path, torch_dtype=dtype, device_map="auto")
    model.eval()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer, model


@torch.no_grad()
def answer(tokenizer, model, instruction: str, max_new_tokens: int) -> str:
    inputs = tokenizer(build_prompt(instruction), return_tensors="pt").to(model.device)
    out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    return tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True).strip()


def hit(response: str, keywords: list[str]) -> bool:
    lowered = response.lower()
    return any(k in lowered for k in keywords)


def main() -> int:
    p = argparse.ArgumentParser(description="Quick keyword check of a checkpoint.")
    p.add_argument("--model-path", required=True, help="HF id or local checkpoint directory")
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--fp32", action="store_true", help="load in float32 (slow, for CPU debugging)")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args()

    start = time.time()
    tokenizer, model = load(args.model_path, torch.float32 if args.fp32 else torch.bfloat16)
    results = []
    for item in QUICK_PROMPTS:
        response = answer(tokenizer, model, item["instruction"], args.max_new_tokens)
        ok = hit(response, item["keywords"])
        results.append({"instruction": item["instruction"], "response": response, "hit": ok})
        print(f"[{'ok' if ok else '--'}] {item['instruction']}\n     {response[:100]!r}")

    score = sum(r["hit"] for r in results) / len(results)
    print(f"\nkeyword hit rate: {score:.0%} ({time.time() - start:.0f}s)")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"model": args.model_path, "hit_rate": score, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
