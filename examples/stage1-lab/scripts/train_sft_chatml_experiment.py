# Experiment: does SFT on chat-shaped data beat completion-format text?
from __future__ import annotations

import argparse
import json
from pathlib import Path

from datasets import Dataset
from trl import SFTConfig, SFTTrainer


def to_messages(row: dict) -> dict:
    return {
        "messages": [
            {"role": "user", "content": row["instruction"]},
            {"role": "assistant", "content": row["response"]},
        ]
    }


def load_rows(path: Path) -> list[dict]:
    with path.open() as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main() -> None:
    p = argparse.ArgumentParser(description="SFT on messages-format records (experiment).")
    p.add_argument("--data", type=Path, default=Path("data/stage1/sft_v2.jsonl"))
    p.add_argument("--out", type=Path, default=Path("checkpoints/sft_chat_experiment"))
    p.add_argument("--epochs", type=float, default=1.0)
    args = p.parse_args()

    dataset = Dataset.from_list([to_messages(r) for r in load_rows(args.data)])
    trainer = SFTTrainer(
        model="Qwen/Qwen2.5-32B",
        args=SFTConfig(
            output_dir=str(args.out),
            num_train_epochs=args.epochs,
            per_device_train_batch_size=1,
            gradient_accumulation_steps=16,
            learning_rate=1e-5,
            bf16=True,
            report_to="none",
        ),
        train_dataset=dataset,
    )
    trainer.train()
    trainer.save_model(str(args.out))


if __name__ == "__main__":
    main()
