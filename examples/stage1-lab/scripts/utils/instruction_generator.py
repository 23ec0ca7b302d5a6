"""Model-generated instructions for Stage 1.

Instead of filling a fixed list of templates, we show the base model a
numbered list of varied tasks and let it continue the list. Each batch uses a
different random subset of seed tasks, so the continuations spread out over
topics and formats. Near-duplicates are dropped with a cheap normalised-text
check; quality filtering happens later with ``instruction_critic``.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass

from utils.clean_model_loader import CleanModelLoader, GenerationSettings
from utils.data_formatter import CompletionStylePrompts

log = logging.getLogger(__name__)

SEED_INSTRUCTIONS: dict[str, list[str]] = {
    "list": ["List four uses for baking soda.", "Name three rivers in Africa."],
    "explanation": ["Explain how a bicycle gear works.", "Explain what inflation means for savings."],
    "creative": ["Write a two-line poem about a lighthouse.", "Describe a market at dawn in three sentences."],
    "question": ["Why do cats purr?", "How far is the Moon from Earth?"],
    "format": ["Answer in exactly five words: what is gravity?", "Give a yes or no answer: is glass a liquid?"],
    "rewrite": ["Rewrite this sentence in the passive voice: The dog chased the ball.", "Make this more formal: gonna be late, sorry"],
    "multi_step": ["Convert 3 miles to kilometres, then round to one decimal place.", "Name a prime number above 50 and explain why it is prime."],
}

NUMBERED = re.compile(r"^\s*(\d+)\.\s*(.+?)\s*$")


@dataclass
class GeneratedInstruction:
    instruction: str
    instruction_type: str
    batch: int


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def _guess_type(text: str) -> str:
    lowered = text.lower()
    if lowered.startswith(("list", "name")):
        return "list"
    if lowered.startswith("explain"):
        return "explanation"
    if lowered.startswith(("write", "describe", "compose")):
        return "creative"
    if lowered.startswith(("rewrite", "make this", "translate")):
        return "rewrite"
    if "exactly" in lowered or "yes or no" in lowered:
        return "format"
    if lowered.endswith("?"):
        return "question"
    return "other"


class InstructionGenerator:
    """Grow a pool of instructions by list continuation on the base model."""

    def __init__(self, loader: CleanModelLoader, seed: int = 0) -> None:
        self.loader = loader
        self.rng = random.Random(seed)
        self.settings = GenerationSettings(max_new_tokens=200, temperature=1.0, top_p=0.95, stop=["\n\n"])

    def _prompt(self) -> str:
        pool = [inst for group in SEED_INSTRUCTIONS.values() for inst in group]
        shots = self.rng.sample(pool, 6)
        return CompletionStylePrompts.create_instruction_generation_prompt(shots)

    def _parse(self, completion: str, first_number: int) -> list[str]:
        # The prompt ends with "7." so the first line has no number of its own.
        lines = completion.splitlines()
        found = [lines[0].strip()] if lines else []
        for line in lines[1:]:
            m = NUMBERED.match(line)
            if not m:
                break
            found.append(m.group(2))
        return [f for f in found if 8 <= len(f) <= 300]

    def generate_instructions_in_batches(self, n: int, batch_size: int = 8, max_batches: int | None = None) -> list[GeneratedInstruction]:
        seen: set[str] = {_norm(i) for group in SEED_INSTRUCTIONS.values() for i in group}
        out: list[GeneratedInstruction] = []
        batch_no = 0
        limit = max_batches if max_batches is not None else n  # generous upper bound
        while len(out) < n and batch_no < limit:
            prompts = [self._prompt() for _ in range(batch_size)]
            completions = self.loader.generate(prompts, self.settings)
            for completion in completions:
                for text in self._parse(completion, first_number=7):
                    key = _norm(text)
                    if key in seen:
                        continue
                    seen.add(key)
                    out.append(GeneratedInstruction(text, _guess_type(text), batch_no))
            batch_no += 1
            log.info("batch %d: %d unique instructions so far", batch_no, len(out))
        return out[:n]
