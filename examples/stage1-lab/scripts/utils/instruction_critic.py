"""Log-prob critic shared by every filtering and preference step.

The base model is used as a judge without any chat formatting: we write a short
document that ends in "The better response is Response" and read the
next-token log-probabilities of " A" and " B". Each pair is scored in both
orders and averaged, which cancels most of the position bias.

Use these functions instead of writing another scorer in a script; two scorers
with slightly different prompts produced incomparable margins in September.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from utils.clean_model_loader import CleanModelLoader

PAIR_TEMPLATE = (
    "Two answers were written for the same task. A careful editor compared them.\n\n"
    "Task: {instruction}\n\n"
    "Answer A:\n{a}\n\n"
    "Answer B:\n{b}\n\n"
    "The editor judged that the better answer is Answer"
)

QUALITY_TEMPLATE = (
    "A reviewer checked whether each task below is clear, self-contained and answerable in writing.\n\n"
    "Task: Write a haiku about rain.\nVerdict: Yes\n\n"
    "Task: Do the thing from before but better.\nVerdict: No\n\n"
    "Task: Explain why the sky is blue to a ten-year-old.\nVerdict: Yes\n\n"
    "Task: {instruction}\nVerdict:"
)


@dataclass
class Critique:
    preferred: str  # "a" or "b"
    margin: float  # mean log-prob gap in favour of the preferred side
    confidence: float  # probability mass on the preferred label, order-averaged
    consistent: bool  # both orders agreed


def get_token_logprobs(loader: CleanModelLoader, prompt: str, pieces: tuple[str, ...]) -> dict[str, float]:
    """Next-token log-prob of each single-token ``piece`` after ``prompt``."""
    logprobs = loader.next_token_logprobs(prompt)
    return {p: float(logprobs[loader.token_id(p)]) for p in pieces}


def _ab(loader: CleanModelLoader, instruction: str, a: str, b: str) -> tuple[float, float]:
    prompt = PAIR_TEMPLATE.format(instruction=instruction.strip(), a=a.strip(), b=b.strip())
    lp = get_token_logprobs(loader, prompt, (" A", " B"))
    return lp[" A"], lp[" B"]


def critique_instruction_response_pair(
    loader: CleanModelLoader,
    instruction: str,
    response_a: str,
    response_b: str,
) -> Critique:
    """Compare two responses to one instruction, in both presentation orders."""
    a1, b1 = _ab(loader, instruction, response_a, response_b)
    b2, a2 = _ab(loader, instruction, response_b, response_a)
    gap = ((a1 - b1) + (a2 - b2)) / 2.0
    preferred = "a" if gap >= 0 else "b"
    p_first = _softmax2(a1, b1)
    p_second = _softmax2(a2, b2)
    conf = (p_first + p_second) / 2.0 if preferred == "a" else (2.0 - p_first - p_second) / 2.0
    consistent = (a1 >= b1) == (a2 >= b2)
    return Critique(preferred=preferred, margin=abs(gap), confidence=conf, consistent=consistent)


def critique_instruction_quality(loader: CleanModelLoader, instruction: str) -> float:
    """Probability that the base model calls the instruction usable ("Yes")."""
    prompt = QUALITY_TEMPLATE.format(instruction=instruction.strip())
    lp = get_token_logprobs(loader, prompt, (" Yes", " No"))
    return _softmax2(lp[" Yes"], lp[" No"])


def _softmax2(x: float, y: float) -> float:
    m = max(x, y)
    ex, ey = math.exp(x - m), math.exp(y - m)
    return ex / (ex + ey)
