"""Small helpers the pipeline's stand-in stages share: JSONL I/O, a deterministic pseudo-score, attestation."""
import hashlib
import json
import os


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, records):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, sort_keys=True) + "\n")


def write_json(path, value):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")


def pseudo_score(text):
    """A stable number in [0, 1) standing in for a model's log-prob judgement."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) / 2**32


def attest(**fields):
    """What the sanctioned loader reports to `provenant run` through $PROVENANT_ATTEST (one JSON line)."""
    target = os.environ.get("PROVENANT_ATTEST")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(json.dumps(fields) + "\n")
