from __future__ import annotations

from typing import NamedTuple


class LLM(NamedTuple):
    role: str
    hf_id: str

    @property
    def short(self) -> str:
        return self.hf_id.rstrip("/").split("/")[-1]


LLM_NAME = "Qwen/Qwen2.5-32B"
JUDGE_NAME = "Qwen/Qwen2.5-72B-Instruct"

BASE = LLM("base", LLM_NAME)
JUDGE = LLM("judge", JUDGE_NAME)

# Where each stage writes by default; keep in sync with scripts/launch_gpu_session.sh.
DATA_DIR = "data/stage1"
ARTIFACT_DIR = "artifacts"
CHECKPOINT_DIR = "checkpoints"
