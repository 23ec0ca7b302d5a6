from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import transformers as tf

BASE_MODEL = "Qwen/Qwen2.5-32B"

PROMPTS = [
    "Explain what a hash table is in two sentences.",
    "Write a limerick about a forgetful robot.",
    "List three ways to save water at home.",
    "What is the difference between weather and climate?",
    "Summarise the plot of Romeo and Juliet in one sentence.",
]


def load(model_id: str):
    tok = tf.AutoTokenizer.from_pretrained(model_id)
    model = tf.AutoModelForCausalLM.from_pretrained(model_id, torch_dtype=torch.bfloat16, device_map="auto")
    model.eval()
    return tok, model


@torch.no_grad()
def respond(tok, model, instruction: str, max_new_tokens: int = 200) -> str:
    # Same conversation shape for both models so the comparison is fair.
    messages = [{"role": "user", "content": instruction}]
    text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    inputs = tok(text, return_tensors="pt").to(model.device)
    out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
    return tok.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True).strip()


def main() -> int:
    p = argparse.ArgumentParser(description="Side-by-side answers from the base model and one checkpoint.")
    p.add_argument("checkpoint", help="merged checkpoint directory, e.g. checkpoints/sft/merged")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args()

    table = {}
    for name in (BASE_MODEL, args.checkpoint):
        tok, model = load(name)
        table[name] = [respond(tok, model, q) for q in PROMPTS]
        del model
        torch.cuda.empty_cache()

    for i, q in enumerate(PROMPTS):
        print(f"\n### {q}")
        for name, answers in table.items():
            print(f"--- {name}\n{answers[i]}")
    if args.out:
        args.out.write_text(json.dumps({"prompts": PROMPTS, "answers": table}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
