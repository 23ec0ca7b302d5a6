"""Stand-in for Best-of-N preference pairs: best vs worst of N scored samples, with the score margin."""
import argparse

from common import pseudo_score, read_jsonl, write_jsonl


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sft", required=True, help="SFT records whose instructions are reused")
    parser.add_argument("--best-of", type=int, default=4, help="samples per instruction")
    parser.add_argument("--out", required=True, help="preference pairs JSONL")
    args = parser.parse_args()
    pairs = []
    for record in read_jsonl(args.sft):
        samples = [f"{record['response']} (sample {k})" for k in range(args.best_of)]
        scored = sorted(samples, key=pseudo_score, reverse=True)
        pairs.append({
            "instruction": record["instruction"],
            "chosen": scored[0],
            "rejected": scored[-1],
            "margin": round(pseudo_score(scored[0]) - pseudo_score(scored[-1]), 4),
        })
    write_jsonl(args.out, pairs)


if __name__ == "__main__":
    main()
