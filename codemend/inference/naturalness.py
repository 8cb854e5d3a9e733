"""Naturalness of a candidate fix: how much more likely a language model finds the edited lines.

    deltas = naturalness_deltas(model, tokenizer, buggy, [patched_1, patched_2, ...])

Buggy code is less natural than its fix (Ray et al., "On the naturalness of buggy code", 2016),
so a decoder-only model ranks inverse-operator candidates without any fine-tuning: a candidate's
score is log p(edited window) - log p(original window), where the window is the edited lines
plus the line after them (so deletions and insertions are scored too), each read after the
unchanged lines before it. Every line starts on a token boundary, so one reading of the buggy
function gives the original windows and a key/value cache on which every candidate's window is read,
all packed in one sequence: each window from where it leaves the buggy one (the tokens before cancel
in the delta), seeing its own prefix only, and windows that leave it at the same token and go on
alike read their common tokens once.

The reading is either the plain function (`read`, a forward pass of its own) or, what `Debugger`
uses, the function as the task prompt shows it, numbered line by line after the prompt's header
(`read_in_prompt`): the prompt is read anyway to score candidates, so its reading costs no pass and
no tokens of its own (on 300 validation bugs its line surprise put the buggy line first for 25.7%
against 20.0% for the plain reading, in the top 6 for 73.3% against 73.0%).
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from codemend.task import compute_edit
from codemend.training.generation import LogitRows, read_in_blocks, token_logprobs


def line_tokens(tokenizer, lines: list[str]) -> list[list[int]]:
    """Token ids of each line with its newline, tokenized on its own (lines start on token boundaries)."""
    return [tokens for tokens, _ in _tokenized_lines(tokenizer, lines)]


def _tokenized_lines(tokenizer, lines: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """Each line's token ids with its newline, tokenized on its own, and each token's [start, end) columns in the line."""
    result = []
    for line in lines:
        encoded = tokenizer(line + "\n", add_special_tokens=False, return_offsets_mapping=True)
        result.append((encoded["input_ids"], [(min(b, len(line)), min(e, len(line))) for b, e in encoded["offset_mapping"]]))
    return result


def start_token(tokenizer) -> int:
    """What the first line is read after: BOS, or EOS for tokenizers without one (Qwen's document separator)."""
    for token in (tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id):
        if token is not None:
            return token
    return 0


@dataclass
class Reading:
    """The model's reading of a function, line by line (every line starts on a token boundary): reused
    by every candidate's window. Read as plain code (`read`), or as the task prompt shows it, each line
    numbered ("k| line"), from the prompt's own reading (`read_in_prompt`)."""

    lines: list[str]
    per_line: list[list[int]]  # token ids of each line as read ("k| " number included when numbered), newline included
    starts: list[int]  # position of each line's first token, plus the end
    token_logp: list[float]  # log p of each position's token given everything before it (0.0 before the first line)
    logits: LogitRows  # [positions, vocabulary]: row i predicts the token after position `first` + i
    first: int
    cache: Any  # the key/value cache of (at least) every position before the end
    normalizers: Any  # log-sum-exp of each row of `logits`
    numbered: bool = False
    code_from: list[int] | None = None  # numbered: how many of each line's tokens are its "k| " number
    columns: list[list[tuple[int, int]]] | None = None  # each token's [start, end) columns in its line's code

    def predicting(self, position: int) -> int:
        """The row of `logits` that predicts the token at `position`."""
        return position - 1 - self.first


def read(model, tokenizer, code: str) -> Reading:
    """The model's reading of `code` as plain text, after the start token."""
    import torch

    lines = code.splitlines()
    per_line, columns = map(list, zip(*_tokenized_lines(tokenizer, lines))) if lines else ([], [])
    starts = [1]
    for ids in per_line:
        starts.append(starts[-1] + len(ids))
    ids = [start_token(tokenizer)] + [t for line in per_line for t in line]
    with torch.inference_mode():
        cache, logits = read_in_blocks(model, torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long), range(len(ids)))
    normalizers, picked = logits.read(torch.tensor(ids[1:]))
    return Reading(lines, per_line, starts, [0.0] + picked.tolist(), logits, 0, cache, normalizers, columns=columns)


@dataclass(frozen=True)
class PromptLines:
    """Where a numbered function's lines lie in a task prompt's tokens (see `prompt_lines`)."""

    per_line: list[list[int]]
    starts: list[int]
    code_from: list[int]
    columns: list[list[tuple[int, int]]]  # each token's [start, end) columns in its line's code (the number's: empty)

    @property
    def logits_for(self) -> range:
        """The prompt positions whose logits predict the function's tokens and what follows its last line
        (a window that appends lines starts there)."""
        return range(self.starts[0] - 1, self.starts[-1])


def prompt_lines(tokenizer, text: str, offset: int, code: str) -> PromptLines | None:
    """The token ids of each line of `code`, numbered as `task.number_lines` writes it from character
    `offset` of `text` (the prompt after its start token), their positions in the prompt and how many
    tokens each line's number takes; None when a line does not start on a token boundary."""
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, spans = encoded["input_ids"], [tuple(span) for span in encoded["offset_mapping"]]
    line_starts, code_starts, at = [], [], offset
    for number, line in enumerate(code.splitlines(), start=1):
        line_starts.append(at)
        code_starts.append(at + len(f"{number}| "))
        at += len(f"{number}| ") + len(line) + 1
    line_starts.append(at)
    token_at = {begin: index for index, (begin, end) in reversed(list(enumerate(spans))) if end > begin}
    if not code.splitlines() or any(start not in token_at for start in line_starts):
        return None
    bounds = [token_at[start] for start in line_starts]
    per_line = [ids[a:b] for a, b in zip(bounds, bounds[1:])]
    code_from = [sum(1 for _, end in spans[a:b] if end <= start) for a, b, start in zip(bounds, bounds[1:], code_starts)]
    lengths = [len(line) for line in code.splitlines()]
    columns = [[(min(max(begin - start, 0), length), min(max(end - start, 0), length)) for begin, end in spans[a:b]]
               for a, b, start, length in zip(bounds, bounds[1:], code_starts, lengths)]
    return PromptLines(per_line, [b + 1 for b in bounds], code_from, columns)  # + 1: the prompt's start token


def read_in_prompt(code: str, layout: PromptLines, prompt) -> Reading:
    """The reading of `code` as a task prompt showed it, from that prompt's reading (`generation.Prompt`
    read with `logits_for=layout.logits_for`): no forward pass of its own."""
    import torch

    logits, first = prompt.logits, layout.logits_for.start
    ids = torch.tensor([t for line in layout.per_line for t in line], device=logits.device)
    normalizers, picked = logits.read(ids)
    token_logp = [0.0] * layout.starts[0] + picked.tolist()
    return Reading(code.splitlines(), layout.per_line, layout.starts, token_logp, logits, first, prompt.state, normalizers,
                   numbered=True, code_from=layout.code_from, columns=layout.columns)


def token_surprises(reading: Reading) -> list[tuple[int, int, int, float]]:
    """(line, start column, end column, surprise) of each token of the reading that shows code (not a line's
    "k| " number, an indent or a newline: an indent's surprise after "k| " is the number's doing)."""
    found = []
    for number, (line, ids, columns) in enumerate(zip(reading.lines, reading.per_line, reading.columns), start=1):
        first, skip = reading.starts[number - 1], reading.code_from[number - 1] if reading.code_from else 0
        for i in range(skip, len(ids)):
            start, end = columns[i]
            if line[start:end].strip():
                found.append((number, start, end, -reading.token_logp[first + i]))
    return found


def line_surprise(reading: Reading) -> dict[int, float]:
    """Mean surprise (-log p) of each line's code tokens (`token_surprises`), 1-based: the naturalness localization signal."""
    per_line: dict[int, list[float]] = defaultdict(list)
    for number, _, _, surprise in token_surprises(reading):
        per_line[number].append(surprise)
    return {number: sum(values) / len(values) for number, values in per_line.items()}


def naturalness_deltas(model, tokenizer, buggy: str, patched: list[str], tokens_per_read: int = 512, reading: Reading | None = None) -> list[float]:
    """log p(window | prefix) of each patched version minus that of the buggy code (-inf if not one edit)."""
    import torch

    from codemend.training.generation import TREE_MASK_ATTENTION

    reading = reading or read(model, tokenizer, buggy)
    deltas = [-math.inf] * len(patched)
    windows: list[tuple[int, int, list[int], float]] = []  # (candidate, prefix length, window's new tokens, old window's log p)
    for index, text in enumerate(patched):
        edit = compute_edit(buggy, text)
        if edit is None:
            continue
        prefix, new_ids, old_score = _window(tokenizer, reading, edit)
        if new_ids:
            windows.append((index, prefix, new_ids, old_score))
        else:  # the new window is the old one's beginning (deleting the last lines): nothing left to read
            deltas[index] = -old_score

    with torch.inference_mode():
        if getattr(model.config, "_attn_implementation", "eager") in TREE_MASK_ATTENTION:
            scores = _packed_window_logps(model, reading, [(prefix, ids) for _, prefix, ids, _ in windows], tokens_per_read)
        else:
            scores = _window_logps_by_row(model, reading, [(prefix, ids) for _, prefix, ids, _ in windows], tokenizer.pad_token_id or 0)
    for (index, _, _, old_score), score in zip(windows, scores):
        deltas[index] = score - old_score
    return deltas


def _window(tokenizer, reading: Reading, edit) -> tuple[int, list[int], float]:
    """Where a candidate's window starts in the reading, its tokens from there, and the old window's log p
    from there. The window is the edited lines plus the line after; the tokens it shares with the old
    window's beginning have the same log p in both (the same tokens after the same prefix) and cancel
    in the delta, so the window starts after them, read on the reading's cache."""
    lines, per_line, starts = reading.lines, reading.per_line, reading.starts
    first = edit.start - 1  # 0-based first edited line (for an insert: the line it goes before)
    after = edit.end  # 0-based index of the line after the edit
    window_end = min(after + 1, len(lines))
    if reading.numbered:  # the line after the edit takes the number it has in the patched function
        new_ids = numbered_tokens(tokenizer, [*edit.new_lines, *lines[after:window_end]], edit.start)
    else:
        new_ids = [t for ids in line_tokens(tokenizer, list(edit.new_lines)) for t in ids]
        new_ids += per_line[after] if after < len(lines) else []
    old_ids = [t for ids in per_line[first:window_end] for t in ids]
    same = next((k for k, (a, b) in enumerate(zip(new_ids, old_ids)) if a != b), min(len(new_ids), len(old_ids)))
    prefix = starts[first] + same
    return prefix, new_ids[same:], sum(reading.token_logp[prefix : starts[window_end]])


def numbered_tokens(tokenizer, lines: list[str], number: int) -> list[int]:
    """Token ids of `lines` numbered from `number` as `task.number_lines` writes them, newlines included,
    as a prompt tokenizes them: followed by more text (a line's trailing spaces stay apart from its
    newline), which a sentinel stands for here and is left out."""
    text = "".join(f"{number + i}| {line}\n" for i, line in enumerate(lines))
    encoded = tokenizer(text + "#", add_special_tokens=False, return_offsets_mapping=True)
    return [t for t, (begin, end) in zip(encoded["input_ids"], encoded["offset_mapping"]) if end <= len(text)]


def _by_prefix(windows: list[tuple[int, list[int]]]) -> dict[int, list[int]]:
    """The windows' indices grouped by where they start (their prefix length)."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i, (prefix, _) in enumerate(windows):
        groups[prefix].append(i)
    return groups


@dataclass
class _WindowTrie:
    """The windows read after one prefix, merged by shared beginnings: `nodes` are the ones read (those
    with children), `members` the windows' indices in the caller's list, in the trie's row order."""

    prefix: int
    members: list[int]
    trie: Any
    nodes: list[int]


def _packed_window_logps(model, reading: Reading, windows: list[tuple[int, list[int]]], budget: int) -> list[float]:
    """Sum of log p of each window's tokens after its prefix (the first `prefix` tokens of the reading).

    Every window read in one packed sequence on the reading's cache, windows after one prefix merged
    into a trie (fixes that leave the buggy line at the same token often go on alike): each packed token attends to its
    own prefix's cache columns and its trie ancestors only (the rule of `TokenTrie.visibility`), about
    `budget` tokens per forward pass. A window's first token is predicted by the reading's own logits.
    """
    from codemend.training.generation import TokenTrie

    groups = []
    for prefix, members in _by_prefix(windows).items():
        trie = TokenTrie.of([windows[i][1] for i in members])
        groups.append(_WindowTrie(prefix, members, trie, trie.read_order(len(trie.token) + 1)[0]))
    sums = [0.0] * len(windows)
    for pack in _packs(groups, budget):
        logits, row = _read_pack(model, reading, pack), 0
        for group in pack:
            for i, total in zip(group.members, _window_sums(group, reading, logits, row)):
                sums[i] = total
            row += len(group.nodes)
    return sums


def _window_sums(group: _WindowTrie, reading: Reading, logits, row: int) -> list[float]:
    """Each window's summed log p, in the trie's row order: first tokens from the reading's logits (at the
    prefix's last position), the others from the packed `logits` of their parents (the group's read
    nodes are packed rows `row`, `row` + 1, ...)."""
    from codemend.training.generation import store_logprobs

    trie = group.trie
    logprob = [0.0] * len(trie.token)
    first = [n for n in range(len(trie.token)) if trie.parent[n] < 0]
    store_logprobs(logprob, trie, first, [reading.predicting(group.prefix)] * len(first), reading.logits)
    column = {n: row + k for k, n in enumerate(group.nodes)}
    deeper = [n for n in range(len(trie.token)) if trie.parent[n] >= 0]
    if deeper:  # none when every window of the group is one token (then `logits` may be None)
        store_logprobs(logprob, trie, deeper, [column[trie.parent[n]] for n in deeper], logits)
    return [sum(logprob[n] for n in path) for path in trie.paths]


def _packs(groups: list[_WindowTrie], budget: int) -> list[list[_WindowTrie]]:
    """Consecutive groups whose read nodes add up to about `budget` (a larger group goes alone)."""
    packs: list[list[_WindowTrie]] = [[]]
    size = 0
    for group in groups:
        if packs[-1] and size + len(group.nodes) > budget:
            packs.append([])
            size = 0
        packs[-1].append(group)
        size += len(group.nodes)
    return packs


def _read_pack(model, reading: Reading, pack: list[_WindowTrie]):
    """The model's logits [packed nodes, vocabulary] for the read nodes of `pack`'s tries, packed in order
    on a copy of the reading's cache (None when no node needs reading: every window one token long)."""
    import torch

    from codemend.training.generation import additive_mask

    ids = [g.trie.token[n] for g in pack for n in g.nodes]
    if not ids:
        return None
    cache = copy.deepcopy(reading.cache)
    past = cache.get_seq_length()
    allowed = torch.zeros(len(ids), past + len(ids), dtype=torch.bool)
    positions, row = [], 0
    for group in pack:
        size = len(group.nodes)
        own = group.trie.visibility(group.nodes, {-1: 0, **{n: k + 1 for k, n in enumerate(group.nodes)}})
        allowed[row : row + size, : group.prefix] = True  # the unchanged lines before the window, not after
        allowed[row : row + size, past + row : past + row + size] = own[:, 1:]  # column 0 is the prefix's last token
        positions += [group.prefix + group.trie.depth[n] - 1 for n in group.nodes]
        row += size
    device = reading.logits.device
    return model(input_ids=torch.tensor([ids], device=device), position_ids=torch.tensor([positions], device=device),
                 cache=cache, use_cache=True, attention_mask=additive_mask(allowed[None], model.dtype).to(device)).logits[0]


def _window_logps_by_row(model, reading: Reading, windows: list[tuple[int, list[int]]], pad_id: int, batch_size: int = 32) -> list[float]:
    """`_packed_window_logps` for attention kernels that take no custom mask (flash attention): the windows
    after one prefix are right-padded rows on a copy of the reading's cache cropped to that prefix."""
    sums = [0.0] * len(windows)
    for prefix, members in _by_prefix(windows).items():
        for start in range(0, len(members), batch_size):
            chunk = members[start : start + batch_size]
            scores = _continuation_logp(model, reading, prefix, [windows[i][1] for i in chunk], pad_id)
            for i, score in zip(chunk, scores):
                sums[i] = score
    return sums


def _continuation_logp(model, reading: Reading, prefix_len: int, continuations: list[list[int]], pad_id: int) -> list[float]:
    """Sum of log p of each continuation after the first `prefix_len` tokens of the reading."""
    import torch

    n, width = len(continuations), max(map(len, continuations))
    cache = copy.deepcopy(reading.cache)
    removed = cache.get_seq_length() - prefix_len
    if removed:
        cache.crop(-removed)  # transformers 5: a negative count removes that many trailing tokens
    cache.batch_repeat_interleave(n)
    body = torch.tensor([c + [pad_id] * (width - len(c)) for c in continuations])
    mask = torch.cat([torch.ones(n, prefix_len, dtype=torch.long),
                      torch.tensor([[1] * len(c) + [0] * (width - len(c)) for c in continuations])], dim=1)
    logits = model(input_ids=body, attention_mask=mask, cache=cache, use_cache=True).logits
    following = token_logprobs(logits[:, :-1], body[:, 1:]).tolist()  # log p of each token after a row's first
    row_before = reading.predicting(prefix_len)  # the prefix's last position predicts every row's first token
    before = reading.logits[row_before].float()
    scores = []
    for row, tokens in enumerate(continuations):
        total = (before[tokens[0]] - reading.normalizers[row_before]).item()
        scores.append(total + sum(following[row][: len(tokens) - 1]))
    return scores
