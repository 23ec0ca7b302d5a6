from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description="Margin and length statistics for a preference-pair file.")
    p.add_argument("pairs", type=Path, nargs="?", default=Path("artifacts/preference_pairs.jsonl"))
    args = p.parse_args()

    rows = [json.loads(line) for line in args.pairs.open() if line.strip()]
    by_type = Counter(r.get("instruction_type", "unknown") for r in rows)
    margins = [r["margin"] for r in rows if "margin" in r]
    chosen_len = [len(r["chosen"].split()) for r in rows]
    rejected_len = [len(r["rejected"].split()) for r in rows]
    markup = sum(1 for r in rows if "<|im_start|>" in r["chosen"] or "<|im_end|>" in r["chosen"])
    assistant_voice = sum(1 for r in rows if r["chosen"].lower().startswith(("sure", "certainly", "of course")))

    print(f"{args.pairs}: {len(rows)} pairs")
    print("types:", dict(by_type.most_common()))
    if margins:
        print(f"margin: mean {statistics.mean(margins):.3f}  median {statistics.median(margins):.3f}  min {min(margins):.3f}")
    else:
        print("margin: not recorded in this file")
    print(f"words chosen/rejected: {statistics.mean(chosen_len):.1f} / {statistics.mean(rejected_len):.1f}")
    print(f"chosen with chat markup: {markup}; chosen opening like an assistant turn: {assistant_voice}")


if __name__ == "__main__":
    main()
