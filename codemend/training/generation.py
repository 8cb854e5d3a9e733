"""Generating fixes from a model: the one place that turns task sources into model outputs.

Used by evaluation during training, by `codemend eval` and by `codemend fix`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codemend.training import attention
from codemend.training.tokenize import causal_prompt


@dataclass(frozen=True)
class Generation:
    text: str  # decoded output, special tokens removed
    score: float  # mean log-probability per generated token (higher is more confident)
    stopped: bool  # True when the model ended with EOS before the length limit


@dataclass
class Prompt:
    """One source read once by the model: beam search and candidate scoring both start from this reading
    instead of each re-reading the function (which costs as much as scoring ~20 candidates)."""

    input_ids: Any  # [1, length]
    attention_mask: Any  # [1, length]
    state: Any  # causal: the key/value cache of every token but the last (None until read); seq2seq: the encoder's output
    logits_for: range | None = None  # causal: positions whose logits the reading keeps (a function's lines, for naturalness)
    logits: "LogitRows | None" = None  # once read: row i is position logits_for[i]'s


@dataclass
class LogitRows:
    """The logits of a reading's kept positions, a tensor's rows as indexing asks for them. Held as the
    final hidden states where the model gives them (`head`: its output projection), each row projected
    when asked: a 3,700-token function's logits take 0.7 GB (49k floats a row), its hidden states 8.5 MB
    (a 306-line function's repair peaked at 2.6 GB with the logits held)."""

    values: Any  # [rows, hidden] final hidden states when `head` is given, else [rows, vocabulary] logits
    head: Any = None  # [vocabulary, hidden]

    @classmethod
    def joined(cls, parts: list["LogitRows"]) -> "LogitRows":
        """The rows of `parts` in order (all held alike)."""
        import torch

        return cls(torch.cat([part.values for part in parts]) if parts else torch.zeros(0, 0), parts[0].head if parts else None)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def device(self):
        return self.values.device

    def __getitem__(self, index):
        """The logits of rows `index` (an int, a slice or a tensor of indices)."""
        import torch.nn.functional as F

        rows = self.values[index]
        return rows if self.head is None else F.linear(rows, self.head)

    def read(self, tokens, block: int = 256):
        """(log-sum-exp of every row, log p of `tokens[i]` under row i for the first len(tokens) rows), in
        float32, block by block: never every row's logits at once."""
        import torch

        normalizers, picked = [], []
        for start in range(0, len(self), block):
            logits = self[start : start + block]
            normalizers.append(log_normalizers(logits))
            wanted = tokens[start : start + block]
            picked.append(token_logprobs(logits[: len(wanted)], wanted, normalizers[-1][: len(wanted)]))
        empty = torch.zeros(0, device=self.device)
        return torch.cat(normalizers) if normalizers else empty, torch.cat(picked) if picked else empty


def read_prompt(model, tokenizer, source: str, arch: str, defer: bool = False, logits_for: range | None = None) -> Prompt:
    """`source` encoded and read. `defer` (causal models): encoded only, read by whatever needs its
    cache first (`prompt_state`), or together with the first targets scored on it (`_causal_sums`).
    `logits_for` (causal models): positions (before the last) whose logits to keep from the reading."""
    import torch

    input_ids, attention_mask = _encode_batch(tokenizer, [source], arch)
    input_ids, attention_mask = input_ids.to(model.device), attention_mask.to(model.device)
    prompt = Prompt(input_ids, attention_mask, None, logits_for)
    if arch == "seq2seq":
        with torch.inference_mode():
            prompt.state = model.get_encoder()(input_ids=input_ids, attention_mask=attention_mask)
    elif not defer:
        prompt_state(model, prompt)
    return prompt


def prompt_state(model, prompt: Prompt):
    """A causal prompt's cache, read now if it was deferred."""
    import torch

    if prompt.state is None:
        with torch.inference_mode():
            # The last token is left out: generation must feed at least one token to get its first logits.
            prompt.state, prompt.logits = read_in_blocks(model, prompt.input_ids[:, :-1], prompt.attention_mask[:, :-1], prompt.logits_for)
    return prompt.state


PROMPT_BLOCK = 1024  # tokens of a prompt the model reads at a time (`read_in_blocks`)


def read_in_blocks(model, input_ids, attention_mask, rows: range | None, block: int = PROMPT_BLOCK):
    """(the cache of reading `input_ids` [1, length], the `LogitRows` of positions `rows`, or None), read
    `block` tokens at a time, each block on the cache of those before it: the same computation, whose
    attention mask and intermediate products grow with the block, not the prompt (a 3,700-token prompt
    read at once peaked 0.5 GB above its own cache)."""
    cache, parts, length = None, [], input_ids.shape[1]
    for start in range(0, length, block):
        stop = min(start + block, length)
        here = None if rows is None else range(min(max(rows.start, start), stop) - start, min(max(rows.stop, start), stop) - start)
        out = model(input_ids=input_ids[:, start:stop], attention_mask=attention_mask[:, :stop], cache=cache, use_cache=True,
                    **_fewest_logits(model, here or None))
        cache = out.cache
        if here:
            parts.append(kept_rows(model, out, here))
    return cache, None if rows is None else LogitRows.joined(parts)


def unprojected(model) -> dict:
    """Forward-pass arguments for the kept positions' final hidden states instead of their logits, where
    the model gives them (codemend's runtime): `LogitRows` projects the rows it is asked for."""
    return {"project": False} if getattr(model, "gives_hidden", False) else {}


def kept_rows(model, out, rows: range) -> LogitRows:
    """The `LogitRows` of positions `rows` of a forward pass's output (batch row 0), asked of the model with
    `unprojected` and `logits_to_keep` = `rows` (a model without `logits_to_keep` gives every position's)."""
    held = getattr(out, "hidden", None)
    values = out.logits if held is None else held
    values = values[0] if values.shape[1] == len(rows) else values[0, rows.start : rows.stop]
    return LogitRows(values) if held is None else LogitRows(values, model.lm_head)


def _fewest_logits(model, rows: range | None = None) -> dict:
    """Reading a prompt needs its cache and, of its logits, those of `rows` only (none asked for: one
    position's): where the model can skip the rest, it does (the vocabulary projection of a 150-token
    prompt cost SmolLM2 ~0.15 s of a ~0.6 s reading on 2 CPU cores)."""
    import inspect

    import torch

    if "logits_to_keep" not in inspect.signature(model.forward).parameters:
        return {}
    if rows is None:
        return {"logits_to_keep": 1}
    return {"logits_to_keep": torch.arange(rows.start, rows.stop), **unprojected(model)}


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


def generate_from(model, tokenizer, prompt: Prompt, arch: str, max_new_tokens: int, num_beams: int = 1, num_return: int = 1,
                  prefix: str = "") -> list[Generation]:
    """`generate` for one source already read (`read_prompt`): the beams share that reading.

    `prefix` (causal models): the output's forced beginning (say, where the fix goes: "insert 7"); the
    beams continue it, and each Generation's text and score are of what follows it.
    """
    import copy

    if prefix and arch != "causal":
        raise ValueError("a forced output prefix needs a decoder-only model")
    forced = tokenizer(prefix, add_special_tokens=False)["input_ids"] if prefix else []
    if arch == "causal" and _shares_passes(model):
        found = beam_search(model, prompt, max_new_tokens, num_beams, min(num_return, num_beams), tokenizer.eos_token_id, forced)
        return [_one(tokenizer, ids, score) for ids, score in found]
    if forced:  # transformers' generate: the forced beginning joins the prompt, read afresh
        ids = _appended(prompt.input_ids, forced)
        prompt = Prompt(ids, ids.new_ones(ids.shape), None)
    if arch == "seq2seq":
        reuse = {"encoder_outputs": copy.copy(prompt.state)}  # generate expands it to the beams itself
    else:
        cache = copy.deepcopy(prompt_state(model, prompt))  # generation appends to it; the prompt stays reusable
        cache.batch_repeat_interleave(num_beams)  # generate expands the ids to the beams, not a given cache
        reuse = {"cache": cache}
    (beams,) = _generate(model, tokenizer, arch, prompt.input_ids, prompt.attention_mask, reuse, max_new_tokens, num_beams, num_return)
    return beams


def _appended(ids, more: list[int]):
    """[1, n] token ids with `more` after them."""
    import torch

    return torch.cat([ids, torch.tensor([more], dtype=ids.dtype, device=ids.device)], dim=1)


def beam_search(model, prompt: Prompt, max_new_tokens: int, num_beams: int, num_return: int, eos: int,
                prefix: list[int] | None = None) -> list[tuple[list[int], float]]:
    """(generated ids, mean log-probability per token) of the best `num_return` beams, best first, as
    transformers' beam search finds them with the settings of `_generate` (early stopping, length
    penalty 1; one beam is greedy search), on codemend's runtime: its model stays the only copy of the
    weights in memory, and `fix` with tests no longer imports transformers' modeling code for beams.

    Each step reads the running beams' last tokens on their cache and looks at the 2 x `num_beams` best
    continuations: those among the first `num_beams` that end (EOS, or the length limit) join the
    finished beams, the best `num_beams` others run on. It stops once `num_beams` beams have ended.

    `prefix`: token ids every beam starts with (neither returned nor scored), read in one pass first."""
    import copy

    import torch

    cache = copy.deepcopy(prompt_state(model, prompt))  # the beams append to it; the prompt stays reusable
    past, tokens = prompt.input_ids.shape[1] - 1, prompt.input_ids[:, -1:]
    if prefix:
        tokens = _appended(tokens, prefix)
        with torch.inference_mode():
            model(input_ids=tokens[:, :-1], position_ids=torch.arange(past, past + len(prefix), device=tokens.device)[None],
                  cache=cache, use_cache=True, logits_to_keep=1)
        past, tokens = past + len(prefix), tokens[:, -1:]
    sequences, running = [[]], torch.zeros(1)
    finished: list[tuple[float, list[int]]] = []
    with torch.inference_mode():
        for step in range(max_new_tokens):
            logits = model(input_ids=tokens, position_ids=torch.full_like(tokens, past + step), cache=cache, use_cache=True).logits[:, -1]
            totals = (torch.log_softmax(logits.float(), dim=-1) + running[:, None]).view(-1)
            scores, flat = totals.topk(min(2 * num_beams, totals.numel()))
            going = []
            for rank, (score, where) in enumerate(zip(scores.tolist(), flat.tolist())):
                row, token = divmod(where, logits.shape[-1])
                if token == eos or step + 1 == max_new_tokens:
                    if rank < num_beams:
                        finished.append((score / (step + 1), sequences[row] + [token]))
                elif len(going) < num_beams:
                    going.append((score, row, token))
            finished = sorted(finished, key=lambda beam: -beam[0])[:num_beams]
            if len(finished) == num_beams or not going:
                break
            sequences = [sequences[row] + [token] for _, row, token in going]
            running = torch.tensor([score for score, _, _ in going])
            cache.select(torch.tensor([row for _, row, _ in going], device=tokens.device))
            tokens = torch.tensor([[token] for _, _, token in going], device=tokens.device)
    return [(ids, score) for score, ids in finished[:num_return]]


def _generate(model, tokenizer, arch: str, input_ids, attention_mask, reuse: dict, max_new_tokens: int, num_beams: int, num_return: int) -> list[list[Generation]]:
    import torch

    num_return = min(num_return, num_beams)
    # Beam search stops once `num_beams` beams have ended, not when no running beam could still beat
    # them: the shipped model's 10 beams took 1.3x less time on 12 benchmark functions, and on the
    # first 60 operator bugs gave the same plausible@1 and one more item plausible in the top 10.
    # length_penalty 1: a beam's score is the mean log-probability of its tokens, EOS included.
    beams = {"early_stopping": True, "length_penalty": 1.0} if num_beams > 1 else {}
    with torch.inference_mode():
        out = model.generate(
            input_ids=input_ids, attention_mask=attention_mask, max_new_tokens=max_new_tokens,
            num_beams=num_beams, num_return_sequences=num_return, do_sample=False,
            output_scores=True, return_dict_in_generate=True,
            pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, **beams, **reuse,
        )
    # seq2seq sequences start with the decoder-start token, which has no score.
    generated = out.sequences[:, 1:] if arch == "seq2seq" else out.sequences[:, input_ids.shape[1] :]
    results: list[list[Generation]] = []
    for row, score in enumerate(_mean_logprobs(model, tokenizer, out, generated, num_beams)):
        if row % num_return == 0:
            results.append([])
        results[-1].append(_one(tokenizer, generated[row].tolist(), score))
    return results


def _mean_logprobs(model, tokenizer, out, generated, num_beams: int) -> list[float]:
    """Each sequence's mean log-probability per token up to its EOS (or its end). Beam search computes
    it itself (`sequences_scores`, with length_penalty 1); rebuilding it from the per-step scores
    (`compute_transition_scores`) stacks every step's [beams, vocabulary] scores, ~60 ms per function here."""
    if num_beams > 1:
        return out.sequences_scores.tolist()
    transition = model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
    means = []
    for ids, scores in zip(generated.tolist(), transition.tolist()):
        length = _length(ids, tokenizer.eos_token_id)
        means.append(sum(scores[:length]) / max(length, 1))
    return means


def _length(ids: list[int], eos: int) -> int:
    """Tokens generated up to and including the first EOS (all of them when none ended)."""
    return ids.index(eos) + 1 if eos in ids else len(ids)


def _one(tokenizer, ids: list[int], score: float) -> Generation:
    text = tokenizer.decode(ids[: _length(ids, tokenizer.eos_token_id)], skip_special_tokens=True)
    return Generation(text=text, score=score, stopped=tokenizer.eos_token_id in ids)


def score_targets(model, tokenizer, source: str, targets: list[str], arch: str, batch_size: int = 32,
                  prompt: Prompt | None = None, own_tokens: int = 0, tokens_per_read: int = 512,
                  reading: TrieReading | None = None) -> list[float]:
    """Mean log-probability per token (EOS included) of each target given one source.

    This ranks candidate fixes that did not come from the model (e.g. the inverse of the bug
    operators). The source is read once (`prompt`, when the caller already has it) and shared by
    every candidate; for causal models, candidates that begin alike (the same edited line) also read
    their shared beginning once, so the model reads each candidate's own tokens only, packed
    `tokens_per_read` at a time (seq2seq models: `batch_size` targets at a time).

    `own_tokens` > 0: a quick read that stops `own_tokens` tokens after where each target first
    differs from every other (the mean is over the tokens read): most of a long space can be told
    apart there, at a fraction of the cost.

    `reading`: an empty `TrieReading` the first call fills and a later call on the same prompt
    extends (causal models): reading some targets to their end after a quick read then reads only
    the tokens the quick read did not.
    """
    import torch

    if not targets:
        return []
    prompt = prompt or read_prompt(model, tokenizer, source, arch)
    rows = [tokenizer(t, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id] for t in targets]
    if own_tokens > 0:
        rows = [row[: unique + own_tokens] for row, unique in zip(rows, TokenTrie.of(rows).own_from())]
    if arch == "seq2seq":
        with torch.inference_mode():
            sums = _seq2seq_sums(model, prompt, rows, batch_size)
    else:
        sums = summed_logprobs(model, prompt, rows, tokens_per_read, reading)
    return [total / len(row) for total, row in zip(sums, rows)]


def summed_logprobs(model, prompt: Prompt, rows: list[list[int]], tokens_per_read: int = 512,
                    reading: TrieReading | None = None) -> list[float]:
    """log p(row | prompt) of each causal token row as given (no EOS added: score_targets adds it), rows
    that begin alike reading their shared beginning once (`_causal_sums`; row by row for attention
    kernels that take no custom mask)."""
    import torch

    with torch.inference_mode():
        if getattr(model.config, "_attn_implementation", "eager") in TREE_MASK_ATTENTION:
            return _causal_sums(model, prompt, rows, tokens_per_read, reading)
        return _causal_sums_by_row(model, prompt, rows, tokens_per_read)


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
    """log p(label) at every position; 0 where the label is -100."""
    picked = token_logprobs(logits, labels.clamp(min=0))
    return picked * (labels != -100)


def token_logprobs(logits, tokens, normalizers=None):
    """log p(tokens[..., i] | position i) in float32, from `logits` [..., vocab] of any dtype and `tokens`
    of their shape without the vocabulary; `normalizers`: their `log_normalizers`, when already known."""
    flat = logits.reshape(-1, logits.shape[-1])
    normalizers = log_normalizers(flat) if normalizers is None else normalizers.reshape(-1)
    picked = flat.gather(-1, tokens.reshape(-1, 1)).squeeze(-1).float() - normalizers
    return picked.reshape(tokens.shape)


def log_normalizers(logits, block: int = 8):
    """log-sum-exp of each row of `logits` [positions, vocab] (any dtype), in float32.

    Each block of rows is converted and reduced on its own, while it sits in the cache: a float32
    copy of all the logits and its log-sum-exp (600 positions x 49k tokens: 200 MB, read twice) took
    3-4x longer on this CPU, ~0.15 s of a function's repair. The values are bit-identical.
    """
    import torch

    if not len(logits):
        return torch.zeros(0, device=logits.device)
    return torch.cat([torch.logsumexp(rows.float(), dim=-1) for rows in logits.split(block)])


@dataclass
class TokenTrie:
    """Target rows merged by shared beginnings: node i holds `token[i]` after its `parent[i]` (-1: the
    prompt's last token), at `depth[i]` (1 for a row's first token); `paths[r]` are row r's nodes."""

    token: list[int]
    parent: list[int]
    depth: list[int]
    paths: list[list[int]]

    @classmethod
    def of(cls, rows: list[list[int]]) -> "TokenTrie":
        trie = cls([], [], [], [])
        trie.add(rows)
        return trie

    def add(self, rows: list[list[int]]) -> list[list[int]]:
        """Merge more rows in (new nodes numbered after the existing ones); their paths."""
        children = {(parent, token): node for node, (parent, token) in enumerate(zip(self.parent, self.token))}
        added = []
        for row in rows:
            node, path = -1, []
            for token in row:
                key = (node, token)
                if key not in children:
                    children[key] = len(self.token)
                    self.token.append(token)
                    self.parent.append(node)
                    self.depth.append(1 if node < 0 else self.depth[node] + 1)
                node = children[key]
                path.append(node)
            added.append(path)
        self.paths.extend(added)
        return added

    def own_from(self) -> list[int]:
        """For each row, how many of its tokens lead up to and include its first one no other row shares
        (its length when an equal row exists)."""
        through = [0] * len(self.token)
        for path in self.paths:
            for node in path:
                through[node] += 1
        return [next((k + 1 for k, node in enumerate(path) if through[node] == 1), len(path)) for path in self.paths]

    def read_order(self, budget: int) -> list[list[int]]:
        """The nodes the model must read (those with children), depth first, in chunks of about `budget`
        (the packed attention grows with its square); a chunk starts with the ancestors of its first
        node, re-read, so that each chunk holds every node's ancestors before it."""
        children: dict[int, list[int]] = {}
        for node, parent in enumerate(self.parent):
            children.setdefault(parent, []).append(node)
        chunks: list[list[int]] = [[]]
        stack = list(reversed(children.get(-1, [])))
        while stack:
            node = stack.pop()
            if node not in children:
                continue  # a leaf is predicted by its parent, never read
            if len(chunks[-1]) >= budget:
                chunks.append(self.ancestors(node))
            chunks[-1].append(node)
            stack.extend(reversed(children[node]))
        return chunks

    def visibility(self, nodes: list[int], column: dict[int, int]):
        """[len(nodes), 1 + the last column] bool: what each packed node may attend to. Column 0 is the prompt's
        last token (`column[-1]`; -1 in `nodes` is its own row), node n sits at `column[n]` and sees column 0,
        its ancestors' columns and its own: the one rule that scoring (`_causal_sums`, and `_extend_reading`
        for nodes packed after an earlier read's columns) and the ranking loss's training rows use."""
        import torch

        allowed = torch.zeros(len(nodes), 1 + max(column.values()), dtype=torch.bool)
        allowed[:, 0] = True
        for k, node in enumerate(nodes):
            if node >= 0:
                allowed[k, [column[n] for n in self.ancestors(node) + [node]]] = True
        return allowed

    def ancestors(self, node: int) -> list[int]:
        """`node`'s ancestors, root side first (the prompt's last token not included)."""
        chain = []
        while self.parent[node] >= 0:
            node = self.parent[node]
            chain.append(node)
        return chain[::-1]


RUNTIME_ATTENTION = "codemend_runtime"  # inference.runtime.LlamaRuntime, codemend's own forward pass
TREE_MASK_ATTENTION = ("eager", "sdpa", attention.NAME, RUNTIME_ATTENTION)  # kernels that take the custom 4D mask `_causal_sums` packs a trie with


@dataclass
class TrieReading:
    """What a one-chunk `_causal_sums` read leaves for a later read of the same targets' continuations:
    its trie, each node's log-probability, the packed columns of the nodes it read, and the cache
    (the prompt's, then those columns)."""

    trie: TokenTrie | None = None
    logprob: list[float] | None = None
    column: dict[int, int] | None = None
    cache: Any = None


def _causal_sums(model, prompt: Prompt, rows: list[list[int]], budget: int = 512, reading: TrieReading | None = None) -> list[float]:
    """Summed log-probabilities of causal targets, every distinct beginning read once: the targets form
    a trie read as one packed sequence on the prompt's cache, each token attending to the prompt and
    to its own ancestors only (a custom 4D attention mask), in chunks of about `budget` tokens. The
    first chunk reads a deferred prompt in its forward pass where the model can."""
    import copy

    import torch

    if reading is not None and reading.trie is not None:
        extended = _extend_reading(model, prompt, reading, rows)
        if extended is not None:
            return extended
    trie = TokenTrie.of(rows)
    logprob = [0.0] * len(trie.token)
    last, past = prompt.input_ids[0, -1:], prompt.attention_mask.shape[1] - 1
    chunks = trie.read_order(budget)
    for index, chunk in enumerate(chunks):  # at least one chunk, empty when every target is one token
        column = {-1: 0, **{node: k + 1 for k, node in enumerate(chunk)}}
        ids = torch.cat([last, torch.tensor([trie.token[n] for n in chunk], dtype=last.dtype, device=last.device)])
        positions = past + torch.tensor([0] + [trie.depth[n] for n in chunk], device=last.device)
        allowed = trie.visibility([-1, *chunk], column)
        if index == 0 and _shares_passes(model) and prompt.state is None:
            logits, cache = _first_pass(model, prompt, ids, positions, allowed)
        else:
            cache = copy.deepcopy(prompt_state(model, prompt))
            logits = model(input_ids=ids[None], position_ids=positions[None], cache=cache, use_cache=True,
                           attention_mask=_tree_mask(allowed, past, model.dtype, last.device)).logits[0]
        read = [n for n in range(len(trie.token)) if trie.parent[n] in column]  # each chunk re-reads the root's children alike
        store_logprobs(logprob, trie, read, [column[trie.parent[n]] for n in read], logits)
    if reading is not None:
        single = len(chunks) == 1
        reading.trie, reading.logprob = (trie, logprob) if single else (None, None)
        reading.column, reading.cache = (column, cache) if single else (None, None)
    return [sum(logprob[n] for n in path) for path in trie.paths]


def _shares_passes(model) -> bool:
    """Whether one forward pass can read a deferred prompt and a chunk of targets together and hand each
    its part of the cache: codemend's runtime, whose cache gives out column ranges."""
    return getattr(model.config, "_attn_implementation", "") == RUNTIME_ATTENTION


def _first_pass(model, prompt: Prompt, ids, positions, allowed):
    """A first chunk's logits and cache as `_causal_sums` reads any chunk, with the deferred prompt before
    it in the same forward pass (on a CPU a pass over SmolLM2's weights costs ~0.1 s however few its
    tokens). The prompt's tokens see each other causally, the chunk's see the prompt and what `allowed`
    [chunk, chunk] says; the one cache is then split into the prompt's and the chunk's (the prompt's, then
    its own columns, as a chunk read on the prompt's cache leaves it), and the prompt keeps the logits of
    its `logits_for` positions."""
    import torch

    past, size = prompt.attention_mask.shape[1] - 1, len(ids)
    device = ids.device
    tokens = torch.cat([prompt.input_ids[0, :-1], ids])
    where = torch.cat([torch.arange(past, device=device), positions])
    kept = torch.arange(0) if prompt.logits_for is None else torch.arange(prompt.logits_for.start, prompt.logits_for.stop)
    rows = torch.cat([kept, past + torch.arange(size)]).to(device)
    out = model(input_ids=tokens[None], position_ids=where[None], use_cache=True, logits_to_keep=rows, **unprojected(model),
                attention_mask=additive_mask(_first_pass_visibility(past, allowed)[None], model.dtype).to(device))
    prompt.state = out.cache.columns(0, past)
    if prompt.logits_for is not None:
        prompt.logits = kept_rows(model, out, range(len(kept)))
    return kept_rows(model, out, range(len(kept), len(rows))), out.cache  # store_logprobs projects the rows it reads


def _first_pass_visibility(past: int, allowed):
    """[past + chunk rows, past + chunk columns] bool: the prompt's `past` tokens see each other causally,
    the chunk sees the prompt and what `allowed` says."""
    import torch

    size = len(allowed)
    visible = torch.zeros(past + size, past + size, dtype=torch.bool)
    visible[:past, :past] = torch.ones(past, past, dtype=torch.bool).tril()
    visible[past:, :past] = True
    visible[past:, past:] = allowed
    return visible


def store_logprobs(logprob: list[float], trie: TokenTrie, nodes: list[int], rows: list[int], logits) -> None:
    """log p(node's token) for each node, from the row of `logits` (a tensor or `LogitRows`) that read its parent."""
    import torch

    rows_at = torch.tensor(rows, device=logits.device, dtype=torch.long)
    tokens = torch.tensor([trie.token[n] for n in nodes], device=logits.device, dtype=torch.long)
    used, where = rows_at.unique(return_inverse=True)  # leaves (each candidate's EOS) predict nothing read
    selected = logits[used]
    values = selected[where, tokens].float() - log_normalizers(selected)[where]
    for n, value in zip(nodes, values.tolist()):
        logprob[n] = value


def _extend_reading(model, prompt: Prompt, reading: TrieReading, rows: list[list[int]]) -> list[float] | None:
    """`_causal_sums` of `rows` on top of an earlier reading: only the nodes it did not read are read,
    packed after its columns, each attending to the prompt and its ancestors wherever they were read.
    None when a new token would need the logits of a node read earlier (they are not kept): a quick
    read stops inside each target's own tokens, so its continuations hang from its leaves."""
    import torch

    trie, logprob, column = reading.trie, list(reading.logprob), dict(reading.column)
    paths = trie.add(rows)
    new = range(len(logprob), len(trie.token))
    if any(trie.parent[n] in column for n in new):
        return None  # the caller reads afresh and replaces this reading, whose trie now holds the rows
    parents = {trie.parent[n] for n in range(len(trie.token))}
    chunk = sorted((n for n in parents if n >= 0 and n not in column), key=lambda n: trie.depth[n])
    if chunk:
        past, width = prompt.attention_mask.shape[1] - 1, len(column)
        for k, node in enumerate(chunk):
            column[node] = width + k
        allowed = trie.visibility(chunk, column)
        device = prompt.input_ids.device
        logits = model(input_ids=torch.tensor([[trie.token[n] for n in chunk]], device=device), use_cache=True,
                       position_ids=(past + torch.tensor([[trie.depth[n] for n in chunk]])).to(device),
                       cache=reading.cache, attention_mask=_tree_mask(allowed, past, model.dtype, device)).logits[0]
        logprob.extend([0.0] * len(new))
        store_logprobs(logprob, trie, list(new), [column[trie.parent[n]] - width for n in new], logits)
    reading.logprob, reading.column = logprob, column
    return [sum(logprob[n] for n in path) for path in paths]


def _causal_sums_by_row(model, prompt: Prompt, rows: list[list[int]], budget: int = 512) -> list[float]:
    """`_causal_sums` for attention kernels that take no custom mask (flash attention): each target is
    its own row on a copy of the prompt's cache, right-padded, about `budget` tokens per batch."""
    import copy

    import torch

    last, past = prompt.input_ids[0, -1:].tolist(), prompt.attention_mask.shape[1] - 1
    sums: list[float] = []
    for batch in _padded_batches(rows, budget):
        ids = _pad([last + row[:-1] for row in batch], 0).to(model.device)  # the mask hides the padding
        seen = torch.cat([torch.ones(len(batch), past, dtype=torch.long), _pad([[1] * len(row) for row in batch], 0)], dim=1)
        positions = (past + torch.arange(ids.shape[1], device=model.device)).expand(len(batch), -1)
        cache = copy.deepcopy(prompt_state(model, prompt))
        cache.batch_repeat_interleave(len(batch))
        logits = model(input_ids=ids, attention_mask=seen.to(model.device), position_ids=positions, cache=cache, use_cache=True).logits
        sums.extend(_picked_logprobs(logits, _pad(batch, -100).to(model.device)).sum(-1).tolist())
    return sums


def _padded_batches(rows: list[list[int]], budget: int):
    """Consecutive runs of `rows` whose padded size (rows x longest row) stays within `budget`
    (a row longer than that goes alone)."""
    batch: list[list[int]] = []
    width = 0
    for row in rows:
        if batch and (len(batch) + 1) * max(width, len(row)) > budget:
            yield batch
            batch, width = [], 0
        batch.append(row)
        width = max(width, len(row))
    if batch:
        yield batch


def _tree_mask(allowed, past: int, dtype, device):
    """[1, 1, packed tokens, past + packed columns] additive mask: what each packed token may see among the
    packed columns (`TokenTrie.visibility`), after `past` prompt columns every packed token sees."""
    import torch

    allowed = torch.cat([torch.ones(len(allowed), past, dtype=torch.bool), allowed], dim=1)
    return additive_mask(allowed[None], dtype).to(device)


def additive_mask(allowed, dtype):
    """The model's [batch, 1, queries, keys] additive attention mask from a bool [batch, queries, keys] one."""
    import torch

    return torch.zeros(allowed.shape, dtype=dtype, device=allowed.device).masked_fill(~allowed, torch.finfo(dtype).min)[:, None]


def _pad(rows: list[list[int]], value: int):
    import torch

    width = max(map(len, rows))
    return torch.tensor([r + [value] * (width - len(r)) for r in rows])
