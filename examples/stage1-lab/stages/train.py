"""Stand-in for SFT and DPO training: writes a checkpoint folder whose contents depend on the data."""
import argparse
import hashlib
import json
import os

from common import read_jsonl, write_json


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="SFT records or preference pairs (JSONL)")
    parser.add_argument("--method", choices=["sft", "dpo"], default="sft", help="training method")
    parser.add_argument("--init", help="checkpoint folder to start from")
    parser.add_argument("--out", required=True, help="checkpoint folder")
    args = parser.parse_args()
    records = read_jsonl(args.data)
    base = 0
    if args.init:
        with open(os.path.join(args.init, "train_log.json"), encoding="utf-8") as f:
            base = json.load(f)["examples"]
    digest = hashlib.sha256(json.dumps(records, sort_keys=True).encode("utf-8")).hexdigest()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "adapter.bin"), "w", encoding="utf-8") as f:
        f.write(digest * 8)
    write_json(os.path.join(args.out, "train_log.json"), {"method": args.method, "examples": base + len(records), "data_sha256": digest})


if __name__ == "__main__":
    main()
