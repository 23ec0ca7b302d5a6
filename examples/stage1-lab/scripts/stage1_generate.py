"""Stage 1 response generation with few-shot completion prompts (September 11).

Reads instruction rows and writes one response per row, prompting the base
model with CompletionStylePrompts.create_response_generation_prompt. The
tokenizer and model classes are module-level so they can be swapped for a
smaller model when debugging on a laptop.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import transformers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from utils.data_formatter import CompletionStylePrompts, strip_trailing_examples

Auto = transformers.AutoTokenizer
CausalLM = transformers.AutoModelForCausalLM


def load(model_name: str):
    tokenizer = Auto.from_pretrained(model_name)
    model = CausalLM.from_pretrained(model_name, torch_dtype=torch.bfloat16, device_map="auto")
    model.eval()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer, model


@torch.no_grad()
def generate_response(tokenizer, model, instruction: str, max_new_tokens: int = 200, temperature: float = 0.7) -> tuple[str, str]:
    # Use completion-style prompting for the base model.
    formatted_prompt = CompletionStylePrompts.create_response_generation_prompt(instruction)
    inputs = tokenizer(formatted_prompt, return_tensors="pt").to(model.device)
    out = model.generate(
        **inputs,
        max_new_tokens=max_new_tokens,
        do_sample=True,
        temperature=temperature,
        pad_token_id=tokenizer.pad_token_id,
    )
    text = tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
    return formatted_prompt, strip_trailing_examples(text)


def main() -> None:
    p = argparse.ArgumentParser(description="Generate responses for Stage 1 instructions.")
    p.add_argument("--instructions", type=Path, default=Path("data/stage1/train_instructions.jsonl"))
    p.add_argument("--out", type=Path, default=Path("data/stage1/train_responses.jsonl"))
    p.add_argument("--model", default="Qwen/Qwen2.5-32B")
    p.add_argument("--pool", default="train", help="only rows whose pool field matches")
    args = p.parse_args()

    tokenizer, model = load(args.model)
    with args.instructions.open() as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    rows = [r for r in rows if r.get("pool", "train") == args.pool]

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as out:
        for row in rows:
            prompt, response = generate_response(tokenizer, model, row["instruction"])
            row = {**row, "prompt": prompt, "response": response}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
    print(f"wrote {len(rows)} responses to {args.out}")


if __name__ == "__main__":
    main()
