"""DPO on top of the Stage 1 SFT adapter.

Continues training the SFT LoRA adapter with TRL's DPOTrainer. With a PEFT
model and ``ref_model=None`` the trainer uses the adapter-disabled model as
the reference, so only one copy of the 32B weights is in memory.

Pairs are plain strings (``prompt``, ``chosen``, ``rejected``). Keep them that
way: message lists in those columns would be chat-templated by the trainer.
Pairs below ``--min-margin`` or marked inconsistent by the critic are dropped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from datasets import Dataset
from peft import PeftModel
from trl import DPOConfig, DPOTrainer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from utils.clean_model_loader import BASE_MODEL_ID, CleanModelLoader


def load_pairs(path: Path, min_margin: float) -> tuple[Dataset, dict]:
    rows, stats = [], {"read": 0, "low_margin": 0, "inconsistent": 0}
    with path.open() as fh:
        for line in fh:
            if not line.strip():
                continue
            stats["read"] += 1
            rec = json.loads(line)
            if rec.get("margin", 0.0) < min_margin:
                stats["low_margin"] += 1
                continue
            if rec.get("consistent") is False:
                stats["inconsistent"] += 1
                continue
            rows.append({"prompt": rec["prompt"], "chosen": rec["chosen"], "rejected": rec["rejected"]})
    stats["kept"] = len(rows)
    return Dataset.from_list(rows), stats


def main() -> None:
    p = argparse.ArgumentParser(description="Stage 1 DPO from the SFT adapter.")
    p.add_argument("--pairs", type=Path, required=True)
    p.add_argument("--sft-adapter", type=Path, required=True)
    p.add_argument("--out", type=Path, default=Path("checkpoints/dpo"))
    p.add_argument("--model", default=BASE_MODEL_ID)
    p.add_argument("--beta", type=float, default=0.1)
    p.add_argument("--lr", type=float, default=5e-6)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--min-margin", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=1234)
    args = p.parse_args()

    dataset, stats = load_pairs(args.pairs, args.min_margin)
    print(f"pairs: {stats}")
    if stats["kept"] == 0:
        raise SystemExit("no usable pairs")

    loader = CleanModelLoader(args.model)
    model = PeftModel.from_pretrained(loader.model, str(args.sft_adapter), is_trainable=True)

    config = DPOConfig(
        output_dir=str(args.out),
        beta=args.beta,
        learning_rate=args.lr,
        num_train_epochs=args.epochs,
        per_device_train_batch_size=2,
        gradient_accumulation_steps=16,
        max_length=1536,
        max_prompt_length=768,
        bf16=True,
        logging_steps=10,
        save_strategy="epoch",
        seed=args.seed,
        report_to="none",
    )
    trainer = DPOTrainer(
        model=model,
        ref_model=None,
        args=config,
        train_dataset=dataset,
        processing_class=loader.tokenizer,
    )
    trainer.train()
    trainer.save_model(str(args.out))
    merged = trainer.model.merge_and_unload()
    merged.save_pretrained(str(args.out / "merged"))
    loader.tokenizer.save_pretrained(str(args.out / "merged"))


if __name__ == "__main__":
    main()
