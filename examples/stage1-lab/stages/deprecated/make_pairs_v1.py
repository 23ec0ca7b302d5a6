"""The first preference-pair builder: pairs each response with a fixed refusal as the rejected side."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import read_jsonl, write_jsonl  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sft", required=True, help="SFT records")
    parser.add_argument("--out", required=True, help="preference pairs JSONL")
    args = parser.parse_args()
    write_jsonl(args.out, [
        {"instruction": r["instruction"], "chosen": r["response"], "rejected": "I cannot help with that."}
        for r in read_jsonl(args.sft)
    ])


if __name__ == "__main__":
    main()
