"""A listwise ranking loss beside the fix's cross-entropy (`--train.rank_weight`, causal models).

`fix` ranks a space of candidate fixes (the inverse of the bug operators) by the model's mean
log-probability per token of each. Cross-entropy on the true fix never shows the model the look-alikes
it must rank below it: on 150 validation bugs the true fix is in the space for 63% but first for 35%.
Here each sample also carries up to `--train.rank_negatives` other candidates of its buggy function,
and the loss adds

    rank_weight x mean over samples of -log softmax(mean log-probability of each candidate)[true fix]

so training optimises the score `fix` ranks by. Each sample is still read once: its prompt, then every
target merged by shared beginnings into a trie (`generation.TokenTrie`), each trie token attending to
the prompt and to its own ancestors only (a 4D mask), as `score_targets` reads candidates at inference.
The true fix's path through the trie is an ordinary causal reading of prompt + fix, so its
cross-entropy is the one plain training computes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from codemend.training.generation import TokenTrie
from codemend.training.tokenize import IGNORE_INDEX, PadCollator


def negative_targets(buggy: str, fixed: str, output_format: str, k: int, seed: int) -> list[str]:
    """Up to `k` candidate fixes of `buggy` other than `fixed`, as targets in `output_format`; the same
    ones on every run with `seed` (and after `--resume`), whatever order samples come in."""
    from codemend.data.operators import candidate_fixes
    from codemend.inference.candidates import normal_key
    from codemend.task import FormatError, build_target

    seen = {normal_key(fixed), normal_key(buggy)}
    others = []
    for patched, _ in candidate_fixes(buggy):
        key = normal_key(patched)
        if key in seen:
            continue
        seen.add(key)
        try:
            others.append(build_target(buggy, patched, output_format))
        except FormatError:  # an edit the diff sees as two hunks (a line made equal to its neighbour)
            continue
    return random.Random(f"{seed}\0{buggy}\0{fixed}").sample(others, min(k, len(others)))


@dataclass
class Packed:
    """One sample as a packed row: `ids` at `positions`; the prompt (its first `prompt_length` columns)
    reads causally, node i of `trie` sits at column prompt_length + i, sees the prompt, its ancestors
    and itself (`mask`), and is predicted from column `source[i]`."""

    ids: list[int]
    positions: list[int]
    prompt_length: int
    source: list[int]
    trie: TokenTrie

    def mask(self):
        """[len(ids)]² bool: the prompt causal, then `TokenTrie.visibility` with the prompt's last token
        as the root, every node also seeing the rest of the prompt."""
        import torch

        start, nodes = self.prompt_length, len(self.trie.token)
        allowed = torch.ones(len(self.ids), len(self.ids), dtype=torch.bool).tril()
        allowed[start - 1 :, start - 1 :] = self.trie.visibility([-1, *range(nodes)], {-1: 0, **{n: n + 1 for n in range(nodes)}})
        return allowed


def pack(prompt: list[int], targets: list[list[int]]) -> Packed:
    """`prompt` then the trie of `targets` (the true fix first): every node is read, leaves included, so
    each candidate's EOS has a column too (its output is unused; the cost is one token per candidate)."""
    trie = TokenTrie.of(targets)
    start = len(prompt)
    source = [start - 1 if parent < 0 else start + parent for parent in trie.parent]
    positions = list(range(start)) + [start - 1 + depth for depth in trie.depth]
    return Packed(prompt + trie.token, positions, start, source, trie)


class RankCollator:
    """Batches for the ranking loss: each feature (`input_ids`, `labels`, `buggy`, `fixed`) becomes a
    packed row of its prompt, its fix and up to `negatives` other candidates, right-padded.

    Besides `input_ids`, `position_ids` and `tree_mask` [batch, width, width] (bool; the trainer turns
    it into the model's additive mask), it returns the indices `rank_losses` needs: `node_source`,
    `node_token` [batch, nodes] and `paths` [batch, candidates, depth] (node indices, -1 for none; the
    fix is candidate 0); and the fix's `labels`, which the Trainer counts to normalise the loss.
    """

    def __init__(self, tokenizer, output_format: str, negatives: int, max_target_tokens: int, seed: int):
        self.tokenizer, self.output_format = tokenizer, output_format
        self.negatives, self.max_target_tokens, self.seed = negatives, max_target_tokens, seed

    def __call__(self, features: list[dict]) -> dict:
        import torch

        packs = [self.pack_feature(f) for f in features]
        width = max(len(p.ids) for p in packs)
        nodes = max(len(p.trie.token) for p in packs)
        candidates = max(len(p.trie.paths) for p in packs)
        depth = max(len(path) for p in packs for path in p.trie.paths)
        mask = torch.zeros(len(packs), width, width, dtype=torch.bool)
        paths = torch.full((len(packs), candidates, depth), -1, dtype=torch.long)
        for b, p in enumerate(packs):
            mask[b, : len(p.ids), : len(p.ids)] = p.mask()
            mask[b, range(len(p.ids), width), range(len(p.ids), width)] = True  # padding sees itself: no empty softmax
            for c, path in enumerate(p.trie.paths):
                paths[b, c, : len(path)] = torch.tensor(path)
        pad = self.tokenizer.pad_token_id
        return {
            "input_ids": torch.tensor([p.ids + [pad] * (width - len(p.ids)) for p in packs]),
            "position_ids": torch.tensor([p.positions + [0] * (width - len(p.ids)) for p in packs]),
            "tree_mask": mask,
            # Padding nodes read the fix's first column: every index stays inside the sample's real tokens.
            "node_source": torch.tensor([p.source + [p.source[0]] * (nodes - len(p.source)) for p in packs]),
            "node_token": torch.tensor([p.trie.token + [pad] * (nodes - len(p.trie.token)) for p in packs]),
            "paths": paths,
            "labels": PadCollator(pad)([{k: f[k] for k in ("input_ids", "labels")} for f in features])["labels"],
        }

    def pack_feature(self, feature: dict) -> Packed:
        start = sum(label == IGNORE_INDEX for label in feature["labels"])  # the prompt is the masked beginning
        prompt, fix = feature["input_ids"][:start], feature["input_ids"][start:]
        texts = negative_targets(feature["buggy"], feature["fixed"], self.output_format, self.negatives, self.seed)
        rows = [self.tokenizer(t, add_special_tokens=False)["input_ids"] + [self.tokenizer.eos_token_id] for t in texts]
        rows = [row for row in rows if len(row) <= self.max_target_tokens and row != fix]
        return pack(prompt, [fix, *rows])


def rank_losses(node_logprobs, paths):
    """(summed negative log-likelihood of the fixes, their token count, summed listwise ranking loss,
    how many fixes score first) for a batch.

    `node_logprobs` [batch, nodes]: log p of each trie node's token given its ancestors; `paths`
    [batch, candidates, depth]: each candidate's nodes (-1: none), the fix first. A candidate's score is
    its mean log-probability per token (EOS included), what `fix` ranks by; a sample's ranking loss is
    the cross-entropy of the softmax over its candidates' scores against the fix (0 when it has no other
    candidate). A tie with the fix does not count as the fix scoring first.
    """
    import torch

    present = paths >= 0
    picked = node_logprobs.gather(1, paths.clamp(min=0).flatten(1)).view(paths.shape) * present
    lengths = present.sum(-1)
    sums = picked.sum(-1)
    scores = (sums / lengths.clamp(min=1)).masked_fill(lengths == 0, float("-inf"))
    rank = -torch.log_softmax(scores, dim=-1)[:, 0]
    first = (scores[:, 1:] < scores[:, :1]).all(-1)
    return -sums[:, 0].sum(), lengths[:, 0].sum(), rank.sum(), first.sum()


def node_logprobs(logits, batch: dict):
    """log p(node token | its ancestors) [batch, nodes] from `logits` [batch, width, vocab] of the packed rows."""
    import torch

    at = logits.gather(1, batch["node_source"][..., None].expand(-1, -1, logits.shape[-1]))
    return torch.log_softmax(at.float(), dim=-1).gather(-1, batch["node_token"][..., None]).squeeze(-1)
