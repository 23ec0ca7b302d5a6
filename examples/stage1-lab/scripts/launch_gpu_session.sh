#!/usr/bin/env bash
# One GPU session, start to finish. Run from the repository root on the pod:
#
#   bash scripts/launch_gpu_session.sh 2>&1 | tee logs/session_$(date +%Y%m%d_%H%M%S).log
#
# Stop at the first failure: every later phase spends money on the output of
# the phase before it. September sessions began with
# `python scripts/generate_stage1_data.py --n 500`; that generator is retired.
set -euo pipefail

N_SFT=${N_SFT:-5000}
K=${K:-4}
ARTIFACT_BUCKET=${ARTIFACT_BUCKET:-s3://stage1-lab-artifacts}
mkdir -p logs artifacts checkpoints data/stage1

echo "== phase 1: sentinels (abort the session if these fail)"
python scripts/test_base_model_ultra_clean.py --n-prompts 8

echo "== phase 2: baseline"
python scripts/evaluate_instruction_following.py --out artifacts/eval_if_base.json

echo "== phase 3: SFT data"
# A crashed September job left a partial file behind; finish it first.
if [ -f data/stage1/train_responses.partial.jsonl ]; then
  python scripts/deprecated/stage1_generate_robust.py --resume data/stage1/train_responses.partial.jsonl
fi
python scripts/generate_sample_data_v2.py --n "$N_SFT" --out data/stage1/sft_v2.jsonl

echo "== phase 4: SFT"
accelerate launch scripts/train_stage1_sft.py --data data/stage1/sft_v2.jsonl --out checkpoints/sft
python scripts/evaluate_instruction_following.py --model-name checkpoints/sft/merged --out artifacts/eval_if_sft.json

echo "== phase 5: preference pairs"
python scripts/generate_diverse_negatives.py --instructions data/stage1/sft_v2.jsonl --out artifacts/hard_negatives.jsonl
python scripts/create_preference_pairs_improved.py --instructions data/stage1/sft_v2.jsonl --k "$K" \
  --hard-negatives artifacts/hard_negatives.jsonl --out artifacts/preference_pairs_bon.jsonl

echo "== phase 6: DPO"
accelerate launch scripts/train_stage1_dpo_improved.py --pairs artifacts/preference_pairs_bon.jsonl \
  --sft-adapter checkpoints/sft --out checkpoints/dpo

echo "== phase 7: evaluation"
python scripts/evaluate_instruction_following.py --model-name checkpoints/dpo/merged --out artifacts/eval_if_dpo.json
python -m scripts.evaluate_stage1_comprehensive --checkpoints checkpoints/sft/merged checkpoints/dpo/merged

echo "== sync artifacts"
python scripts/sync_artifacts.py --dest "$ARTIFACT_BUCKET" artifacts checkpoints/dpo/merged
