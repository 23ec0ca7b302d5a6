# Retired with stage1_generate.py: both predate CleanModelLoader and leave the
# shipped chat template on the tokenizer. Still used to finish half-written
# September runs; see docs/IMPLEMENTATION_REGISTRY.md for the replacement.
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from stage1_generate import generate_response, load

MAX_ATTEMPTS = 3


def done_ids(path: Path) -> set[str]:
    if not path.exists():
        return set()
    with path.open() as fh:
        return {json.loads(line)["id"] for line in fh if line.strip()}


def main() -> None:
    p = argparse.ArgumentParser(description="Resumable wrapper around stage1_generate.")
    p.add_argument("--resume", type=Path, required=True, help="partial output to continue")
    p.add_argument("--instructions", type=Path, default=Path("data/stage1/train_instructions.jsonl"))
    p.add_argument("--model", default="Qwen/Qwen2.5-32B")
    args = p.parse_args()

    finished = done_ids(args.resume)
    with args.instructions.open() as fh:
        todo = [r for r in (json.loads(line) for line in fh if line.strip()) if r["id"] not in finished]
    print(f"{len(finished)} done, {len(todo)} to go")

    tokenizer, model = load(args.model)
    with args.resume.open("a") as out:
        for row in todo:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    prompt, response = generate_response(tokenizer, model, row["instruction"])
                    break
                except RuntimeError as exc:
                    print(f"{row['id']}: attempt {attempt} failed ({exc})", file=sys.stderr)
                    time.sleep(5 * attempt)
            else:
                continue
            out.write(json.dumps({**row, "prompt": prompt, "response": response}) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
