from __future__ import annotations

import argparse
from pathlib import Path

from transformers import AutoTokenizer as T


def main() -> None:
    # The shipped template wraps turns in <|im_start|>/<|im_end|>; the experiment
    # wants to know whether plain "role: content" lines behave differently.
    p = argparse.ArgumentParser(description="Save a copy of the base tokenizer with a plain 'role: content' template.")
    p.add_argument("--model", default="Qwen/Qwen2.5-32B")
    p.add_argument("--out", type=Path, default=Path("checkpoints/tokenizer_rolefmt"))
    args = p.parse_args()

    tok = T.from_pretrained(args.model, trust_remote_code=True)
    print("shipped template:", "yes" if tok.chat_template else "no")
    print("bos:", tok.bos_token, "eos:", tok.eos_token, "pad:", tok.pad_token)

    tok.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}"
    args.out.mkdir(parents=True, exist_ok=True)
    tok.save_pretrained(str(args.out))
    print(f"saved to {args.out}")


if __name__ == "__main__":
    main()
