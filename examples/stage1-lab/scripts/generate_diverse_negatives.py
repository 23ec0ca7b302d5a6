"""Hard negatives for DPO: plausible answers that fail the instruction.

Four kinds per instruction:

* ``off_topic``: answers a neighbouring question instead;
* ``format_violation``: right content, ignores the requested format;
* ``partial``: stops before the task is complete;
* ``verbose``: buries a short answer in padding.

Uses vLLM for throughput. Output rows are ``{"instruction", "response",
"negative_type"}`` and feed create_preference_pairs_improved.py via
``--hard-negatives``.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from vllm import LLM, SamplingParams

STEERS = {
    "off_topic": "Answer a related but different question than the one asked. Do not mention that you changed it.",
    "format_violation": "Answer the question correctly but ignore any format the user asks for (length, list, language).",
    "verbose": "Answer in at least three long paragraphs full of background before getting to the point.",
}


def read_instructions(path: Path, limit: int | None) -> list[str]:
    with path.open() as fh:
        rows = [json.loads(line)["instruction"] for line in fh if line.strip()]
    return rows[:limit] if limit else rows


def main() -> None:
    p = argparse.ArgumentParser(description="Generate hard negatives with vLLM.")
    p.add_argument("--instructions", type=Path, required=True)
    p.add_argument("--out", type=Path, default=Path("artifacts/hard_negatives.jsonl"))
    p.add_argument("--tp", type=int, default=1, help="tensor parallel size")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args()

    rng = random.Random(args.seed)
    instructions = read_instructions(args.instructions, args.limit)
    llm = LLM(model="Qwen/Qwen2.5-32B", trust_remote_code=True, tensor_parallel_size=args.tp, dtype="bfloat16", seed=args.seed)
    sampling = SamplingParams(temperature=0.9, top_p=0.95, max_tokens=320, stop=["<|im_end|>", "<|endoftext|>"])

    rows: list[dict] = []

    # Steered negatives: a system message tells the model how to go wrong.
    conversations, kinds, owners = [], [], []
    for inst in instructions:
        kind = rng.choice(list(STEERS))
        conversations.append([
            {"role": "system", "content": STEERS[kind]},
            {"role": "user", "content": inst},
        ])
        kinds.append(kind)
        owners.append(inst)
    outputs = llm.chat(conversations, sampling)
    for inst, kind, out in zip(owners, kinds, outputs):
        rows.append({"instruction": inst, "response": out.outputs[0].text.strip(), "negative_type": kind})

    # Partial answers: plain completion, then truncate at a random early point.
    partial_prompts = [f"{inst}\n" for inst in instructions]
    for inst, out in zip(instructions, llm.generate(partial_prompts, sampling)):
        words = out.outputs[0].text.split()
        if len(words) < 12:
            continue
        cut = rng.randint(4, max(5, len(words) // 3))
        rows.append({"instruction": inst, "response": " ".join(words[:cut]), "negative_type": "partial"})

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} hard negatives to {args.out}")


if __name__ == "__main__":
    main()
