"""Candidate scoring with a shared prefix must equal scoring each (source, target) pair alone, and
generating from a prompt read once must equal generating from scratch."""

import pytest
import torch

from codemend.training.checkpoint import load_checkpoint
from codemend.training.generation import (TokenTrie, generate, generate_from, log_normalizers, read_prompt, score_targets, summed_logprobs,
                                          token_logprobs)
from codemend.training.tokenize import encode_sample

SOURCE = "### buggy:\n1| def f(a):\n2|     return a + 1\n"
TARGETS = ["replace 2\n    return a - 1", "delete 2", "replace 2\n    return a", "replace 2\n    return a - 2",
           "replace 2\n    return a + 2", "replace 1\ndef f(b):", "insert 3\n    pass", "replace 2\n    return a - 1"]


MODELS = ["tiny_model", "causal_model", "causal_model:transformers"]  # causal_model runs on codemend's runtime


def _load(request, which: str, precision: str = "fp32"):
    """A checkpoint fixture loaded by the engine its name asks for (`NAME:transformers`, else auto)."""
    name, _, engine = which.partition(":")
    return load_checkpoint(request.getfixturevalue(name), precision, engine or "auto")


def _one_by_one(path):
    """Each target scored alone by transformers' model, with labels: what every faster reading must equal."""
    model, tokenizer, spec = load_checkpoint(path, engine="transformers")
    arch = spec.arch
    scores = []
    for target in TARGETS:
        row = encode_sample(tokenizer, SOURCE, target, arch, 512, 64)
        with torch.no_grad():
            loss = model(input_ids=torch.tensor([row["input_ids"]]), labels=torch.tensor([row["labels"]])).loss
        scores.append(-loss.item())
    return scores


@pytest.mark.parametrize("which", MODELS)
def test_shared_prefix_scores_equal_separate_scores(which, request):
    model, tokenizer, spec = _load(request, which)
    expected = _one_by_one(request.getfixturevalue(which.partition(":")[0]))
    for size in (2, 512):  # causal: packed over several reads, and in one
        fast = score_targets(model, tokenizer, SOURCE, TARGETS, spec.arch, batch_size=size, tokens_per_read=size)
        assert fast == pytest.approx(expected, abs=1e-4)


def test_row_by_row_scoring_for_kernels_without_custom_masks(causal_model, monkeypatch):
    # Flash attention takes no 4D mask: there each target is scored on its own copy of the prompt's cache.
    from codemend.training import generation

    model, tokenizer, spec = load_checkpoint(causal_model)
    expected = _one_by_one(causal_model)
    monkeypatch.setattr(generation, "TREE_MASK_ATTENTION", ())
    for budget in (1, 40, 512):  # one row per batch, a few, all at once
        assert score_targets(model, tokenizer, SOURCE, TARGETS, spec.arch, tokens_per_read=budget) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("which", ["causal_model", "causal_model:transformers"])
def test_summed_logprobs_of_rows_without_eos_are_the_targets_sums_less_their_eos(which, request):
    model, tokenizer, spec = _load(request, which)
    prompt = read_prompt(model, tokenizer, SOURCE, spec.arch)
    rows = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in TARGETS]
    with_eos = summed_logprobs(model, prompt, [row + [tokenizer.eos_token_id] for row in rows])
    means = score_targets(model, tokenizer, SOURCE, TARGETS, spec.arch, prompt=prompt)
    assert with_eos == pytest.approx([mean * (len(row) + 1) for mean, row in zip(means, rows)], abs=1e-4)
    alone = summed_logprobs(model, prompt, rows)
    assert all(a > b for a, b in zip(alone, with_eos))  # the EOS's own log-probability is negative


def test_token_trie_reads_each_shared_beginning_once():
    rows = [[5, 6, 7, 1], [5, 6, 8, 1], [5, 6, 7, 9, 1], [2, 1], [1], [5, 6, 7, 1]]
    trie = TokenTrie.of(rows)
    for row, path in zip(rows, trie.paths):
        assert [trie.token[n] for n in path] == row
        assert [trie.depth[n] for n in path] == list(range(1, len(row) + 1))
        assert all(trie.parent[n] == (path[k - 1] if k else -1) for k, n in enumerate(path))
    assert trie.paths[0] == trie.paths[5]  # equal rows are one path
    inner = {p for p in trie.parent if p >= 0}
    assert len(inner) < sum(map(len, rows)) - len(rows)  # fewer reads than tokens
    for budget in (1, 2, 100):
        chunks = trie.read_order(budget)
        assert {n for chunk in chunks for n in chunk} == inner  # every node with children; no leaf
        for chunk in chunks:  # every node's ancestors come before it in its chunk
            assert all(set(trie.ancestors(n)) <= set(chunk[: chunk.index(n)]) for n in chunk)
    assert len(trie.read_order(100)) == 1
    # Where each row stops sharing: [5, 6, 7, 1] has an equal twin, [1] and [2, 1] are alone from the start.
    assert trie.own_from() == [4, 3, 4, 1, 1, 4]


def test_trie_visibility_is_root_ancestors_and_self():
    trie = TokenTrie.of([[5, 6], [5, 7]])  # nodes: 0 = 5, 1 = 6 and 2 = 7 both after node 0
    allowed = trie.visibility([-1, 0, 1, 2], {-1: 0, 0: 1, 1: 2, 2: 3})
    assert allowed.int().tolist() == [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 0, 1]]  # siblings never see each other
    # A later chunk re-reads node 0 at its own column; node 2 sees it there.
    assert trie.visibility([-1, 0, 2], {-1: 0, 0: 1, 2: 2}).int().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    # Nodes packed after an earlier read's columns (reading on): rows for them alone, as wide as every column.
    assert trie.visibility([2], {-1: 0, 0: 1, 1: 2, 2: 3}).int().tolist() == [[1, 1, 0, 1]]


@pytest.mark.parametrize("which", MODELS)
def test_generate_returns_ranked_beams(which, request):
    model, tokenizer, spec = _load(request, which)
    (beams,) = generate(model, tokenizer, [SOURCE], spec.arch, max_new_tokens=8, num_beams=3, num_return=3)
    assert len(beams) == 3
    assert all(-100 < b.score <= 0 for b in beams)


@pytest.mark.parametrize("which", MODELS)
def test_beam_scores_are_the_mean_log_probability_of_their_tokens(which, request):
    # generate takes beam search's own scores; they must equal the mean of the per-token scores
    # transformers rebuilds step by step, up to and including EOS.
    from codemend.training.generation import _encode_batch

    model, tokenizer, spec = _load(request, which)
    (beams,) = generate(model, tokenizer, [SOURCE], spec.arch, max_new_tokens=12, num_beams=4, num_return=4)
    input_ids, attention_mask = _encode_batch(tokenizer, [SOURCE], spec.arch)
    out = model.generate(input_ids=input_ids, attention_mask=attention_mask, max_new_tokens=12, num_beams=4, num_return_sequences=4,
                         do_sample=False, early_stopping=True, output_scores=True, return_dict_in_generate=True,
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
    per_token = model.compute_transition_scores(out.sequences, out.scores, out.beam_indices)
    generated = out.sequences[:, 1:] if spec.arch == "seq2seq" else out.sequences[:, input_ids.shape[1]:]
    expected = []
    for ids, scores in zip(generated.tolist(), per_token.tolist()):
        length = ids.index(tokenizer.eos_token_id) + 1 if tokenizer.eos_token_id in ids else len(ids)
        expected.append(sum(scores[:length]) / length)
    assert [b.score for b in beams] == pytest.approx(expected, abs=1e-5)
    assert len({round(b.score, 4) for b in beams}) > 1


@pytest.mark.parametrize("which", MODELS)
def test_generating_from_a_prompt_read_once_equals_generating_afresh(which, request):
    model, tokenizer, spec = _load(request, which)
    (afresh,) = generate(model, tokenizer, [SOURCE], spec.arch, max_new_tokens=8, num_beams=3, num_return=3)
    prompt = read_prompt(model, tokenizer, SOURCE, spec.arch)
    for _ in range(2):  # the prompt stays reusable after a generation
        again = generate_from(model, tokenizer, prompt, spec.arch, max_new_tokens=8, num_beams=3, num_return=3)
        assert [b.text for b in again] == [b.text for b in afresh]
        assert [b.score for b in again] == pytest.approx([b.score for b in afresh], abs=1e-4)
    scored = score_targets(model, tokenizer, SOURCE, TARGETS, spec.arch, prompt=prompt)
    assert scored == pytest.approx(score_targets(model, tokenizer, SOURCE, TARGETS, spec.arch), abs=1e-5)


@pytest.mark.parametrize("which", MODELS)
def test_bfloat16_inference_scores_like_float32(which, request):
    # bf16 (eager attention) is what `codemend fix` loads where bfloat16 is fast: its packed scoring must
    # still read each target like the float32 model reading it alone, to bfloat16's precision.
    expected = _one_by_one(request.getfixturevalue(which.partition(":")[0]))
    model, tokenizer, spec = _load(request, which, "bf16")
    assert model.dtype == torch.bfloat16
    if which != "causal_model":  # the runtime computes bf16 attention with the same grouped kernel itself
        assert {p.dtype for p in model.parameters()} == {torch.bfloat16}
        assert model.config._attn_implementation == "eager"  # torch's CPU flash attention is slow in bfloat16
    scores = score_targets(model, tokenizer, SOURCE, TARGETS, spec.arch)
    assert scores == pytest.approx(expected, abs=0.02)  # measured: 0.006 (seq2seq), 0.0003 (causal)
    (beams,) = generate(model, tokenizer, [SOURCE], spec.arch, max_new_tokens=8, num_beams=3, num_return=3)
    assert len(beams) == 3 and all(-100 < b.score <= 0 for b in beams)


def test_auto_precision_loads_the_weights_in_whichever_dtype_multiplies_faster_here(tiny_model):
    from codemend.training.checkpoint import faster_precision, inference_precision, matmul_seconds

    assert faster_precision({"fp32": 0.0006, "bf16": 0.015}) == "fp32"  # measured on an AVX2 AMD EPYC
    assert faster_precision({"fp32": 0.002, "bf16": 0.001}) == "bf16"
    assert faster_precision({"fp32": 0.001, "bf16": 0.001}) == "fp32"  # a tie keeps the weights as trained
    assert faster_precision({"fp32": 0.001, "bf16": 0.0009}) == "fp32"  # so does a near-tie (noise)
    seconds = matmul_seconds()
    assert set(seconds) == {"fp32", "bf16"} and all(0 < s < 10 for s in seconds.values())
    chosen = faster_precision(seconds)
    assert inference_precision("auto") == chosen and inference_precision("fp32") == "fp32" and inference_precision("bf16") == "bf16"
    model, _, _ = load_checkpoint(tiny_model, "auto")
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16 if chosen == "bf16" else torch.float32}


def test_the_precision_probe_alternates_so_a_burst_of_load_cannot_pick_the_slow_side():
    from codemend.training.checkpoint import faster_precision, interleaved_minimum

    # Another job holds the CPU for the first four timings (15 ms for fp32, 30 ms for bf16 there). Tried
    # three times in a row, fp32 would see mostly the burst; alternated, both sides get unloaded tries.
    durations = iter([0.015, 0.030, 0.015, 0.030, 0.0006, 0.0015, 0.0006, 0.0015, 0.0006, 0.0015])
    now = [0.0]

    def product():
        now[0] += next(durations)

    seconds = interleaved_minimum({"fp32": product, "bf16": product}, rounds=5, clock=lambda: now[0])
    assert seconds == pytest.approx({"fp32": 0.0006, "bf16": 0.0015})
    assert faster_precision(seconds) == "fp32"


def test_unknown_precision_is_a_clear_error(tiny_model):
    from codemend.errors import CodemendError

    with pytest.raises(CodemendError, match="--precision fp16: choose one of auto, fp32, bf16"):
        load_checkpoint(tiny_model, "fp16")


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_token_logprobs_equal_log_softmax_in_float32(dtype):
    torch.manual_seed(0)
    logits = (torch.randn(3, 21, 50) * 4).to(dtype)  # 63 positions: blocks of 8 and a short last one
    tokens = torch.randint(0, 50, (3, 21))
    expected = torch.log_softmax(logits.float(), -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    got = token_logprobs(logits, tokens)
    assert got.dtype == torch.float32 and got.shape == tokens.shape
    assert torch.allclose(got, expected, atol=1e-5)
    assert torch.equal(log_normalizers(logits.reshape(-1, 50)), torch.logsumexp(logits.reshape(-1, 50).float(), -1))
    assert torch.equal(token_logprobs(logits, tokens, log_normalizers(logits.reshape(-1, 50)).reshape(3, 21)), got)
    assert log_normalizers(logits[0, :0]).shape == (0,) and token_logprobs(logits[:, :0], tokens[:, :0]).shape == (3, 0)


def _keys_values(cache) -> list:
    """(keys, values) of each layer of a transformers DynamicCache or a runtime KVCache."""
    return [(layer.keys, layer.values) for layer in cache.layers] if hasattr(cache, "layers") else list(zip(cache.keys, cache.values))


@pytest.mark.parametrize("which", MODELS[1:])
def test_reading_a_causal_prompt_computes_one_position_of_logits_and_the_same_cache(which, request):
    import torch

    model, tokenizer, spec = _load(request, which)
    shapes = []
    hook = model.register_forward_hook(lambda module, args, output: shapes.append(tuple(output.logits.shape)))
    try:
        prompt = read_prompt(model, tokenizer, SOURCE, spec.arch)
    finally:
        hook.remove()
    assert len(shapes) == 1 and shapes[0][1] == 1  # the vocabulary projection of the last position only
    with torch.inference_mode():
        full = model(input_ids=prompt.input_ids[:, :-1], attention_mask=prompt.attention_mask[:, :-1], use_cache=True).cache
    for (keys, values), (full_keys, full_values) in zip(_keys_values(prompt.state), _keys_values(full), strict=True):
        assert torch.equal(keys, full_keys) and torch.equal(values, full_values)


def _input_lengths(model):
    lengths = []
    return lengths, model.register_forward_hook(lambda module, args, kwargs, output: lengths.append(kwargs["input_ids"].shape[1]), with_kwargs=True)


def test_reading_on_from_a_quick_read_scores_like_reading_afresh_and_reads_only_new_tokens(causal_model):
    from codemend.training.generation import TrieReading

    model, tokenizer, spec = load_checkpoint(causal_model)
    expected = _one_by_one(causal_model)
    prompt = read_prompt(model, tokenizer, SOURCE, spec.arch)
    reading = TrieReading()
    score_targets(model, tokenizer, SOURCE, TARGETS, spec.arch, prompt=prompt, own_tokens=1, reading=reading)
    assert reading.trie is not None
    best = [0, 3, 4, 6]
    lengths, hook = _input_lengths(model)
    try:
        extended = score_targets(model, tokenizer, SOURCE, [TARGETS[i] for i in best], spec.arch, prompt=prompt, reading=reading)
        afresh = score_targets(model, tokenizer, SOURCE, [TARGETS[i] for i in best], spec.arch, prompt=prompt)
    finally:
        hook.remove()
    assert extended == pytest.approx([expected[i] for i in best], abs=1e-4)
    assert extended == pytest.approx(afresh, abs=1e-5)
    assert lengths[0] < lengths[1]  # the extension read fewer tokens than a fresh packed read


@pytest.mark.parametrize("first, budget", [(["delete 2"], 512), (TARGETS, 2)])
def test_a_reading_that_cannot_be_extended_is_read_afresh(causal_model, first, budget):
    # A new first token needs the prompt's logits, which are not kept; a reading in several chunks keeps nothing.
    from codemend.training.generation import TrieReading

    model, tokenizer, spec = load_checkpoint(causal_model)
    expected = _one_by_one(causal_model)
    reading = TrieReading()
    score_targets(model, tokenizer, SOURCE, first, spec.arch, own_tokens=1, tokens_per_read=budget, reading=reading)
    assert score_targets(model, tokenizer, SOURCE, TARGETS, spec.arch, reading=reading) == pytest.approx(expected, abs=1e-4)


def test_logit_rows_read_every_row_block_by_block_as_the_whole_tensor_would():
    # A long function's reading keeps its hidden states and projects rows block by block: the normalizers
    # and the picked tokens' log p are those of the whole tensor of logits.
    from codemend.training.generation import LogitRows, token_logprobs

    torch.manual_seed(0)
    hidden, head = torch.randn(10, 6), torch.randn(50, 6)
    logits, tokens = hidden @ head.T, torch.randint(0, 50, (9,))
    held = LogitRows(logits)
    normalizers, picked = held.read(tokens, block=3)
    assert torch.equal(normalizers, log_normalizers(logits)) and torch.equal(picked, token_logprobs(logits[:9], tokens, normalizers[:9]))
    projected = LogitRows(hidden, head)
    normalizers, picked = projected.read(tokens, block=4)
    assert torch.allclose(normalizers, log_normalizers(logits), atol=1e-5) and torch.allclose(picked, held.read(tokens)[1], atol=1e-5)
    assert torch.allclose(projected[torch.tensor([7, 2])], logits[[7, 2]], atol=1e-5) and projected[3].shape == (50,)
    joined = LogitRows.joined([LogitRows(hidden[:4], head), LogitRows(hidden[4:], head)])
    assert torch.allclose(joined[:], logits, atol=1e-5) and len(LogitRows.joined([])) == 0
