"""Generating fixes from a model: the one place that turns task sources into model outputs.

Used by evaluation during training, by `codemend eval` and by `codemend fix`.
"""

from __future__ import annotations

from dataclasses import dataclass

from codemend.training.tokenize import causal_prompt


@dataclass(frozen=True)
class Generation:
    text: str  # decoded output, special tokens removed
    score: float  # mean log-probability per generated token (higher is more confident)
    stopped: bool  # True when the model ended with EOS before the length limit


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
    import torch

    num_return = min(num_return, num_beams)
    results: list[list[Generation]] = []
    for start in range(0, len(sources), batch_size):
        input_ids, attention_mask = _encode_batch(tokenizer, sources[start : start + batch_size], arch)
        # The model may be on a GPU (evaluation during training); the batch is built on the CPU.
        input_ids, attention_mask = input_ids.to(model.device), attention_mask.to(model.device)
        with torch.inference_mode():
            out = model.generate(
                input_ids=input_ids, attention_mask=attention_mask, max_new_tokens=max_new_tokens,
                num_beams=num_beams, num_return_sequences=num_return, do_sample=False,
                output_scores=True, return_dict_in_generate=True,
                pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
            )
        # seq2seq sequences start with the decoder-start token, which has no score.
        generated = out.sequences[:, 1:] if arch == "seq2seq" else out.sequences[:, input_ids.shape[1] :]
        transition = model.compute_transition_scores(
            out.sequences, out.scores, getattr(out, "beam_indices", None), normalize_logits=num_beams == 1
        )
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


def score_targets(model, tokenizer, source: str, targets: list[str], arch: str, batch_size: int = 64) -> list[float]:
    """Mean log-probability per token (EOS included) of each target given one source.

    This ranks candidate fixes that did not come from the model (e.g. the inverse of the bug
    operators). The source is encoded once: the encoder output (seq2seq) or the prompt's key/value
    cache (causal) is shared by every candidate, so 50 candidates cost little more than one.
    """
    import torch

    if not targets:
        return []
    encoded = [tokenizer(t, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id] for t in targets]
    input_ids, attention_mask = _encode_batch(tokenizer, [source], arch)
    scores: list[float] = []
    with torch.inference_mode():
        if arch == "seq2seq":
            encoder_out = model.get_encoder()(input_ids=input_ids, attention_mask=attention_mask)
        else:
            prompt = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=True)
        for start in range(0, len(encoded), batch_size):
            chunk = encoded[start : start + batch_size]
            labels = _pad(chunk, -100)
            if arch == "seq2seq":
                hidden = encoder_out.last_hidden_state.expand(len(chunk), -1, -1)
                logits = model(encoder_outputs=(hidden,), attention_mask=attention_mask.expand(len(chunk), -1),
                               labels=labels).logits
            else:
                logits = _causal_continuation_logits(model, prompt, input_ids, attention_mask, chunk, tokenizer.pad_token_id)
            logprobs = torch.log_softmax(logits.float(), dim=-1)
            mask = labels != -100
            picked = logprobs.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1) * mask
            scores.extend((picked.sum(-1) / mask.sum(-1)).tolist())
    return scores


def _pad(rows: list[list[int]], value: int):
    import torch

    width = max(map(len, rows))
    return torch.tensor([r + [value] * (width - len(r)) for r in rows])


def _causal_continuation_logits(model, prompt, input_ids, attention_mask, chunk: list[list[int]], pad_id: int):
    """Logits predicting each target token, reusing the prompt's cache for the whole chunk."""
    import copy

    import torch

    n, width = len(chunk), max(map(len, chunk))
    cache = copy.deepcopy(prompt.cache)  # the forward pass appends to it
    cache.batch_repeat_interleave(n)
    # The first target token is predicted by the prompt's last position; the rest by the target's own.
    body = _pad([ids[:-1] if len(ids) > 1 else [pad_id] for ids in chunk], pad_id)
    mask = torch.cat([attention_mask.expand(n, -1), torch.ones(n, body.shape[1], dtype=attention_mask.dtype)], dim=1)
    out = model(input_ids=body, attention_mask=mask, cache=cache, use_cache=True)
    first = prompt.logits[:, -1:, :].expand(n, -1, -1)
    return torch.cat([first, out.logits], dim=1)[:, :width, :]
