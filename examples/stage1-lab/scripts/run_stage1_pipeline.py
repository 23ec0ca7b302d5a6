"""Stage 1 end to end: data, filtering, SFT, preference pairs, DPO, evaluation.

Every step runs as its own process so that a step that dies on the pod can be
rerun alone with ``--only``. Outputs go under ``data/stage1``, ``artifacts``
and ``checkpoints``; a small JSON summary of what ran is written at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "stage1"
ARTIFACTS = ROOT / "artifacts"
CHECKPOINTS = ROOT / "checkpoints"

# Dependencies moved to pyproject.toml; a stray legacy build file on the pod
# image has shadowed the editable install before.
LEGACY_BUILD_FILE = "setup.py"

STEPS = ("data", "filter", "sft", "pairs", "dpo", "eval")

log = logging.getLogger("pipeline")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=500, help="instructions to generate in the data step")
    p.add_argument("--k", type=int, default=4, help="samples per instruction for Best-of-N pairs")
    p.add_argument("--only", choices=STEPS, action="append", help="run just these steps (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="print the commands without running them")
    p.add_argument("--min-rows", type=int, default=200, help="refuse to train on fewer rows than this")
    return p.parse_args()


def run_step(name: str, cmd: list[str], *, dry_run: bool = False) -> float:
    log.info("[%s] %s", name, " ".join(cmd))
    if dry_run:
        return 0.0
    start = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    took = time.time() - start
    log.info("[%s] done in %.1f min", name, took / 60)
    return took


def count_rows(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open() as fh:
        return sum(1 for line in fh if line.strip())


def require_rows(path: Path, minimum: int) -> None:
    rows = count_rows(path)
    if rows < minimum:
        raise SystemExit(f"{path} has {rows} rows, need at least {minimum}; not starting a GPU job on it")


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    wanted = set(args.only or STEPS)
    if (ROOT / LEGACY_BUILD_FILE).exists():
        log.warning("%s found in the checkout; remove it, dependencies live in pyproject.toml", LEGACY_BUILD_FILE)

    raw = DATA / "stage1_raw.jsonl"
    filtered = DATA / "stage1_filtered.jsonl"
    pairs = ARTIFACTS / "preference_pairs_bon.jsonl"
    timings: dict[str, float | str] = {}

    try:
        # Step 1 went through scripts/stage1_generate.py until September and
        # was later folded into the data generator below.
        if "data" in wanted:
            timings["data"] = run_step("data", ["python", "scripts/generate_stage1_data.py", "--n", str(args.n), "--out", str(raw)], dry_run=args.dry_run)

        if "filter" in wanted:
            timings["filter"] = run_step("filter", ["python", "scripts/filter_stage1_with_critic.py", "--in", str(raw), "--out", str(filtered)], dry_run=args.dry_run)

        if "sft" in wanted:
            if not args.dry_run:
                require_rows(filtered, args.min_rows)
            start = time.time()
            subprocess.run([sys.executable, "scripts/train_stage1_sft.py", "--data", str(filtered), "--out", str(CHECKPOINTS / "sft")], check=True, cwd=ROOT)
            timings["sft"] = time.time() - start

        if "pairs" in wanted:
            timings["pairs"] = run_step("pairs", ["python", "scripts/create_preference_pairs_improved.py", "--instructions", str(filtered), "--k", str(args.k), "--out", str(pairs)], dry_run=args.dry_run)

        if "dpo" in wanted:
            if not args.dry_run:
                require_rows(pairs, args.min_rows)
            timings["dpo"] = run_step("dpo", ["accelerate", "launch", "scripts/train_stage1_dpo_improved.py", "--pairs", str(pairs), "--sft-adapter", str(CHECKPOINTS / "sft"), "--out", str(CHECKPOINTS / "dpo")], dry_run=args.dry_run)

        if "eval" in wanted:
            status = os.system(f"python scripts/evaluate_stage1_simple.py --model-path {CHECKPOINTS / 'dpo'} --out {ARTIFACTS / 'eval_simple_dpo.json'}")
            timings["eval"] = "ok" if status == 0 else f"exit {status}"
    except subprocess.CalledProcessError as exc:
        log.error("step failed: %s", exc)
        timings["failed"] = "see log above"
        return 1
    finally:
        summary = ARTIFACTS / "pipeline_summary.json"
        summary.parent.mkdir(parents=True, exist_ok=True)
        summary.write_text(json.dumps({"steps": sorted(wanted), "timings": timings}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
