"""`--model.lora_save_merged false`: the checkpoint holds only the LoRA adapter and the name of its
base; loading it merges the adapter onto the base (exactly what peft's own merge gives), caches the
merge under CODEMEND_CACHE/merged, and fails with a clear error when the base is gone."""

import json
import shutil
from pathlib import Path

import pytest

from codemend.cli import main
from codemend.config import ConfigError, TrainRecipeConfig, load_config
from codemend.errors import CodemendError
from codemend.training.checkpoint import SPEC_FILE, TaskSpec, is_adapter_only, load_checkpoint

REPO = Path(__file__).resolve().parents[2]
CAUSAL_TINY = str(REPO / "configs/train/causal-tiny.yaml")
CODE = "def add(a, b):\n    return a - b\n"


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    """A tiny random Llama and a BPE tokenizer trained on the test corpus, saved as a pretrained folder."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from codemend.training.tokenize import train_bpe_tokenizer

    texts = [path.read_text(errors="replace") for path in sorted((REPO / "tests/assets/corpus").rglob("*.py"))]
    tokenizer = train_bpe_tokenizer(texts, vocab_size=600)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                         num_key_value_heads=2, max_position_embeddings=4096, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True)
    folder = tmp_path_factory.mktemp("bases") / "tiny-llama"
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def adapter_checkpoint(tmp_path_factory, tiny_dataset, tiny_base) -> Path:
    out = tmp_path_factory.mktemp("adapter") / "model"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CODEMEND_CACHE", str(tmp_path_factory.mktemp("train-cache")))
        assert main(["-q", "train", "--config", CAUSAL_TINY, "--data", str(tiny_dataset), "--out", str(out),
                     "--model.base", str(tiny_base), "--model.lora", "true", "--model.lora_save_merged", "false",
                     "--model.lora_target_modules", "q_proj", "v_proj", "--train.max_steps", "2", "--train.batch_size", "2",
                     "--train.eval_every", "0", "--max_train_samples", "8", "--model.max_source_tokens", "2048"]) == 0
    return out


def logits(model, tokenizer, text: str = CODE):
    import torch

    with torch.no_grad():
        return model(input_ids=tokenizer(text, return_tensors="pt")["input_ids"]).logits


def relocated(checkpoint: Path, base: Path, tmp_path: Path) -> Path:
    """A copy of `checkpoint` whose codemend.json names `base` (as if the base had been moved there)."""
    copy = tmp_path / "checkpoint"
    shutil.copytree(checkpoint, copy)
    spec = json.loads((copy / SPEC_FILE).read_text())
    (copy / SPEC_FILE).write_text(json.dumps({**spec, "base": str(base)}))
    return copy


def test_the_checkpoint_holds_the_adapter_and_names_its_base_but_no_full_weights(adapter_checkpoint, tiny_base):
    assert (adapter_checkpoint / "adapter" / "adapter_config.json").is_file()
    assert (adapter_checkpoint / "adapter" / "adapter_model.safetensors").is_file()
    assert not (adapter_checkpoint / "model.safetensors").exists()
    assert (adapter_checkpoint / "tokenizer.json").is_file()
    assert is_adapter_only(adapter_checkpoint)
    assert TaskSpec.load(adapter_checkpoint).base == str(tiny_base.resolve())


def test_loading_merges_like_peft_and_then_reads_the_cached_merge(adapter_checkpoint, tiny_base, tmp_path, monkeypatch):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    cache = tmp_path / "cache"
    monkeypatch.setenv("CODEMEND_CACHE", str(cache))
    base = tmp_path / "base"
    shutil.copytree(tiny_base, base)
    checkpoint = relocated(adapter_checkpoint, base, tmp_path)

    model, tokenizer, spec = load_checkpoint(checkpoint)
    assert spec.base == str(base) and not model.training
    base_model = AutoModelForCausalLM.from_pretrained(base)
    before = logits(base_model, tokenizer)
    expected = logits(PeftModel.from_pretrained(base_model, checkpoint / "adapter").merge_and_unload(), tokenizer)
    got = logits(model, tokenizer)
    assert torch.allclose(got, expected, atol=1e-5)
    assert (got - before).abs().max() > 1e-4  # the two training steps moved the adapter away from the identity

    [merged] = (cache / "merged").iterdir()
    assert (merged / "model.safetensors").is_file() and not list((cache / "merged").glob("*.partial-*"))
    stamp = (merged / "model.safetensors").stat().st_mtime_ns
    shutil.rmtree(base)  # a second load must not need the base: it reads the cached merge
    again, _, _ = load_checkpoint(checkpoint)
    assert torch.allclose(logits(again, tokenizer), got, atol=1e-6)
    assert (merged / "model.safetensors").stat().st_mtime_ns == stamp
    assert [merged] == list((cache / "merged").iterdir())


def test_a_missing_base_is_a_clear_error(adapter_checkpoint, tmp_path, monkeypatch):
    monkeypatch.setenv("CODEMEND_CACHE", str(tmp_path / "cache"))
    gone = tmp_path / "moved-away"
    checkpoint = relocated(adapter_checkpoint, gone, tmp_path)
    with pytest.raises(CodemendError) as err:
        load_checkpoint(checkpoint)
    message = str(err.value)
    assert str(gone) in message and "--model.lora_save_merged true" in message
    assert not (tmp_path / "cache" / "merged").exists() or not any((tmp_path / "cache" / "merged").iterdir())


def test_lora_needs_a_base(tmp_path):
    overrides = {"data": str(tmp_path), "model.lora": "true", "model.lora_save_merged": "false"}
    with pytest.raises(ConfigError) as err:
        load_config(TrainRecipeConfig, CAUSAL_TINY, overrides)
    assert any("--model.lora true needs --model.base" in problem for problem in err.value.problems)
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "config.json").write_text('{"model_type": "llama"}')  # a causal base, as the recipe's arch
    assert load_config(TrainRecipeConfig, CAUSAL_TINY, {**overrides, "model.base": str(tmp_path / "base")}).model.lora_save_merged is False


def test_a_relative_base_folder_is_recorded_as_an_absolute_path(tmp_path, monkeypatch):
    from codemend.config import ModelConfig, TaskConfig

    (tmp_path / "bases" / "mine").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    spec = TaskSpec.from_configs(ModelConfig(arch="causal", base="bases/mine"), TaskConfig())
    assert spec.base == str(tmp_path.resolve() / "bases" / "mine")  # still found after `cd elsewhere`
    for name in ("smollm2-135m", "Qwen/Qwen2.5-Coder-0.5B"):  # named bases and hub ids stay as they are
        assert TaskSpec.from_configs(ModelConfig(arch="causal", base=name), TaskConfig()).base == name


def test_a_continued_adapter_keeps_its_tuned_ranking_weight(tmp_path):
    from dataclasses import replace

    from codemend.config import ModelConfig, TaskConfig
    from codemend.training.checkpoint import spec_for_training

    model, task = ModelConfig(arch="causal", base="smollm2-135m", lora=True), TaskConfig()
    tuned = tmp_path / "tuned"
    (tuned / "adapter").mkdir(parents=True)
    replace(TaskSpec.from_configs(model, task), naturalness_weight=0.05).save(tuned)
    for init in (tuned, tuned / "adapter"):  # the checkpoint folder, or its adapter/ inside it
        assert spec_for_training(replace(model, lora_init=str(init)), task).naturalness_weight == 0.05
    (tmp_path / "bare").mkdir()  # an adapter saved by peft alone: nothing tuned to keep
    assert spec_for_training(replace(model, lora_init=str(tmp_path / "bare")), task).naturalness_weight == 0.0
    assert spec_for_training(model, task).naturalness_weight == 0.0  # a fresh adapter starts untuned


def test_lora_init_continues_the_saved_adapter(adapter_checkpoint, tiny_base):
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    from codemend.training.lora import add_lora

    config = load_config(TrainRecipeConfig, CAUSAL_TINY, {
        "model.base": str(tiny_base), "model.lora": True, "model.lora_target_modules": ["q_proj", "v_proj"],
        "model.lora_init": str(adapter_checkpoint)}, check_paths=False)
    model = add_lora(AutoModelForCausalLM.from_pretrained(tiny_base), config.model)
    saved = load_file(adapter_checkpoint / "adapter" / "adapter_model.safetensors")
    mine = {name: p for name, p in model.named_parameters() if "lora_" in name}
    assert len(mine) == len(saved) and all(p.requires_grad for p in mine.values())
    for name, tensor in saved.items():
        (match,) = [p for key, p in mine.items() if key.replace(".default", "") == name]
        assert torch.equal(match.detach(), tensor)
    assert any(tensor.abs().sum() > 0 for name, tensor in saved.items() if "lora_B" in name)  # trained, not a fresh init


def test_lora_init_must_match_the_adapter(adapter_checkpoint, tiny_base, tmp_path):
    from transformers import AutoModelForCausalLM

    from codemend.training.lora import add_lora

    def attempt(**overrides):
        values = {"model.base": str(tiny_base), "model.lora": True, "model.lora_target_modules": ["q_proj", "v_proj"],
                  "model.lora_init": str(adapter_checkpoint), **overrides}
        add_lora(AutoModelForCausalLM.from_pretrained(tiny_base), load_config(TrainRecipeConfig, CAUSAL_TINY, values, check_paths=False).model)

    with pytest.raises(CodemendError, match=r"--model.lora_r 4 \(the adapter has 8\)"):
        attempt(**{"model.lora_r": 4})
    attempt(**{"model.lora_target_modules": []})  # empty means "the adapter's own", not a mismatch
    with pytest.raises(CodemendError, match="no adapter_config.json"):
        attempt(**{"model.lora_init": str(tmp_path)})
    with pytest.raises(ConfigError, match="--model.lora_init continues a LoRA adapter"):
        load_config(TrainRecipeConfig, CAUSAL_TINY, {"model.lora_init": str(adapter_checkpoint)}, check_paths=False)
