"""Stand-in for SFT data generation: few-shot completion prompts, storing the exact prompt used."""
import argparse

from common import attest, pseudo_score, read_jsonl, write_jsonl

SHOTS = [
    ("List three primary colours.", "Red, yellow and blue."),
    ("What is 2 + 2?", "4."),
    ("Name a mammal that can fly.", "The bat."),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instructions", required=True, help="instructions JSONL")
    parser.add_argument("--n", type=int, default=100, help="how many records to write")
    parser.add_argument("--seed", type=int, default=17, help="sampling seed")
    parser.add_argument("--out", required=True, help="SFT data JSONL")
    args = parser.parse_args()
    instructions = [r["instruction"] for r in read_jsonl(args.instructions)]
    few_shot = "".join(f"Instruction: {q}\nResponse: {a}\n\n" for q, a in SHOTS)
    records = []
    for i in range(args.n):
        instruction = instructions[i % len(instructions)]
        if i >= len(instructions):
            instruction = f"{instruction} (variant {i // len(instructions)})"
        prompt = f"{few_shot}Instruction: {instruction}\nResponse:"
        completion = f" A considered answer, quality {pseudo_score(instruction + str(args.seed)):.3f}."
        records.append({
            "instruction": instruction,
            "prompt": prompt,
            "completion": completion,
            "response": completion.strip(),
            "formatted_text": prompt + completion,
        })
    attest(
        model={"id": "Qwen/Qwen2.5-32B", "revision": "main", "base": True},
        tokenizer={"chatTemplateApplied": False, "addSpecialTokens": False},
        sampling={"temperature": 0.7, "top_p": 0.95},
        seed=args.seed,
    )
    write_jsonl(args.out, records)


if __name__ == "__main__":
    main()
