"""The one sanctioned way to load the Stage 1 base model.

Qwen2.5-32B *base* ships a tokenizer whose config carries a ChatML template.
Anything that consults that template (``apply_chat_template``, the transformers
chat pipeline, TRL trainers, vLLM's ``LLM.chat``) silently wraps our plain
completion prompts in ``<|im_start|>`` markup, and the "base" model then behaves
like a half-tuned chat model. This module is the guard against that:

* the template is removed right after the tokenizer is loaded;
* text is tokenized without special tokens, so nothing is prepended;
* ``verify_clean`` fails loudly if either of those stops being true.

Scripts should never call ``from_pretrained`` themselves. Construct a
``CleanModelLoader`` and use ``encode``/``generate``/``loglikelihood``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

log = logging.getLogger(__name__)

BASE_MODEL_ID = "Qwen/Qwen2.5-32B"


@dataclass
class GenerationSettings:
    """Sampling knobs shared by every generation call in the lab."""

    max_new_tokens: int = 256
    temperature: float = 0.7
    top_p: float = 0.95
    do_sample: bool = True
    stop: list[str] = field(default_factory=list)
    seed: int | None = None


class CleanModelLoader:
    """Load the base model and tokenizer with every implicit template path off."""

    def __init__(
        self,
        model_name: str = BASE_MODEL_ID,
        *,
        dtype: torch.dtype = torch.bfloat16,
        device_map: str | dict = "auto",
        revision: str | None = None,
    ) -> None:
        self.model_name = model_name
        self.revision = revision

        log.info("loading tokenizer %s (revision=%s)", model_name, revision)
        self.tokenizer = AutoTokenizer.from_pretrained(
            model_name,
            revision=revision,
            trust_remote_code=False,
        )
        # The shipped template is the contamination source; drop it before
        # any other code gets a chance to look at it.
        self.tokenizer.chat_template = None
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        # Left padding keeps the prompt flush against the generated tokens.
        self.tokenizer.padding_side = "left"

        log.info("loading weights %s", model_name)
        self.model = AutoModelForCausalLM.from_pretrained(
            model_name,
            revision=revision,
            torch_dtype=dtype,
            device_map=device_map,
            trust_remote_code=False,
        )
        self.model.eval()
        self.verify_clean()

    # -- guards ---------------------------------------------------------------

    def verify_clean(self) -> None:
        """Raise if the tokenizer would inject anything into a raw prompt."""
        if self.tokenizer.chat_template is not None:
            raise RuntimeError("chat template is still attached to the base tokenizer")
        probe = "The capital of France is"
        ids = self.tokenizer(probe, add_special_tokens=False)["input_ids"]
        rendered = self.tokenizer.decode(ids)
        if rendered != probe or "<|im_start|>" in rendered:
            raise RuntimeError(f"tokenizer round-trip altered the probe: {rendered!r}")
        special = set(self.tokenizer.all_special_ids)
        if any(i in special for i in ids):
            raise RuntimeError("special tokens found in a raw-text encoding")

    # -- helpers --------------------------------------------------------------

    def encode(self, text: str | list[str], max_length: int = 2048):
        """Tokenize raw text exactly as written: no BOS, no template."""
        batch = self.tokenizer(
            text,
            add_special_tokens=False,
            return_tensors="pt",
            padding=isinstance(text, list),
            truncation=True,
            max_length=max_length,
        )
        return batch.to(self.model.device)

    @torch.inference_mode()
    def generate(self, prompts: list[str], settings: GenerationSettings | None = None) -> list[str]:
        """Plain completion of each prompt; returns only the new text."""
        settings = settings or GenerationSettings()
        if settings.seed is not None:
            torch.manual_seed(settings.seed)
        batch = self.encode(prompts)
        out = self.model.generate(
            **batch,
            max_new_tokens=settings.max_new_tokens,
            do_sample=settings.do_sample,
            temperature=settings.temperature if settings.do_sample else None,
            top_p=settings.top_p if settings.do_sample else None,
            pad_token_id=self.tokenizer.pad_token_id,
        )
        prompt_len = batch["input_ids"].shape[1]
        texts = self.tokenizer.batch_decode(out[:, prompt_len:], skip_special_tokens=True)
        return [self._cut_at_stop(t, settings.stop) for t in texts]

    @torch.inference_mode()
    def next_token_logprobs(self, prompt: str) -> torch.Tensor:
        """Log-softmax over the vocabulary for the token after ``prompt``."""
        batch = self.encode(prompt)
        logits = self.model(**batch).logits[0, -1].float()
        return torch.log_softmax(logits, dim=-1)

    def token_id(self, piece: str) -> int:
        """Id of a single-token string such as ``" A"``; raises if it splits."""
        ids = self.tokenizer.encode(piece, add_special_tokens=False)
        if len(ids) != 1:
            raise ValueError(f"{piece!r} is not a single token: {ids}")
        return ids[0]

    @staticmethod
    def _cut_at_stop(text: str, stops: list[str]) -> str:
        cut = len(text)
        for s in stops:
            pos = text.find(s)
            if pos != -1:
                cut = min(cut, pos)
        return text[:cut].rstrip()
