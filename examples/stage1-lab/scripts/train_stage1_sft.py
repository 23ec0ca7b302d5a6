"""LoRA SFT of the Stage 1 base model on completion-format text.

Reads a JSONL file with a ``formatted_text`` field (prompt and response as one
plain string) and trains a LoRA adapter with TRL's SFTTrainer. The dataset is
plain text on purpose: a conversational column would make the trainer apply
the tokenizer's chat template.

Writes the adapter to ``--out`` and merged weights to ``--out/merged`` so that
evaluation can load the checkpoint like any model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from datasets import Dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from utils.clean_model_loader import BASE_MODEL_ID, CleanModelLoader


def load_text_dataset(path: Path, eos: str) -> Dataset:
    texts = []
    with path.open() as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            text = row.get("formatted_text") or f"{row['prompt']} {row['response']}"
            texts.append({"text": text.rstrip() + eos})
    return Dataset.from_list(texts)


def main() -> None:
    p = argparse.ArgumentParser(description="Stage 1 LoRA SFT.")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--out", type=Path, default=Path("checkpoints/sft"))
    p.add_argument("--model", default=BASE_MODEL_ID)
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--rank", type=int, default=16)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--grad-accum", type=int, default=8)
    p.add_argument("--max-seq-length", type=int, default=1024)
    p.add_argument("--seed", type=int, default=1234)
    args = p.parse_args()

    loader = CleanModelLoader(args.model)
    dataset = load_text_dataset(args.data, loader.tokenizer.eos_token)
    split = dataset.train_test_split(test_size=0.05, seed=args.seed)

    lora = LoraConfig(
        r=args.rank,
        lora_alpha=2 * args.rank,
        lora_dropout=0.05,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        task_type="CAUSAL_LM",
    )
    config = SFTConfig(
        output_dir=str(args.out),
        num_train_epochs=args.epochs,
        learning_rate=args.lr,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.grad_accum,
        max_length=args.max_seq_length,
        dataset_text_field="text",
        dataset_kwargs={"add_special_tokens": False},
        bf16=True,
        logging_steps=10,
        eval_strategy="steps",
        eval_steps=100,
        save_strategy="epoch",
        seed=args.seed,
        report_to="none",
    )
    trainer = SFTTrainer(
        model=loader.model,
        args=config,
        train_dataset=split["train"],
        eval_dataset=split["test"],
        processing_class=loader.tokenizer,
        peft_config=lora,
    )
    trainer.train()
    trainer.save_model(str(args.out))

    merged = trainer.model.merge_and_unload()
    merged.save_pretrained(str(args.out / "merged"))
    loader.tokenizer.save_pretrained(str(args.out / "merged"))
    print(f"adapter in {args.out}, merged weights in {args.out / 'merged'}")


if __name__ == "__main__":
    main()
