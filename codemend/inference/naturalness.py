"""Naturalness of a candidate fix: how much more likely a language model finds the edited lines.

    deltas = naturalness_deltas(model, tokenizer, buggy, [patched_1, patched_2, ...])

Buggy code is less natural than its fix (Ray et al., "On the naturalness of buggy code", 2016),
so a decoder-only model ranks inverse-operator candidates without any fine-tuning: a candidate's
score is log p(edited window) - log p(original window), where the window is the edited lines
plus the line after them (so deletions and insertions are scored too), each read after the
unchanged lines before it. The function is tokenized line by line, so every line starts on a
token boundary: one forward pass over the buggy function gives the original windows and a
key/value cache that every candidate at the same line reuses for its prefix.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from codemend.task import compute_edit
from codemend.training.generation import log_normalizers, token_logprobs


def line_tokens(tokenizer, lines: list[str]) -> list[list[int]]:
    """Token ids of each line with its newline, tokenized on its own (lines start on token boundaries)."""
    return [tokenizer(line + "\n", add_special_tokens=False)["input_ids"] for line in lines]


def start_token(tokenizer) -> int:
    """What the first line is read after: BOS, or EOS for tokenizers without one (Qwen's document separator)."""
    for token in (tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id):
        if token is not None:
            return token
    return 0


@dataclass
class Reading:
    """One forward pass over a function, tokenized line by line: reused by every candidate."""

    lines: list[str]
    per_line: list[list[int]]  # token ids of each line (newline included)
    starts: list[int]  # position of each line's first token (position 0 is the start token), plus the end
    token_logp: list[float]  # log p of each position's token given everything before it (0.0 at position 0)
    output: Any  # the model output: logits and key/value cache
    normalizers: Any  # log-sum-exp of each position's logits, [positions]


def read(model, tokenizer, code: str) -> Reading:
    import torch

    lines = code.splitlines()
    per_line = line_tokens(tokenizer, lines)
    starts = [1]
    for ids in per_line:
        starts.append(starts[-1] + len(ids))
    ids = [start_token(tokenizer)] + [t for line in per_line for t in line]
    with torch.inference_mode():
        out = model(input_ids=torch.tensor([ids]), use_cache=True)
    logits = out.logits[0]
    normalizers = log_normalizers(logits)
    picked = token_logprobs(logits[:-1], torch.tensor(ids[1:]), normalizers[:-1]).tolist()
    return Reading(lines, per_line, starts, [0.0] + picked, out, normalizers)


def line_surprise(tokenizer, reading: Reading) -> dict[int, float]:
    """Mean surprise (-log p) of each line's non-blank tokens, 1-based: the naturalness localization signal."""
    result = {}
    for number, ids in enumerate(reading.per_line, start=1):
        start = reading.starts[number - 1]
        values = [-reading.token_logp[start + i] for i, token in enumerate(ids) if tokenizer.decode([token]).strip()]
        if values:
            result[number] = sum(values) / len(values)
    return result


def naturalness_deltas(model, tokenizer, buggy: str, patched: list[str], batch_size: int = 32, reading: Reading | None = None) -> list[float]:
    """log p(window | prefix) of each patched version minus that of the buggy code (-inf if not one edit)."""
    import torch

    reading = reading or read(model, tokenizer, buggy)
    old_lines, per_line, starts, token_logp = reading.lines, reading.per_line, reading.starts, reading.token_logp
    out, normalizers = reading.output, reading.normalizers

    deltas = [-math.inf] * len(patched)
    groups: dict[int, list[tuple[int, list[int], float]]] = defaultdict(list)
    for index, text in enumerate(patched):
        edit = compute_edit(buggy, text)
        if edit is None:
            continue
        first = edit.start - 1  # 0-based first edited line (for an insert: the line it goes before)
        after = edit.end  # 0-based index of the line after the edit
        window_end = min(after + 1, len(old_lines))
        old_score = sum(token_logp[starts[first] : starts[window_end]])
        new_ids = [t for ids_ in line_tokens(tokenizer, list(edit.new_lines)) for t in ids_]
        new_ids += per_line[after] if after < len(old_lines) else []
        if not new_ids:  # deleting the last lines: nothing left to read in the window
            deltas[index] = -old_score
            continue
        groups[starts[first]].append((index, new_ids, old_score))

    with torch.inference_mode():
        for prefix_len, members in groups.items():
            for chunk_start in range(0, len(members), batch_size):
                chunk = members[chunk_start : chunk_start + batch_size]
                scores = _continuation_logp(model, out, normalizers, prefix_len, [m[1] for m in chunk], tokenizer.pad_token_id or 0)
                for (index, _, old_score), score in zip(chunk, scores):
                    deltas[index] = score - old_score
    return deltas


def _continuation_logp(model, full, full_normalizers, prefix_len: int, continuations: list[list[int]], pad_id: int) -> list[float]:
    """Sum of log p of each continuation after the first `prefix_len` tokens of the buggy function."""
    import torch

    n, width = len(continuations), max(map(len, continuations))
    cache = copy.deepcopy(full.cache)
    removed = cache.get_seq_length() - prefix_len
    if removed:
        cache.crop(-removed)  # transformers 5: a negative count removes that many trailing tokens
    cache.batch_repeat_interleave(n)
    body = torch.tensor([c + [pad_id] * (width - len(c)) for c in continuations])
    mask = torch.cat([torch.ones(n, prefix_len, dtype=torch.long),
                      torch.tensor([[1] * len(c) + [0] * (width - len(c)) for c in continuations])], dim=1)
    logits = model(input_ids=body, attention_mask=mask, cache=cache, use_cache=True).logits
    following = token_logprobs(logits[:, :-1], body[:, 1:]).tolist()  # log p of each token after a row's first
    before = full.logits[0, prefix_len - 1].float()  # the prefix's last position predicts every row's first token
    scores = []
    for row, tokens in enumerate(continuations):
        total = (before[tokens[0]] - full_normalizers[prefix_len - 1]).item()
        scores.append(total + sum(following[row][: len(tokens) - 1]))
    return scores
