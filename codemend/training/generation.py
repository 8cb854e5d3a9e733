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
