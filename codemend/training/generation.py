"""Generating fixes from a model: the one place that turns task sources into model outputs.

Used by evaluation during training, by `codemend eval` and by `codemend fix`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codemend.training.tokenize import causal_prompt


@dataclass(frozen=True)
class Generation:
    text: str  # decoded output, special tokens removed
    score: float  # mean log-probability per generated token (higher is more confident)
    stopped: bool  # True when the model ended with EOS before the length limit


@dataclass(frozen=True)
class Prompt:
    """One source read once by the model: beam search and candidate scoring both start from this reading
    instead of each re-reading the function (which costs as much as scoring ~20 candidates)."""

    input_ids: Any  # [1, length]
    attention_mask: Any  # [1, length]
    state: Any  # causal: the key/value cache of every token but the last; seq2seq: the encoder's output


def read_prompt(model, tokenizer, source: str, arch: str) -> Prompt:
    import torch

    input_ids, attention_mask = _encode_batch(tokenizer, [source], arch)
    input_ids, attention_mask = input_ids.to(model.device), attention_mask.to(model.device)
    with torch.inference_mode():
        if arch == "seq2seq":
            state = model.get_encoder()(input_ids=input_ids, attention_mask=attention_mask)
        else:
            # The last token is left out: generation must feed at least one token to get its first logits.
            state = model(input_ids=input_ids[:, :-1], attention_mask=attention_mask[:, :-1], use_cache=True).cache
    return Prompt(input_ids, attention_mask, state)


def _encode_batch(tokenizer, sources: list[str], arch: str):
    import torch

    if arch == "seq2seq":
        rows = [tokenizer(s, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id] for s in sources]
    else:
        rows = [[tokenizer.bos_token_id] + tokenizer(causal_prompt(s), add_special_tokens=False)["input_ids"] for s in sources]
    width = max(map(len, rows))
    pad = tokenizer.pad_token_id
    # Decoder-only models continue from the last position, so they need left padding.
    left = arch != "seq2seq"
    ids = [([pad] * (width - len(r)) + r) if left else (r + [pad] * (width - len(r))) for r in rows]
    mask = [([0] * (width - len(r)) + [1] * len(r)) if left else ([1] * len(r) + [0] * (width - len(r))) for r in rows]
    return torch.tensor(ids), torch.tensor(mask)


def generate(model, tokenizer, sources: list[str], arch: str, max_new_tokens: int, num_beams: int = 1, num_return: int = 1, batch_size: int = 16) -> list[list[Generation]]:
    """`num_return` generations per source, best first."""
    results: list[list[Generation]] = []
    for start in range(0, len(sources), batch_size):
        input_ids, attention_mask = _encode_batch(tokenizer, sources[start : start + batch_size], arch)
        # The model may be on a GPU (evaluation during training); the batch is built on the CPU.
        input_ids, attention_mask = input_ids.to(model.device), attention_mask.to(model.device)
        results.extend(_generate(model, tokenizer, arch, input_ids, attention_mask, {}, max_new_tokens, num_beams, num_return))
    return results


def generate_from(model, tokenizer, prompt: Prompt, arch: str, max_new_tokens: int, num_beams: int = 1, num_return: int = 1) -> list[Generation]:
    """`generate` for one source already read (`read_prompt`): the beams share that reading."""
    import copy

    if arch == "seq2seq":
        reuse = {"encoder_outputs": copy.copy(prompt.state)}  # generate expands it to the beams itself
    else:
        cache = copy.deepcopy(prompt.state)  # generation appends to it; the prompt stays reusable
        cache.batch_repeat_interleave(num_beams)  # generate expands the ids to the beams, not a given cache
        reuse = {"cache": cache}
    (beams,) = _generate(model, tokenizer, arch, prompt.input_ids, prompt.attention_mask, reuse, max_new_tokens, num_beams, num_return)
    return beams


def _generate(model, tokenizer, arch: str, input_ids, attention_mask, reuse: dict, max_new_tokens: int, num_beams: int, num_return: int) -> list[list[Generation]]:
    import torch

    num_return = min(num_return, num_beams)
    with torch.inference_mode():
        out = model.generate(
            input_ids=input_ids, attention_mask=attention_mask, max_new_tokens=max_new_tokens,
            num_beams=num_beams, num_return_sequences=num_return, do_sample=False,
            output_scores=True, return_dict_in_generate=True,
            pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, **reuse,
        )
    # seq2seq sequences start with the decoder-start token, which has no score.
    generated = out.sequences[:, 1:] if arch == "seq2seq" else out.sequences[:, input_ids.shape[1] :]
    transition = model.compute_transition_scores(
        out.sequences, out.scores, getattr(out, "beam_indices", None), normalize_logits=num_beams == 1
    )
    results: list[list[Generation]] = []
    for row in range(generated.shape[0]):
        if row % num_return == 0:
            results.append([])
        results[-1].append(_one(tokenizer, generated[row].tolist(), transition[row].tolist()))
    return results


def _one(tokenizer, ids: list[int], transition: list[float]) -> Generation:
    eos = tokenizer.eos_token_id
    stopped = eos in ids
    length = ids.index(eos) + 1 if stopped else len(ids)
    scores = transition[:length]
    text = tokenizer.decode(ids[:length], skip_special_tokens=True)
    return Generation(text=text, score=sum(scores) / max(len(scores), 1), stopped=stopped)


def score_targets(model, tokenizer, source: str, targets: list[str], arch: str, batch_size: int = 32, prompt: Prompt | None = None) -> list[float]:
    """Mean log-probability per token (EOS included) of each target given one source.

    This ranks candidate fixes that did not come from the model (e.g. the inverse of the bug
    operators). The source is read once (`prompt`, when the caller already has it) and shared by
    every candidate; for causal models, candidates that begin alike (the same edited line) also read
    their shared beginning once, so the model reads each candidate's own tokens only.
    """
    import torch

    if not targets:
        return []
    prompt = prompt or read_prompt(model, tokenizer, source, arch)
    rows = [tokenizer(t, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id] for t in targets]
    with torch.inference_mode():
        if arch == "seq2seq":
            sums = _seq2seq_sums(model, prompt, rows, batch_size)
        else:
            sums = _causal_sums(model, prompt, rows, tokenizer.pad_token_id, batch_size)
    return [total / len(row) for total, row in zip(sums, rows)]


def _seq2seq_sums(model, prompt: Prompt, rows: list[list[int]], batch_size: int) -> list[float]:
    sums: list[float] = []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        labels = _pad(chunk, -100).to(model.device)
        hidden = prompt.state.last_hidden_state.expand(len(chunk), -1, -1)
        logits = model(encoder_outputs=(hidden,), attention_mask=prompt.attention_mask.expand(len(chunk), -1), labels=labels).logits
        sums.extend(_picked_logprobs(logits, labels).sum(-1).tolist())
    return sums


def _picked_logprobs(logits, labels):
    """log p(label) at every position; 0 where the label is -100 (no full log-softmax copy of the vocab)."""
    import torch

    logits = logits.float()
    picked = logits.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)
    return picked * (labels != -100)


def prefix_groups(rows: list[list[int]]) -> list[tuple[list[int], list[int]]]:
    """(shared beginning, member indices) of token rows, grouped to read the fewest tokens.

    Rows are sorted; a group is a run of neighbours that reads its common beginning once (one row) and
    then each member's rest. The cheapest split into runs is found exactly (n is a few hundred at most).
    A row's last token is always its own.
    """
    order = sorted(range(len(rows)), key=lambda i: rows[i])
    own = [rows[i][:-1] for i in order]
    best = [0.0] + [float("inf")] * len(order)  # best[j]: fewest tokens to read the first j rows
    cut = [0] * (len(order) + 1)
    for end in range(1, len(order) + 1):
        common, lengths = len(own[end - 1]), 0
        for begin in range(end - 1, -1, -1):
            common = min(common, _common_length(own[begin], own[end - 1]))
            lengths += len(own[begin])
            cost = best[begin] + 1 + lengths - (end - begin - 1) * common
            if cost < best[end]:
                best[end], cut[end] = cost, begin
    groups: list[tuple[list[int], list[int]]] = []
    end = len(order)
    while end:
        begin = cut[end]
        common = min(_common_length(own[begin], own[k]) for k in range(begin, end))
        groups.append((own[begin][:common], order[begin:end]))
        end = begin
    return groups[::-1]


def _common_length(a: list[int], b: list[int]) -> int:
    length = 0
    while length < min(len(a), len(b)) and a[length] == b[length]:
        length += 1
    return length


def _causal_sums(model, prompt: Prompt, rows: list[list[int]], pad_id: int, batch_size: int) -> list[float]:
    """Summed log-probabilities of causal targets in two reads: each group's shared beginning (one row per
    group, on the prompt's cache), then each member's own rest (on its group's cache)."""
    import copy

    import torch

    sums = [0.0] * len(rows)
    last, past = int(prompt.input_ids[0, -1]), prompt.attention_mask[:, :-1]
    groups = prefix_groups(rows)
    for start in range(0, len(groups), batch_size):
        chunk = groups[start : start + batch_size]
        cache = copy.deepcopy(prompt.state)  # reading appends to it; the prompt stays reusable
        cache.batch_repeat_interleave(len(chunk))
        # Position j of a group's row predicts shared[j]; its last position each member's first own token.
        heads = [[last] + shared for shared, _ in chunk]
        logits, head_mask = _read_on(model, cache, past.expand(len(chunk), -1), heads, pad_id)
        logprobs = logits.float().log_softmax(-1)
        for g, (shared, members) in enumerate(chunk):
            common = float(logprobs[g, range(len(shared)), shared].sum()) if shared else 0.0
            for i in members:
                sums[i] = common + float(logprobs[g, len(shared), rows[i][len(shared)]])
        rest = [(g, i) for g, (shared, members) in enumerate(chunk) for i in members if len(rows[i]) > len(shared) + 1]
        rest.sort(key=lambda gi: len(rows[gi[1]]) - len(chunk[gi[0]][0]))  # alike lengths batch with little padding
        for first in range(0, len(rest), batch_size):
            part = rest[first : first + batch_size]
            index = torch.tensor([g for g, _ in part], device=head_mask.device)
            own = copy.deepcopy(cache)
            own.batch_select_indices(index)
            bodies = [rows[i][len(chunk[g][0]) : -1] for g, i in part]
            labels = _pad([rows[i][len(chunk[g][0]) + 1 :] for g, i in part], -100).to(head_mask.device)
            mask = torch.cat([past.expand(len(part), -1), head_mask[index]], dim=1)
            logits, _ = _read_on(model, own, mask, bodies, pad_id)
            for r, value in enumerate(_picked_logprobs(logits, labels).sum(-1).tolist()):
                sums[part[r][1]] += value
    return sums


def _read_on(model, cache, past_mask, rows: list[list[int]], pad_id: int):
    """Logits of `rows` (right-padded) read after what `cache` holds; `past_mask` marks its real tokens,
    which is also where each row's positions continue from. Returns (logits, the rows' own mask)."""
    import torch

    ids = _pad(rows, pad_id).to(past_mask.device)
    own = torch.tensor([[1] * len(r) + [0] * (ids.shape[1] - len(r)) for r in rows], dtype=past_mask.dtype, device=past_mask.device)
    positions = past_mask.sum(-1, keepdim=True) + torch.arange(ids.shape[1], device=past_mask.device)
    out = model(input_ids=ids, attention_mask=torch.cat([past_mask, own], dim=1), position_ids=positions, cache=cache, use_cache=True)
    return out.logits, own


def _pad(rows: list[list[int]], value: int):
    import torch

    width = max(map(len, rows))
    return torch.tensor([r + [value] * (width - len(r)) for r in rows])
