"""Stand-in for instruction-following evaluation: accuracy grows with the examples a checkpoint saw."""
import argparse
import json
import os

from common import write_json


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", help="checkpoint folder (none: the base model)")
    parser.add_argument("--out", required=True, help="report JSON")
    args = parser.parse_args()
    examples = 0
    if args.checkpoint:
        with open(os.path.join(args.checkpoint, "train_log.json"), encoding="utf-8") as f:
            examples = json.load(f)["examples"]
    accuracy = round(0.42 + 0.36 * min(1.0, examples / 300), 3)
    write_json(args.out, {"accuracy": accuracy, "examples_seen": examples, "by_type": {"completion": accuracy}})


if __name__ == "__main__":
    main()
