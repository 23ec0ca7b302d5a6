"""Generate Stage 1 SFT examples: instruction, base-model response, training text.

Instructions come from a fixed set of templates filled with topics. Each one
is turned into a completion-style prompt (for example ``Q: ... A:``), the base
model continues it, and the pair is written as one JSON line with the fields
``instruction``, ``response``, ``prompt``, ``completion``, ``formatted_text``
and ``instruction_type``. Training uses ``formatted_text``.

Usage:
    python scripts/generate_stage1_sft_data.py --n 200 --out data/stage1/sft_training_data.jsonl
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from datetime import datetime
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from utils.clean_model_loader import CleanModelLoader

log = logging.getLogger("sft_data")

TEMPLATES: dict[str, list[str]] = {
    "question": ["What is {topic}?", "Why is {topic} important?", "How does {topic} work?"],
    "explanation": ["Explain {topic} in simple terms.", "Describe how {topic} affects everyday life."],
    "list": ["List three facts about {topic}.", "Give four examples related to {topic}."],
    "creative": ["Write a short poem about {topic}.", "Write one sentence that makes {topic} sound exciting."],
    "completion": ["Complete this sentence: {topic} is"],
}

TOPICS = [
    "photosynthesis", "gravity", "the water cycle", "volcanoes", "electricity", "democracy",
    "the immune system", "compound interest", "honeybees", "black holes", "recycling", "sleep",
]


class Stage1SFTDataGenerator:
    def __init__(self, model_name: str, seed: int = 42, max_new_tokens: int = 200) -> None:
        self.rng = random.Random(seed)
        self.max_new_tokens = max_new_tokens
        self.loader = CleanModelLoader(model_name)
        self.tokenizer = self.loader.tokenizer
        self.model = self.loader.model
        # Belt and braces: make sure no template survives on this handle either.
        self.tokenizer.chat_template = None

    # -- instructions ---------------------------------------------------------

    def generate_instructions(self, n: int) -> list[dict]:
        out = []
        for i in range(n):
            inst_type = self.rng.choice(list(TEMPLATES))
            template = self.rng.choice(TEMPLATES[inst_type])
            topic = self.rng.choice(TOPICS)
            out.append({"id": f"{inst_type}_{i}", "instruction": template.format(topic=topic), "instruction_type": inst_type})
        return out

    # -- prompts and responses ------------------------------------------------

    def create_completion_prompt(self, instruction: str, inst_type: str) -> str:
        if inst_type == "question":
            return f"Q: {instruction}\nA:"
        if inst_type == "completion":
            return instruction.replace("Complete this sentence: ", "")
        if inst_type == "list":
            return f"{instruction}\n1."
        return f"{instruction}\n\n"

    @torch.no_grad()
    def generate_response(self, instruction: str, inst_type: str) -> tuple[str, str]:
        completion_prompt = self.create_completion_prompt(instruction, inst_type)
        try:
            inputs = self.tokenizer(
                completion_prompt,
                add_special_tokens=False,
                return_tensors="pt",
                max_length=512,
                truncation=True,
            ).to(self.model.device)
            out = self.model.generate(
                **inputs,
                max_new_tokens=self.max_new_tokens,
                do_sample=True,
                temperature=0.7,
                top_p=0.9,
                pad_token_id=self.tokenizer.pad_token_id,
            )
            response = self.tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
            response = response.split("\nQ:")[0].strip()
            if len(response) < 10:
                raise ValueError("response too short")
        except Exception as exc:
            log.warning("generation failed for %r: %s", instruction[:60], exc)
            response = "This is a placeholder response for the instruction. A complete answer would explain the topic clearly, give an example, and end with a short summary."
        return completion_prompt, response

    @torch.no_grad()
    def generate_responses_batched(self, batch: list[dict]) -> tuple[list[str], list[str]]:
        prompts = [self.create_completion_prompt(b["instruction"], b["instruction_type"]) for b in batch]
        responses: list[str] = []
        try:
            completions = self.loader.generate(prompts)
            responses.extend(c.split("\nQ:")[0].strip() for c in completions)
        except torch.cuda.OutOfMemoryError:
            torch.cuda.empty_cache()
            for _ in batch:
                responses.append("[placeholder] Response skipped after an out-of-memory error; regenerate before training.")
        return prompts, responses

    # -- dataset --------------------------------------------------------------

    def build_dataset(self, n: int, batch_size: int = 1) -> list[dict]:
        instructions = self.generate_instructions(n)
        examples = []
        for start in range(0, len(instructions), batch_size):
            chunk = instructions[start : start + batch_size]
            if batch_size == 1:
                completion_prompt, response = self.generate_response(chunk[0]["instruction"], chunk[0]["instruction_type"])
                prompts, responses = [completion_prompt], [response]
            else:
                prompts, responses = self.generate_responses_batched(chunk)
            for inst_data, completion_prompt, response in zip(chunk, prompts, responses):
                examples.append({
                    'instruction': inst_data['instruction'],
                    'response': response,
                    'prompt': f"Instruction: {inst_data['instruction']}\nResponse:",
                    'completion': response,
                    'formatted_text': f"{completion_prompt} {response}",
                    'instruction_type': inst_data['instruction_type'],
                })
            log.info("%d/%d examples", len(examples), len(instructions))
        return examples


def main() -> None:
    p = argparse.ArgumentParser(description="Stage 1 SFT data from templated instructions.")
    p.add_argument("--model", default="Qwen/Qwen2.5-32B")
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)

    out = args.out or Path("data/stage1") / f"sft_training_data_{datetime.now():%Y%m%d_%H%M%S}.jsonl"
    gen = Stage1SFTDataGenerator(args.model, seed=args.seed)
    examples = gen.build_dataset(args.n, batch_size=args.batch_size)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as fh:
        for ex in examples:
            fh.write(json.dumps(ex, ensure_ascii=False) + "\n")
    log.info("wrote %d examples to %s", len(examples), out)


if __name__ == "__main__":
    main()
