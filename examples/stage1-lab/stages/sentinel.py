"""Stand-in for the base-model sentinel: proves the prompt reaches the model as raw text, writes a report."""
import argparse

from common import attest, write_json

MARKERS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "### Human", "[INST]"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="where the sentinel report goes")
    args = parser.parse_args()
    prompt = "The capital of France is"
    checks = [
        {"name": "no-template-markers", "passed": not any(m in prompt for m in MARKERS)},
        {"name": "raw-text-only", "passed": True},
    ]
    passed = all(c["passed"] for c in checks)
    attest(
        model={"id": "Qwen/Qwen2.5-32B", "revision": "main", "base": True},
        tokenizer={"chatTemplateApplied": False, "chatTemplatePresent": True, "addSpecialTokens": False},
        sentinel={"passed": passed, "checks": checks},
    )
    write_json(args.out, {"passed": passed, "checks": checks, "prompt": prompt})


if __name__ == "__main__":
    main()
