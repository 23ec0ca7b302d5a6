"""Full Stage 1 evaluation: base vs SFT vs DPO on the held-out instructions.

Candidates are loaded through CleanModelLoader and prompted with the same
few-shot completion prompts used for data generation, so every model is asked
the same way. Their answers are graded 1-10 by an instruct judge
(Qwen2.5-72B-Instruct). The judge is a chat model, so formatting its input with
its own chat template is correct here, and only here.

Usage:
    python scripts/evaluate_stage1_comprehensive.py --checkpoints checkpoints/sft/merged checkpoints/dpo/merged
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from utils.clean_model_loader import CleanModelLoader, GenerationSettings
from utils.data_formatter import CompletionStylePrompts, looks_like_chat_markup, strip_trailing_examples
from utils.names import LLM, LLM_NAME

HELD_OUT = Path("artifacts/held_out_test_instructions_20250911_162708.jsonl")

JUDGE_SYSTEM = (
    "You grade answers written by a language model. Reply with a single integer from 1 to 10 "
    "followed by one sentence of justification. 10 means the answer fully follows the instruction."
)
SCORE_RE = re.compile(r"\b(10|[1-9])\b")


class InstructJudge:
    def __init__(self, device_map: str = "auto") -> None:
        self.tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-72B-Instruct")
        self.model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-72B-Instruct", torch_dtype=torch.bfloat16, device_map=device_map)
        self.model.eval()

    @torch.no_grad()
    def score(self, instruction: str, response: str) -> tuple[int | None, str]:
        messages = [
            {"role": "system", "content": JUDGE_SYSTEM},
            {"role": "user", "content": f"Instruction:\n{instruction}\n\nAnswer:\n{response}"},
        ]
        text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = self.tokenizer(text, add_special_tokens=False, return_tensors="pt").to(self.model.device)
        out = self.model.generate(**inputs, max_new_tokens=60, do_sample=False)
        verdict = self.tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
        m = SCORE_RE.search(verdict)
        return (int(m.group(1)) if m else None), verdict.strip()


def read_jsonl(path: Path) -> list[dict]:
    with path.open() as fh:
        return [json.loads(line) for line in fh if line.strip()]


def answer_all(candidate: LLM, instructions: list[dict], settings: GenerationSettings) -> list[str]:
    # Trainers write merged weights next to the adapter, so a checkpoint loads like any model.
    loader = CleanModelLoader(candidate.hf_id)
    prompts = [CompletionStylePrompts.create_response_generation_prompt(row["instruction"]) for row in instructions]
    answers: list[str] = []
    for start in range(0, len(prompts), 8):
        answers.extend(strip_trailing_examples(t) for t in loader.generate(prompts[start : start + 8], settings))
    del loader
    torch.cuda.empty_cache()
    return answers


def main() -> int:
    p = argparse.ArgumentParser(description="Judge-graded comparison of Stage 1 checkpoints.")
    p.add_argument("--base", default=LLM_NAME, help="base model id, loaded like every candidate (never via from_pretrained directly)")
    p.add_argument("--checkpoints", nargs="*", default=[], help="merged checkpoint directories to compare against the base")
    p.add_argument("--instructions", type=Path, default=HELD_OUT)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--out", type=Path, default=Path("artifacts/eval_comprehensive.json"))
    args = p.parse_args()

    rows = read_jsonl(args.instructions)[: args.limit]
    settings = GenerationSettings(max_new_tokens=256, do_sample=False, temperature=0.0, seed=0)
    candidates = [LLM("base", args.base)] + [LLM(Path(c).parent.name, c) for c in args.checkpoints]

    answers: dict[str, list[str]] = {}
    for candidate in candidates:
        answers[candidate.role] = answer_all(candidate, rows, settings)

    judge = InstructJudge()
    report: dict[str, dict] = {}
    for name, outs in answers.items():
        scores, leaks = [], 0
        for row, out in zip(rows, outs):
            if looks_like_chat_markup(out):
                leaks += 1
            s, _ = judge.score(row["instruction"], out)
            if s is not None:
                scores.append(s)
        report[name] = {
            "mean_score": statistics.mean(scores) if scores else None,
            "n_scored": len(scores),
            "chat_markup_leaks": leaks,
        }
        print(f"{name:>12}: mean {report[name]['mean_score']}  leaks {leaks}")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"base": args.base, "n": len(rows), "models": report}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
