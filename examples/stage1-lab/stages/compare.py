"""Stand-in for the final comparison: baseline vs SFT vs DPO accuracy in one report."""
import argparse
import json

from common import write_json


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("reports", nargs="+", help="evaluation reports, in order")
    parser.add_argument("--out", required=True, help="comparison JSON")
    args = parser.parse_args()
    rows = []
    for path in args.reports:
        with open(path, encoding="utf-8") as f:
            rows.append({"report": path, "accuracy": json.load(f)["accuracy"]})
    write_json(args.out, {"rows": rows, "best": max(rows, key=lambda r: r["accuracy"])["report"]})


if __name__ == "__main__":
    main()
