"""Few-shot completion prompts for talking to a base model.

A base model has never seen a "User:/Assistant:" turn structure, and we do not
want to teach it one through the back door. Instead every prompt here is a
document the model can plausibly continue: a handful of solved examples in a
neutral layout, followed by the new task with its answer left open.

Nothing in this module uses role markers, ``apply_chat_template`` or special
tokens such as ``<|im_start|>``. ``looks_like_chat_markup`` exists so callers
can reject generations that drifted into chat formatting anyway.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class FewShotExample:
    prompt: str
    completion: str
    kind: str


FEW_SHOT_EXAMPLES: tuple[FewShotExample, ...] = (
    FewShotExample('The answer to "What is 7 times 8?" is:', "56", "math"),
    FewShotExample("Finish the sentence: Water boils at sea level at", "100 degrees Celsius.", "completion"),
    FewShotExample("A short fact about octopuses:", "An octopus has three hearts and blue blood.", "fact"),
    FewShotExample("One sentence describing autumn:", "Leaves turn amber and drift onto the cooling ground.", "creative"),
    FewShotExample(
        "A plain explanation of what a vaccine does:",
        "A vaccine trains the immune system to recognise a germ before a real infection happens.",
        "explanation",
    ),
    FewShotExample("Three primary colors, as a list:", "- red\n- yellow\n- blue", "list"),
    FewShotExample("Translate to French: Good morning", "Bonjour", "translation"),
)

INTRO = "Below are tasks, each followed by a good completion.\n\n"

QUESTION_STARTS = ("what", "why", "how", "who", "when", "where", "which", "is", "are", "can", "does", "do")


class CompletionStylePrompts:
    """Builders for the prompts we send to the base model."""

    @staticmethod
    def create_response_generation_prompt(
        instruction: str,
        k: int | None = None,
        rng: random.Random | None = None,
    ) -> str:
        """Return a few-shot document that ends right where the answer starts."""
        rng = rng or random.Random()
        k = k if k is not None else rng.randint(3, 4)
        shots = rng.sample(FEW_SHOT_EXAMPLES, k)
        parts = [INTRO]
        for shot in shots:
            parts.append(f"{shot.prompt}\n{shot.completion}\n\n")
        parts.append(f"{CompletionStylePrompts.task_line(instruction)}\n")
        return "".join(parts)

    @staticmethod
    def task_line(instruction: str) -> str:
        """Phrase a bare instruction the way the few-shot examples are phrased."""
        text = instruction.strip()
        first = text.split(" ", 1)[0].lower().strip("?,.")
        if text.endswith("?") or first in QUESTION_STARTS:
            return f'The answer to "{text}" is:'
        if text.endswith(":"):
            return text
        return f"{text.rstrip('.')}:"

    @staticmethod
    def create_instruction_generation_prompt(seed_instructions: list[str], start_index: int = 1) -> str:
        """A numbered list the model continues with new, varied instructions."""
        lines = ["A varied list of tasks people asked a helpful writing assistant to do:", ""]
        for i, inst in enumerate(seed_instructions, start=start_index):
            lines.append(f"{i}. {inst}")
        lines.append(f"{start_index + len(seed_instructions)}.")
        return "\n".join(lines)


def looks_like_chat_markup(text: str) -> bool:
    """True when a generation contains chat-format residue."""
    lowered = text.lower()
    if "<|im_start|>" in text or "<|im_end|>" in text:
        return True
    return lowered.startswith(("assistant:", "user:", "system:"))


def strip_trailing_examples(completion: str) -> str:
    """Base models often keep going and invent the next few-shot task; cut it."""
    head = completion.split("\n\n", 1)[0]
    return head.strip()
