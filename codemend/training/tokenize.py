"""Tokenizer training and sample encoding, with the loss mask that makes the model learn the fix only.

    tokenizer = train_bpe_tokenizer(texts, vocab_size=4096)
    row = encode_sample(tokenizer, source, target, arch="causal", max_source_tokens=512, max_target_tokens=128)
"""

from __future__ import annotations

import collections
import logging
from dataclasses import dataclass, field
from typing import Iterable

from codemend.errors import CodemendError
from codemend.task import FIX_MARKER

logger = logging.getLogger(__name__)

IGNORE_INDEX = -100  # positions the cross-entropy skips
SPECIAL_TOKENS = {"pad_token": "<pad>", "eos_token": "</s>", "bos_token": "<s>", "unk_token": "<unk>"}


def train_bpe_tokenizer(texts: Iterable[str], vocab_size: int):
    """A byte-level BPE tokenizer trained on `texts`, wrapped so `AutoTokenizer` can reload it."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS.values()),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=core, **SPECIAL_TOKENS)


def causal_prompt(source: str) -> str:
    """What a decoder-only model reads before it writes the fix."""
    return f"{source}{FIX_MARKER}\n"


def encode_sample(tokenizer, source: str, target: str, arch: str, max_source_tokens: int, max_target_tokens: int) -> dict | str:
    """Token ids and labels for one sample, or the reason it cannot be used.

    Labels are IGNORE_INDEX everywhere but the target and its EOS, so the loss is on the fix only.
    Prompt and target are tokenized separately so inference, which only has the prompt, sees the
    same prompt tokens as training. Samples that do not fit are reported, never truncated:
    a cut target teaches the model to stop mid-fix, a cut source hides the bug.
    """
    source_ids = tokenizer(source if arch == "seq2seq" else causal_prompt(source), add_special_tokens=False)["input_ids"]
    target_ids = tokenizer(target, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    if len(target_ids) == 1:
        return "empty_target"
    if len(target_ids) > max_target_tokens:
        return "target_too_long"
    if arch == "seq2seq":
        if len(source_ids) + 1 > max_source_tokens:
            return "source_too_long"
        input_ids = source_ids + [tokenizer.eos_token_id]
        return {"input_ids": input_ids, "labels": target_ids, "length": len(input_ids) + len(target_ids)}
    prompt_ids = [tokenizer.bos_token_id] + source_ids
    if len(prompt_ids) > max_source_tokens:
        return "source_too_long"
    input_ids = prompt_ids + target_ids
    labels = [IGNORE_INDEX] * len(prompt_ids) + target_ids
    return {"input_ids": input_ids, "labels": labels, "length": len(input_ids)}


@dataclass
class EncodeReport:
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    loss_token_share: float = 0.0  # share of non-padding tokens that carry loss
    all_end_with_eos: bool = True


def encode_all(tokenizer, pairs: list[tuple[str, str]], arch: str, max_source_tokens: int, max_target_tokens: int, split: str) -> tuple[list[dict], EncodeReport]:
    """Encode every (source, target) pair; raise when none survive, report what was dropped. Each row
    keeps its pair's index as `sample`."""
    rows, dropped = [], collections.Counter()
    loss_tokens = total_tokens = 0
    for index, (source, target) in enumerate(pairs):
        row = encode_sample(tokenizer, source, target, arch, max_source_tokens, max_target_tokens)
        if isinstance(row, str):
            dropped[row] += 1
            continue
        row["sample"] = index
        loss_tokens += sum(label != IGNORE_INDEX for label in row["labels"])
        total_tokens += len(row["input_ids"]) + (len(row["labels"]) if arch == "seq2seq" else 0)
        rows.append(row)
    report = EncodeReport(kept=len(rows), dropped=dict(dropped))
    report.loss_token_share = loss_tokens / total_tokens if total_tokens else 0.0
    report.all_end_with_eos = all(row["labels"][-1] == tokenizer.eos_token_id for row in rows)
    if not rows:
        raise CodemendError(
            f"no {split} sample fits the model (dropped: {dict(dropped)}); raise --model.max_source_tokens / "
            f"--model.max_target_tokens or build the dataset with a lower --max_lines"
        )
    if dropped:
        logger.warning("%s: dropped %d of %d samples that do not fit: %s", split, sum(dropped.values()), len(pairs), dict(dropped))
    return rows, report


class PadCollator:
    """Right-pads a batch: inputs with the pad id, labels with IGNORE_INDEX (so padding has no loss)."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, features: list[dict]) -> dict:
        import torch

        batch = {}
        width = max(len(f["input_ids"]) for f in features)
        batch["input_ids"] = torch.tensor([f["input_ids"] + [self.pad_token_id] * (width - len(f["input_ids"])) for f in features])
        batch["attention_mask"] = torch.tensor([[1] * len(f["input_ids"]) + [0] * (width - len(f["input_ids"])) for f in features])
        label_width = max(len(f["labels"]) for f in features)
        batch["labels"] = torch.tensor([f["labels"] + [IGNORE_INDEX] * (label_width - len(f["labels"])) for f in features])
        return batch
