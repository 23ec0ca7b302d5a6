"""Sentinel checks that the base model really is reached without a template.

Run this first on every GPU session; if anything fails, stop the session.

1. The loader's tokenizer has no chat template attached.
2. Encoding a probe adds no special tokens (no BOS, no ``<|im_start|>``).
3. Completions of neutral prompts contain no chat markup.
4. A bare question is *continued* like a document (base behaviour) more often
   than it is answered like an assistant turn.

Exit code 0 means every sentinel passed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from utils.clean_model_loader import BASE_MODEL_ID, CleanModelLoader, GenerationSettings

NEUTRAL_PROMPTS = [
    "The three states of matter are",
    "In 1969, the first people to walk on the Moon",
    "def fibonacci(n):\n",
    "Ingredients for a basic pancake batter:\n-",
    "The main export of Chile is",
    "Dear hiring manager,\n\nI am writing to",
    "Photosynthesis takes place in the",
    "A haiku about the sea:\n",
]

ASSISTANT_OPENERS = ("sure", "certainly", "of course", "i'd be happy", "as an ai", "great question")


def check_template_removed(loader: CleanModelLoader) -> list[str]:
    chat_template_disabled = loader.tokenizer.chat_template is None
    return [] if chat_template_disabled else ["tokenizer still carries a chat template"]


def check_no_special_tokens(loader: CleanModelLoader) -> list[str]:
    probe = "Hello world"
    ids = loader.encode(probe)["input_ids"][0].tolist()
    special = set(loader.tokenizer.all_special_ids)
    problems = []
    if any(i in special for i in ids):
        problems.append(f"special ids in encoding of {probe!r}: {ids}")
    if loader.tokenizer.decode(ids) != probe:
        problems.append("probe did not round-trip")
    return problems


def check_outputs_clean(loader: CleanModelLoader, n: int) -> list[str]:
    settings = GenerationSettings(max_new_tokens=48, do_sample=False, temperature=0.0, seed=0)
    problems = []
    for prompt, text in zip(NEUTRAL_PROMPTS[:n], loader.generate(NEUTRAL_PROMPTS[:n], settings)):
        assert "<|im_start|>" not in text, f"chat markup after {prompt!r}"
        if "<|im_end|>" in text or text.lower().lstrip().startswith("assistant"):
            problems.append(f"chat residue after {prompt!r}: {text[:60]!r}")
    return problems


def check_base_behaviour(loader: CleanModelLoader) -> list[str]:
    questions = ["What is the capital of France?", "How do magnets work?", "Why is the sky blue?"]
    settings = GenerationSettings(max_new_tokens=40, do_sample=False, temperature=0.0, seed=0)
    outputs = loader.generate([q + "\n" for q in questions], settings)
    assistant_like = sum(o.strip().lower().startswith(ASSISTANT_OPENERS) for o in outputs)
    if assistant_like > len(outputs) // 2:
        return [f"{assistant_like}/{len(outputs)} answers open like an assistant turn"]
    return []


def main() -> int:
    p = argparse.ArgumentParser(description="Sentinel checks for clean base-model access.")
    p.add_argument("--model-name", default=BASE_MODEL_ID)
    p.add_argument("--n-prompts", type=int, default=len(NEUTRAL_PROMPTS))
    args = p.parse_args()

    loader = CleanModelLoader(args.model_name)
    failures: list[str] = []
    for name, check in [
        ("template removed", lambda: check_template_removed(loader)),
        ("no special tokens", lambda: check_no_special_tokens(loader)),
        ("outputs clean", lambda: check_outputs_clean(loader, args.n_prompts)),
        ("base behaviour", lambda: check_base_behaviour(loader)),
    ]:
        try:
            problems = check()
        except AssertionError as exc:
            problems = [str(exc)]
        failures.extend(problems)
        print(f"{'PASS' if not problems else 'FAIL'}  {name}")
        for prob in problems:
            print(f"      {prob}")

    print("\nall sentinels passed" if not failures else f"\n{len(failures)} sentinel problem(s): stop here")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
