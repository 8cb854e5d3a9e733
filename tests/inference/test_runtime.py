"""codemend's own Llama forward pass (`inference.runtime`) computes what transformers' LlamaForCausalLM
(with or without biases) and Qwen2ForCausalLM compute, reads and decodes text as transformers'
tokenizer does, and spares `codemend fix` the import of transformers; checkpoints it does not cover
load through transformers."""

import json
import os
import subprocess
import sys

import pytest
import torch

from codemend.errors import CodemendError
from codemend.inference.naturalness import naturalness_deltas
from codemend.inference.runtime import KVCache, LlamaRuntime, RuntimeConfig, RuntimeTokenizer, tokenizer_unsupported, unsupported
from codemend.training.checkpoint import DEFAULT_MODEL, TaskSpec, load_checkpoint
from codemend.training.generation import generate_from, read_prompt, score_targets

CODE = "def mean(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total / len(xs)\n"
FIXES = [CODE.replace("+=", "-="), CODE.replace("total = 0", "total = 1"), CODE.replace("/ len", "// len")]
SOURCE = "### buggy:\n1| def f(a):\n2|     return a + 1\n"
TARGETS = ["replace 2\n    return a - 1", "delete 2", "replace 2\n    return a", "insert 3\n    pass"]


def _save_tiny_llama(folder, model_type="llama", **overrides):
    """A tiny random Llama or Qwen2 (grouped-query attention, weights and biases large enough that tokens
    differ) with its tokenizer (Qwen2's tokenizer class for Qwen2) and task spec: a checkpoint folder as
    `codemend train` writes one."""
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    from codemend.training.tokenize import train_bpe_tokenizer

    tokenizer = train_bpe_tokenizer([CODE, SOURCE, *FIXES, *TARGETS] * 3, vocab_size=300)
    torch.manual_seed(0)
    settings = dict(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, max_position_embeddings=256, initializer_range=0.3, bos_token_id=tokenizer.bos_token_id,
                    eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    config_class, model_class = {"llama": (LlamaConfig, LlamaForCausalLM), "qwen2": (Qwen2Config, Qwen2ForCausalLM)}[model_type]
    model = model_class(config_class(**{**settings, **overrides}))
    with torch.no_grad():  # initialised to zero, a bias the runtime left out would go unnoticed
        for name, parameter in model.named_parameters():
            if name.endswith(".bias"):
                parameter.normal_(0.0, 0.1)
    model.save_pretrained(folder)
    if model_type == "qwen2":
        from transformers import Qwen2Tokenizer

        trained = json.loads(tokenizer.backend_tokenizer.to_str())["model"]
        tokenizer = Qwen2Tokenizer(vocab=trained["vocab"], merges=[tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in trained["merges"]],
                                   bos_token=tokenizer.bos_token, eos_token=tokenizer.eos_token, pad_token=tokenizer.pad_token, unk_token=None,
                                   errors="replace", split_special_tokens=False)  # as Qwen2.5-Coder's tokenizer_config.json has them
    tokenizer.save_pretrained(folder)
    TaskSpec("causal", "edit", False, False, 128, 32).save(folder)
    return folder


CHECKPOINTS = {"tied": {"tie_word_embeddings": True}, "untied": {"tie_word_embeddings": False},
               "llama-biases": {"attention_bias": True, "mlp_bias": True},
               "qwen2": {"model_type": "qwen2", "tie_word_embeddings": True}}  # Qwen2.5-Coder-0.5B ties its embeddings


@pytest.fixture(scope="module", params=list(CHECKPOINTS))
def checkpoint(request, tmp_path_factory):
    return _save_tiny_llama(tmp_path_factory.mktemp("llama") / "model", **CHECKPOINTS[request.param])


def _engines(folder, precision="fp32"):
    """(runtime, transformers) loads of one checkpoint: (model, tokenizer, spec) each."""
    ours, theirs = load_checkpoint(folder, precision, "auto"), load_checkpoint(folder, precision, "transformers")
    assert isinstance(ours[0], LlamaRuntime) and isinstance(ours[1], RuntimeTokenizer)
    assert not isinstance(theirs[0], LlamaRuntime)
    return ours, theirs


def test_logits_and_cache_equal_transformers(checkpoint):
    (ours, tokenizer, _), (theirs, _, _) = _engines(checkpoint)
    ids = torch.tensor([[tokenizer.bos_token_id] + tokenizer(CODE, add_special_tokens=False)["input_ids"]])
    head, tail = ids[:, :-4], ids[:, -4:]
    with torch.inference_mode():
        mine, reference = ours(input_ids=head, use_cache=True), theirs(input_ids=head, use_cache=True)
        assert torch.allclose(mine.logits, reference.logits, atol=1e-5)
        # Reading on from each one's cache, several tokens at once and then one.
        on, reference_on = ours(input_ids=tail[:, :3], cache=mine.cache, use_cache=True), theirs(input_ids=tail[:, :3], cache=reference.cache, use_cache=True)
        assert torch.allclose(on.logits, reference_on.logits, atol=1e-5)
        last = ours(input_ids=tail[:, 3:], cache=on.cache, use_cache=True, logits_to_keep=1)
        assert torch.allclose(last.logits, theirs(input_ids=tail[:, 3:], cache=reference_on.cache, use_cache=True).logits, atol=1e-5)
        assert last.cache.get_seq_length() == ids.shape[1]
        # A left-padded batch: the padding is masked, the real tokens read as alone.
        mask = torch.tensor([[0, 0, 0] + [1] * (ids.shape[1] - 3), [1] * ids.shape[1]])
        batch = torch.cat([torch.cat([torch.full((1, 3), tokenizer.pad_token_id), ids[:, :-3]], 1), ids])
        padded = ours(input_ids=batch, attention_mask=mask).logits
        real = mask.bool()  # padding positions read nothing anyone uses (transformers zeroes them)
        assert torch.allclose(padded[real], theirs(input_ids=batch, attention_mask=mask).logits[real], atol=1e-5)
        alone = ours(input_ids=ids).logits[0]
        assert torch.allclose(padded[1], alone, atol=1e-5) and torch.allclose(padded[0, 3:], alone[:-3], atol=1e-5)


def test_cache_crops_and_repeats_like_transformers(checkpoint):
    (ours, tokenizer, _), (theirs, _, _) = _engines(checkpoint)
    ids = torch.tensor([[tokenizer.bos_token_id] + tokenizer(CODE, add_special_tokens=False)["input_ids"]])
    next_two = torch.tensor([[5, 6], [7, 8]])
    results = []
    with torch.inference_mode():
        for model in (ours, theirs):
            cache = model(input_ids=ids, use_cache=True).cache
            cache.crop(-3)  # transformers 5's convention: a negative count of positions to remove
            assert cache.get_seq_length() == ids.shape[1] - 3
            cache.batch_repeat_interleave(2)
            results.append(model(input_ids=next_two, cache=cache, use_cache=True).logits)
    assert torch.allclose(*results, atol=1e-5)
    with pytest.raises(ValueError, match="negative count"):
        KVCache().crop(2)


def test_a_copied_cache_shares_its_tensors_and_growing_it_leaves_the_original_as_it_was(checkpoint):
    # A reader grows a copy of the prompt's cache; copying every layer's tensors cost 170 MB for a
    # 3,700-token prompt, and nothing changes them in place.
    import copy

    ours, tokenizer, _ = load_checkpoint(checkpoint, "fp32", "auto")
    ids = torch.tensor([[tokenizer.bos_token_id] + tokenizer(CODE, add_special_tokens=False)["input_ids"]])
    with torch.inference_mode():
        cache = ours(input_ids=ids[:, :-3], use_cache=True).cache
        before = [(k.clone(), v.clone()) for k, v in zip(cache.keys, cache.values)]
        twin = copy.deepcopy(cache)
        assert all(a is b for a, b in zip(twin.keys + twin.values, cache.keys + cache.values))
        ours(input_ids=ids[:, -3:], cache=twin, use_cache=True)
        twin.crop(-1)
        twin.batch_repeat_interleave(2)
        twin.select(torch.tensor([1]))
    assert cache.get_seq_length() == ids.shape[1] - 3 and twin.get_seq_length() == ids.shape[1] - 1
    assert all(torch.equal(k, k0) and torch.equal(v, v0) for (k0, v0), k, v in zip(before, cache.keys, cache.values))


def test_a_cache_holds_its_keys_and_values_in_storage_of_their_own(checkpoint):
    # The values are a view of the pass's query/key/value product: kept as they come, the cache held the
    # whole product alive (5x the values' size for SmolLM2).
    ours, tokenizer, _ = load_checkpoint(checkpoint, "fp32", "auto")
    ids = torch.tensor([[tokenizer.bos_token_id] + tokenizer(CODE, add_special_tokens=False)["input_ids"]])
    with torch.inference_mode():
        cache = ours(input_ids=ids, use_cache=True).cache
    for tensor in cache.keys + cache.values:
        assert tensor.untyped_storage().nbytes() == tensor.numel() * tensor.element_size()


@pytest.mark.parametrize("engine", ["auto", "transformers"])
def test_a_prompt_read_in_blocks_gives_the_cache_and_logits_of_one_reading(engine, checkpoint):
    # A long prompt is read a block at a time on the cache of the blocks before it: its attention mask
    # and intermediate products grow with the block, not the prompt; what the reading gives is the same.
    from codemend.training.generation import read_in_blocks

    model, tokenizer, _ = load_checkpoint(checkpoint, "fp32", engine)
    ids = torch.tensor([[tokenizer.bos_token_id] + tokenizer(CODE, add_special_tokens=False)["input_ids"]])
    mask, kept = torch.ones_like(ids), range(5, ids.shape[1] - 2)  # kept rows across block boundaries
    with torch.inference_mode():
        whole_cache, whole = read_in_blocks(model, ids, mask, kept, block=ids.shape[1])
        cache, rows = read_in_blocks(model, ids, mask, kept, block=4)
        every = model(input_ids=ids).logits[0]
        no_rows = read_in_blocks(model, ids, mask, None, block=4)[1]
    assert no_rows is None and len(rows) == len(whole) == len(kept)
    assert torch.allclose(rows[:], whole[:], atol=1e-4) and torch.allclose(rows[:], every[5:-2], atol=1e-4)
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(_layers(cache), _layers(whole_cache)))


def test_scores_naturalness_and_beams_equal_transformers(checkpoint, request):
    # The readers' own calls: packed tries with custom 4D masks, windows on a cropped cache, beam search
    # (the runtime's own, `generation.beam_search`, against transformers' `generate`).
    (ours, tokenizer, spec), (theirs, their_tokenizer, _) = _engines(checkpoint)
    results = []
    for model, tok in ((ours, tokenizer), (theirs, their_tokenizer)):
        prompt = read_prompt(model, tok, SOURCE, "causal")
        beams = [generate_from(model, tok, prompt, "causal", max_new_tokens=length, num_beams=width, num_return=width)
                 for width, length in ((1, 12), (3, 6), (8, 16), (8, 3))]
        results.append((score_targets(model, tok, SOURCE, TARGETS, "causal", prompt=prompt),
                        naturalness_deltas(model, tok, CODE, FIXES), beams))
    (scores, deltas, beams), (their_scores, their_deltas, their_beams) = results
    assert scores == pytest.approx(their_scores, abs=1e-5) and deltas == pytest.approx(their_deltas, abs=1e-4)
    for mine, reference in zip(beams, their_beams):
        assert [(b.text, b.stopped) for b in mine] == [(b.text, b.stopped) for b in reference]
        assert [b.score for b in mine] == pytest.approx([b.score for b in reference], abs=1e-4)
    stopped = [b.stopped for found in beams for b in found]
    if request.node.callspec.params["checkpoint"] in ("tied", "untied"):  # the others' random biases never reach EOS this soon
        assert any(stopped) and not all(stopped)  # beams that ended with EOS and beams cut at the length limit
    assert ours._twin is None  # the runtime's beam search did not load transformers' copy of the weights


def test_beams_after_a_forced_beginning_equal_transformers(checkpoint):
    # The runtime reads the forced beginning onto a copy of the prompt's cache; transformers' path reads it
    # as part of the prompt. Both continue it alike; the prompt itself stays reusable.
    (ours, tokenizer, _), (theirs, their_tokenizer, _) = _engines(checkpoint)
    results = []
    for model, tok in ((ours, tokenizer), (theirs, their_tokenizer)):
        prompt = read_prompt(model, tok, SOURCE, "causal")
        forced = [generate_from(model, tok, prompt, "causal", max_new_tokens=8, num_beams=3, num_return=3, prefix=prefix)
                  for prefix in ("replace 2", "insert 3\n    a =")]
        results.append((forced, generate_from(model, tok, prompt, "causal", max_new_tokens=8, num_beams=3, num_return=3)))
    (mine, free), (reference, their_free) = results
    for found, expected in zip(mine, reference):
        assert [b.text for b in found] == [b.text for b in expected]
        assert [b.score for b in found] == pytest.approx([b.score for b in expected], abs=1e-4)
    assert [b.text for b in free] == [b.text for b in their_free]
    with pytest.raises(ValueError, match="decoder-only"):
        generate_from(ours, tokenizer, read_prompt(ours, tokenizer, SOURCE, "causal"), "seq2seq", 4, prefix="replace 2")


def _first_and_second_pass(model, tokenizer, defer: bool, logits_for: range | None):
    """A deferred (or read) prompt keeping the logits of `logits_for`, a quick first pass, then the targets read to their end."""
    from codemend.training.generation import TrieReading

    prompt, reading = read_prompt(model, tokenizer, SOURCE, "causal", defer=defer, logits_for=logits_for), TrieReading()
    quick = score_targets(model, tokenizer, SOURCE, TARGETS, "causal", prompt=prompt, own_tokens=1, reading=reading)
    whole = score_targets(model, tokenizer, SOURCE, TARGETS, "causal", prompt=prompt, reading=reading)
    return prompt, quick, whole


@pytest.mark.parametrize("engine", ["auto", "transformers"])
def test_a_deferred_prompt_and_its_first_targets_share_one_pass_and_the_prompt_keeps_the_logits_asked_for(engine, checkpoint):
    # On a CPU each pass over the weights costs ~0.1 s however few its tokens: the runtime reads the prompt
    # and the first targets in one pass; what each gets is unchanged, and the prompt keeps the logits of
    # the positions asked for (a function's lines, for naturalness).
    model, tokenizer, _ = load_checkpoint(checkpoint, "fp32", engine)
    span = range(3, 9)
    passes = []
    hook = model.register_forward_hook(lambda *_: passes.append(1))
    prompt, quick, whole = _first_and_second_pass(model, tokenizer, True, span)
    shared_passes = len(passes)
    hook.remove()
    eager, eager_quick, eager_whole = _first_and_second_pass(model, tokenizer, False, span)
    assert quick == pytest.approx(eager_quick, abs=1e-5) and whole == pytest.approx(eager_whole, abs=1e-5)
    # The deferred prompt's cache and kept logits are the eager one's and a whole reading's, and beam search starts from it alike.
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(_layers(prompt.state), _layers(eager.state)))
    with torch.inference_mode():
        every = model(input_ids=prompt.input_ids).logits[0]
    assert len(prompt.logits) == len(span) and torch.allclose(prompt.logits[:], every[3:9], atol=1e-4)
    assert torch.allclose(eager.logits[:], every[3:9], atol=1e-4)
    # The runtime keeps the rows' hidden states, each row projected when asked for; transformers' model its logits.
    held = model.config.hidden_size if engine == "auto" else every.shape[-1]
    assert prompt.logits.values.shape == eager.logits.values.shape == (len(span), held)
    assert torch.allclose(prompt.logits[torch.tensor([4, 1])], every[[7, 4]], atol=1e-4) and torch.allclose(prompt.logits[2], every[5], atol=1e-4)
    beams = generate_from(model, tokenizer, prompt, "causal", max_new_tokens=4, num_beams=2, num_return=2)
    assert [b.text for b in beams] == [b.text for b in generate_from(model, tokenizer, eager, "causal", max_new_tokens=4, num_beams=2, num_return=2)]
    # transformers' cache gives out no column ranges: its prompt is read in a pass of its own.
    assert shared_passes == (3 if engine == "transformers" else 2)


def test_the_debugger_reads_a_function_for_naturalness_in_its_first_scoring_pass(checkpoint):
    # The task prompt's own reading of the numbered function is naturalness's: scoring a small space,
    # its line surprise and its candidates' deltas take two passes (the prompt and every candidate; the windows).
    from codemend.inference.debugger import Candidate, Debugger

    model, tokenizer, spec = load_checkpoint(checkpoint, "fp32", "auto")
    debugger, reference = Debugger(model, tokenizer, spec), Debugger(*load_checkpoint(checkpoint, "fp32", "transformers"))
    candidates = [Candidate(fix, 0, debugger.target_for(CODE, fix)) for fix in FIXES]
    passes = []
    hook = model.register_forward_hook(lambda *_: passes.append(1))
    scores = debugger.edit_scores(CODE, candidates)
    surprise = debugger.line_surprise(CODE)
    deltas = debugger.naturalness(CODE, candidates)
    hook.remove()
    assert len(passes) == 2
    assert scores == pytest.approx(reference.edit_scores(CODE, candidates), abs=1e-5)
    assert surprise == pytest.approx(reference.line_surprise(CODE), abs=1e-5) and len(surprise) == len(CODE.splitlines())
    assert deltas == pytest.approx(reference.naturalness(CODE, candidates), abs=1e-4)
    assert debugger._last_reading[1].numbered  # the tiny tokenizer starts every numbered line on a token boundary
    # explain's token heat is that same reading (no pass of its own), mapped back to the code's columns.
    hook = model.register_forward_hook(lambda *_: passes.append(1))
    tokens = debugger.token_surprise(CODE)
    hook.remove()
    assert len(passes) == 2 and {t.line for t in tokens} == set(range(1, len(CODE.splitlines()) + 1))
    lines = CODE.splitlines()
    assert all(t.text == lines[t.line - 1][t.start : t.end] for t in tokens)
    assert "".join(t.text for t in tokens if t.line == 5).strip() == lines[4].strip()  # the line's code, once, in order
    assert all(t.text.strip() for t in tokens)  # indents and newlines are not coloured (nor counted in line surprise)
    for number, value in surprise.items():  # a line's surprise is its tokens' mean
        mine = [t.surprise for t in tokens if t.line == number]
        assert value == pytest.approx(sum(mine) / len(mine), abs=1e-6)


def _layers(cache):
    """Every layer's keys and values, of either engine's cache."""
    if isinstance(cache, KVCache):
        return cache.keys + cache.values
    return [layer.keys for layer in cache.layers] + [layer.values for layer in cache.layers]


def test_bfloat16_runtime_reads_like_transformers_in_bfloat16(checkpoint):
    (ours, tokenizer, _), (theirs, _, _) = _engines(checkpoint, "bf16")
    assert ours.dtype == torch.bfloat16 and all(w.dtype == torch.bfloat16 for w in (ours.embed, ours.layers[0].qkv))
    ours_scores = score_targets(ours, tokenizer, SOURCE, TARGETS, "causal")
    assert ours_scores == pytest.approx(score_targets(theirs, tokenizer, SOURCE, TARGETS, "causal"), abs=0.02)


@pytest.mark.parametrize("folder", ["default", "trained"])
def test_runtime_tokenizer_equals_transformers(folder, checkpoint):
    from transformers import AutoTokenizer

    path = DEFAULT_MODEL if folder == "default" else checkpoint
    ours = RuntimeTokenizer(path, json.loads((path / "tokenizer_config.json").read_text()))
    theirs = AutoTokenizer.from_pretrained(path)
    assert (ours.bos_token_id, ours.eos_token_id, ours.pad_token_id, len(ours)) == (theirs.bos_token_id, theirs.eos_token_id, theirs.pad_token_id, len(theirs))
    texts = [CODE, "  x\t= 'é' + \"ü\"  # café ☃\n", "", "\n\n", f"a{theirs.eos_token}b", "return x , y ; print( z )"]
    for text in texts:
        for special in (True, False):
            mine, reference = ours(text, add_special_tokens=special, return_offsets_mapping=True), theirs(text, add_special_tokens=special, return_offsets_mapping=True)
            assert mine["input_ids"] == reference["input_ids"] and [tuple(o) for o in mine["offset_mapping"]] == [tuple(o) for o in reference["offset_mapping"]]
        assert torch.equal(ours(text, return_tensors="pt")["input_ids"], theirs(text, return_tensors="pt")["input_ids"])
        ids = theirs(text)["input_ids"] + [theirs.eos_token_id]
        for skip in (True, False):
            assert ours.decode(ids, skip_special_tokens=skip) == theirs.decode(ids, skip_special_tokens=skip)


def test_config_json_keys_left_out_take_llama_config_defaults():
    minimal = {"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2}
    assert RuntimeConfig.of(minimal) == RuntimeConfig(10, 8, 1, 2, 2, 4, 1e-6, 10000.0, False)  # untied, as LlamaConfig
    rope = {"rope_parameters": {"rope_type": "default", "rope_theta": 1e5}, "num_key_value_heads": 1, "head_dim": 16}
    assert RuntimeConfig.of({**minimal, **rope}) == RuntimeConfig(10, 8, 1, 2, 1, 16, 1e-6, 1e5, False)


def test_what_the_runtime_does_not_cover_loads_through_transformers(tmp_path):
    assert unsupported({"model_type": "llama"}) == [] and unsupported({"model_type": "qwen2", "layer_types": ["full_attention"]}) == []
    assert unsupported({"model_type": "qwen2", "layer_types": ["full_attention", "sliding_attention"]})
    assert unsupported({"model_type": "qwen2", "use_sliding_window": True}) and unsupported({"model_type": "qwen3"})
    assert unsupported({"model_type": "llama", "rope_parameters": {"rope_type": "llama3", "rope_theta": 5e5}})
    assert unsupported({"model_type": "llama", "rope_scaling": {"rope_type": "linear", "factor": 2.0}})
    assert unsupported({"model_type": "llama", "rope_scaling": {"type": "dynamic", "factor": 2.0}})  # the older spelling
    assert unsupported({"model_type": "llama", "hidden_act": "gelu"})
    assert tokenizer_unsupported({"tokenizer_class": "TokenizersBackend", "bos_token": "<s>"}) == []
    assert tokenizer_unsupported({"add_prefix_space": True}) and tokenizer_unsupported({"tokenizer_class": "LlamaTokenizer"})
    assert tokenizer_unsupported({"tokenizer_class": "Qwen2Tokenizer", "add_prefix_space": None, "errors": "replace", "split_special_tokens": False}) == []
    assert tokenizer_unsupported({"errors": "strict"}) and tokenizer_unsupported({"split_special_tokens": True})
    # A tensor the runtime would not read (a Qwen3-style query norm) means another computation.
    from safetensors.torch import load_file, save_file

    extra = _save_tiny_llama(tmp_path / "extra")
    tensors = load_file(extra / "model.safetensors")
    save_file({**tensors, "model.layers.0.self_attn.q_norm.weight": torch.ones(8)}, extra / "model.safetensors", metadata={"format": "pt"})
    model, tokenizer, _ = load_checkpoint(extra, "fp32", "auto")
    assert type(model).__name__ == "LlamaForCausalLM" and not isinstance(tokenizer, RuntimeTokenizer)
    older = _save_tiny_llama(tmp_path / "older")  # as transformers < 4.31 saved Llama: rotary frequencies too
    save_file({**tensors, "model.layers.0.self_attn.rotary_emb.inv_freq": torch.ones(4)}, older / "model.safetensors", metadata={"format": "pt"})
    assert isinstance(load_checkpoint(older, "fp32", "auto")[0], LlamaRuntime)
    settings = json.loads((extra / "tokenizer_config.json").read_text())
    plain = _save_tiny_llama(tmp_path / "plain")
    (plain / "tokenizer_config.json").write_text(json.dumps({**settings, "add_bos_token": True}))
    assert type(load_checkpoint(plain, "fp32", "auto")[0]).__name__ == "LlamaForCausalLM"


@pytest.mark.parametrize("engine", ["auto", "transformers"])
def test_damaged_weights_are_a_clear_error(engine, tmp_path):
    folder = _save_tiny_llama(tmp_path / "model")
    (folder / "model.safetensors").write_bytes((folder / "model.safetensors").read_bytes()[:100])
    with pytest.raises(CodemendError, match="could not be loaded.*restore it from its backup"):
        load_checkpoint(folder, "fp32", engine)


def test_unknown_engine_is_a_clear_error(checkpoint):
    with pytest.raises(CodemendError, match="--engine onnx: choose one of auto, transformers"):
        load_checkpoint(checkpoint, "fp32", "onnx")


@pytest.mark.parametrize("engine, imported", [("auto", False), ("transformers", True)])
def test_fix_without_tests_does_not_import_transformers(engine, imported, checkpoint, tmp_path):
    # The point of the runtime: a cold `codemend fix` never pays transformers' ~5 s import.
    target = tmp_path / "stats.py"
    target.write_text(CODE)
    script = ("import sys\nfrom codemend.cli import main\n"
              f"code = main(['-q', 'fix', {str(target)!r}, '--model', {str(checkpoint)!r}, '--engine', {engine!r}, '--format', 'json'])\n"
              "print('exit', code, 'transformers imported', 'transformers' in sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=os.environ.copy(), cwd=tmp_path)
    assert f"exit 0 transformers imported {imported}" in run.stdout, run.stderr[-2000:]
    assert '"line"' in run.stdout  # suggestions were printed
    assert target.read_text() == CODE
