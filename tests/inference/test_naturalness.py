"""naturalness_deltas (one cached pass, candidates batched on the shared prefix) equals the slow
definition: full forward passes, no cache, one candidate at a time."""

import math

import pytest

from codemend.inference.naturalness import line_tokens, naturalness_deltas
from codemend.task import compute_edit

BUGGY = "def mean(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total / len(xs)\n"
CANDIDATES = {
    "replace": BUGGY.replace("total += x", "total -= x"),
    "replace, longer": BUGGY.replace("total += x", "total = total + x * 1"),
    "replace two lines": BUGGY.replace("    for x in xs:\n        total += x\n", "    total = sum(xs)\n"),
    "replace first line": BUGGY.replace("def mean(xs):", "def average(values):"),
    "delete": BUGGY.replace("    total = 0\n", ""),
    "insert": BUGGY.replace("    return", "    print(total)\n    return"),
    "insert at top": "import math\n" + BUGGY,
    "edit last line": BUGGY.replace("/ len(xs)", "/ max(len(xs), 1)"),
    "delete last line": BUGGY.replace("    return total / len(xs)\n", ""),
    "append a line": BUGGY + "print(mean([1]))\n",
    "two hunks": BUGGY.replace("total = 0", "total = 1").replace("/ len", "// len"),
    "unchanged": BUGGY,
}


@pytest.fixture(scope="module")
def model_and_tokenizer():
    """A tiny random Llama whose weights are large enough that log-probabilities differ by token."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from codemend.training.tokenize import train_bpe_tokenizer

    tokenizer = train_bpe_tokenizer([BUGGY, *CANDIDATES.values()] * 3, vocab_size=300)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256, initializer_range=0.3,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    return LlamaForCausalLM(config).eval(), tokenizer


def window_logp(model, prefix: list[int], window: list[int]) -> float:
    """log p(window | prefix) from one uncached forward pass over prefix + window."""
    import torch

    ids = prefix + window
    with torch.no_grad():
        logprobs = torch.log_softmax(model(input_ids=torch.tensor([ids]), use_cache=False).logits[0].double(), -1)
    return sum(logprobs[i - 1, ids[i]].item() for i in range(len(prefix), len(ids)))


def reference_delta(model, tokenizer, buggy: str, patched: str, start: int | None = None) -> float:
    edit = compute_edit(buggy, patched)
    if edit is None:
        return -math.inf
    old = buggy.splitlines()
    first, after = edit.start - 1, edit.end  # 0-based: first edited line, the line after the edit
    flat = lambda lines: [t for ids in line_tokens(tokenizer, lines) for t in ids]  # noqa: E731
    prefix = [tokenizer.bos_token_id if start is None else start] + flat(old[:first])
    following = old[after : after + 1]
    return window_logp(model, prefix, flat([*edit.new_lines, *following])) - window_logp(model, prefix, flat(old[first : after + 1]))


@pytest.mark.parametrize("tokens_per_read", [512, 4, 0])
def test_every_delta_equals_the_uncached_reference(model_and_tokenizer, tokens_per_read, monkeypatch):
    """Packed in one read, in several (a budget of 4 tokens: a read per line), and row by row as for
    attention kernels that take no custom mask (0 here)."""
    from codemend.training import generation

    model, tokenizer = model_and_tokenizer
    if not tokens_per_read:
        monkeypatch.setattr(generation, "TREE_MASK_ATTENTION", ())
    names, patched = list(CANDIDATES), list(CANDIDATES.values())
    deltas = naturalness_deltas(model, tokenizer, BUGGY, patched, tokens_per_read=tokens_per_read)
    assert len(deltas) == len(patched)
    for name, text, delta in zip(names, patched, deltas):
        expected = reference_delta(model, tokenizer, BUGGY, text)
        if expected == -math.inf:
            assert delta == -math.inf, name
        else:
            assert delta == pytest.approx(expected, abs=1e-4), name
    # Not a vacuous equality: the scores differ between candidates and only the multi-hunk ones are -inf.
    finite = [d for d in deltas if d != -math.inf]
    assert len(finite) == len(patched) - 2 and len({round(d, 3) for d in finite}) == len(finite)


def test_the_edit_kinds_are_the_ones_the_cases_claim():
    kinds = {name: getattr(compute_edit(BUGGY, text), "kind", None) for name, text in CANDIDATES.items()}
    assert kinds["replace"] == kinds["edit last line"] == kinds["replace two lines"] == "replace"
    assert kinds["delete"] == kinds["delete last line"] == "delete"
    assert kinds["insert"] == kinds["insert at top"] == kinds["append a line"] == "insert"
    assert kinds["two hunks"] is None and kinds["unchanged"] is None


def test_a_tokenizer_without_bos_reads_the_first_line_after_eos(model_and_tokenizer):
    """Qwen-style tokenizers have no BOS token: the function is read after EOS instead of failing."""
    import copy

    model, tokenizer = model_and_tokenizer
    no_bos = copy.deepcopy(tokenizer)
    no_bos.bos_token = None
    assert no_bos.bos_token_id is None and no_bos.eos_token_id != tokenizer.bos_token_id
    patched = [CANDIDATES["replace first line"], CANDIDATES["insert at top"], CANDIDATES["edit last line"]]
    deltas = naturalness_deltas(model, no_bos, BUGGY, patched)
    expected = [reference_delta(model, no_bos, BUGGY, text, start=no_bos.eos_token_id) for text in patched]
    assert deltas == pytest.approx(expected, abs=1e-4)


def test_rerank_reorders_only_the_shortlist_and_keeps_it_ahead():
    from codemend.inference.debugger import rerank, shortlist_of

    edit = [-1.0, -3.0, -2.0, -4.0]
    short = shortlist_of(edit, 2)
    assert short == [0, 2]
    scores = rerank(edit, {0: 0.0, 2: 20.0}, weight=0.1)
    assert scores[2] > scores[0] > scores[1] > scores[3]  # naturalness lifts 2 over 0; the rest stay below
    assert rerank(edit, {}, weight=0.1) == edit and rerank(edit, {0: 5.0}, weight=0.0) == edit


def test_a_large_space_is_read_in_two_passes_and_the_fully_read_rank_first(causal_model):
    from codemend.inference import debugger as module
    from codemend.inference.candidates import operator_candidates
    from codemend.inference.debugger import FULLY_READ, QUICK_TOKENS, Debugger
    from codemend.training.generation import score_targets

    code = "def f(a, b, c, d):\n    x = a + b * c - d\n    y = x // 2 + a % 3\n    if x < y and a > b:\n        return x - y\n    return y + d\n"
    debugger = Debugger.load(causal_model)
    candidates = operator_candidates(code, debugger)
    assert len(candidates) > FULLY_READ
    scores = debugger.edit_scores(code, candidates)
    source = debugger.source(code)
    targets = [c.target for c in candidates]
    full = score_targets(debugger.model, debugger.tokenizer, source, targets, "causal")
    quick = score_targets(debugger.model, debugger.tokenizer, source, targets, "causal", own_tokens=QUICK_TOKENS)
    assert quick != pytest.approx(full, abs=1e-3)  # the quick pass reads less
    ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
    top, rest = ranked[:FULLY_READ], ranked[FULLY_READ:]
    assert set(top) == set(sorted(range(len(quick)), key=lambda i: -quick[i])[:FULLY_READ])  # the quick pass's best
    assert [scores[i] for i in top] == pytest.approx([full[i] for i in top], abs=1e-5)  # read to the end
    assert min(scores[i] for i in top) > max(scores[i] for i in rest)
    assert rest == sorted(rest, key=lambda i: -quick[i])  # the rest keep the quick pass's order
    assert module.promote([3.0, 1.0, 2.0], {}) == [3.0, 1.0, 2.0]


def test_a_window_is_read_from_where_it_leaves_the_old_one_all_in_one_pass(model_and_tokenizer):
    """A window's tokens equal to the old window's beginning cancel in the delta and are not read; a
    window's last token predicts nothing and is not read either; all windows go in one forward pass."""
    from codemend.inference.naturalness import read

    model, tokenizer = model_and_tokenizer
    patched = [BUGGY.replace("total += x", "total -= x"), BUGGY.replace("total += x", "total *= x"), CANDIDATES["delete"]]
    flat = lambda lines: [t for ids in line_tokens(tokenizer, lines) for t in ids]  # noqa: E731
    old = [flat(BUGGY.splitlines()[3:5])] * 2 + [flat(BUGGY.splitlines()[1:3])]
    new = [flat(text.splitlines()[3:5]) for text in patched[:2]] + [flat(["    for x in xs:"])]  # edited line + the next
    shared = [next(k for k, (a, b) in enumerate(zip(n, o)) if a != b) for n, o in zip(new, old)]
    assert shared[0] > 0 and shared[1] > 0  # "        total" is the same before and after
    reading = read(model, tokenizer, BUGGY)
    lengths, forward = [], model.forward

    def counting(*args, **kwargs):
        lengths.append(kwargs["input_ids"].shape[1])
        return forward(*args, **kwargs)

    model.forward = counting
    try:
        deltas = naturalness_deltas(model, tokenizer, BUGGY, patched, reading=reading)
    finally:
        del model.forward
    assert len(lengths) == 1
    # Fewer still where the new windows share a token after leaving the old one (" " before "-" and "*").
    assert lengths[0] <= sum(len(n) - k - 1 for n, k in zip(new, shared)) < sum(len(n) - 1 for n in new)
    assert deltas == pytest.approx([reference_delta(model, tokenizer, BUGGY, text) for text in patched], abs=1e-4)


def _prompt_ids(tokenizer, code: str) -> tuple[list[int], "object"]:
    """The task prompt's token ids for `code` (start token first) and where its numbered lines lie."""
    from codemend.inference.naturalness import prompt_lines
    from codemend.task import build_source, function_offset
    from codemend.training.tokenize import causal_prompt

    text = causal_prompt(build_source(code))
    return [tokenizer.bos_token_id] + tokenizer(text, add_special_tokens=False)["input_ids"], prompt_lines(tokenizer, text, function_offset(), code)


def reference_prompt_delta(model, tokenizer, buggy: str, patched: str) -> float:
    """log p(window | prompt before it) in the patched function's own prompt minus in the buggy one's: each
    prompt tokenized whole, read without a cache (the window: the edited lines and the line after)."""
    edit = compute_edit(buggy, patched)
    if edit is None:
        return -math.inf
    (old_ids, old), (new_ids, new) = _prompt_ids(tokenizer, buggy), _prompt_ids(tokenizer, patched)
    first, after, count = edit.start - 1, edit.end, len(buggy.splitlines())
    old_end = old.starts[min(after + 1, count)]
    new_end = new.starts[first + len(edit.new_lines) + (1 if after < count else 0)]
    prefix = old_ids[: old.starts[first]]
    assert new_ids[: new.starts[first]] == prefix  # the same prompt up to the edit
    return window_logp(model, prefix, new_ids[new.starts[first] : new_end]) - window_logp(model, prefix, old_ids[old.starts[first] : old_end])


# A line with trailing spaces: in a prompt they stay apart from its newline (more text follows).
TRAILING = BUGGY.replace("for x in xs:", "for x in xs:   ")


@pytest.mark.parametrize("buggy", [BUGGY, TRAILING], ids=["plain", "trailing-spaces"])
def test_the_prompt_reading_gives_each_window_its_delta_in_the_patched_functions_own_prompt(model_and_tokenizer, buggy):
    """The numbered reading `Debugger` uses: windows numbered as the patched function's prompt numbers them
    (lines after an insertion or deletion renumbered), read on the prompt's cache, no pass of their own for the old ones."""
    import torch

    from codemend.inference.naturalness import line_surprise, read_in_prompt
    from codemend.task import build_source
    from codemend.training.generation import read_prompt

    model, tokenizer = model_and_tokenizer
    ids, layout = _prompt_ids(tokenizer, buggy)
    assert layout is not None and len(layout.per_line) == len(buggy.splitlines())
    prompt = read_prompt(model, tokenizer, build_source(buggy), "causal", logits_for=layout.logits_for)
    reading = read_in_prompt(buggy, layout, prompt)
    patched = [text.replace(BUGGY, buggy) if BUGGY in text else text for text in CANDIDATES.values()]
    patched += [buggy.replace("total = 0", "total = 1")]  # the window ends on the line with trailing spaces
    deltas = naturalness_deltas(model, tokenizer, buggy, patched, reading=reading)
    for text, delta in zip(patched, deltas):
        expected = reference_prompt_delta(model, tokenizer, buggy, text)
        assert delta == (-math.inf if expected == -math.inf else pytest.approx(expected, abs=1e-4))
    assert len({round(d, 3) for d in deltas if d != -math.inf}) > len(patched) // 2  # not one value for all
    # Line surprise: each line's code tokens (not its "k| " number) as the whole prompt read without a cache predicts them.
    with torch.no_grad():
        logprobs = torch.log_softmax(model(input_ids=torch.tensor([ids])).logits[0].double(), -1)
    surprise = line_surprise(reading)
    for number, line_ids in enumerate(layout.per_line, start=1):
        start, skip = layout.starts[number - 1], layout.code_from[number - 1]
        assert skip >= 2 and tokenizer.decode(line_ids[:skip]).strip().startswith(f"{number}|")
        values = [-logprobs[start + i - 1, t].item() for i, t in enumerate(line_ids) if i >= skip and tokenizer.decode([t]).strip()]
        assert surprise[number] == pytest.approx(sum(values) / len(values), abs=1e-4)


def test_the_plain_readings_token_surprise_maps_each_token_to_its_columns(model_and_tokenizer):
    """The fallback reading (lines tokenized on their own) gives explain its token heat the same way."""
    from codemend.inference.naturalness import line_surprise, read, token_surprises

    model, tokenizer = model_and_tokenizer
    reading = read(model, tokenizer, BUGGY)
    tokens, lines = token_surprises(reading), BUGGY.splitlines()
    assert {line for line, *_ in tokens} == set(range(1, len(lines) + 1))
    for number, line in enumerate(lines, start=1):
        mine = [(start, end, value) for n, start, end, value in tokens if n == number]
        assert "".join(line[start:end] for start, end, _ in mine).strip() == line.strip()  # the code, in order
        assert line_surprise(reading)[number] == pytest.approx(sum(v for *_, v in mine) / len(mine), abs=1e-6)
