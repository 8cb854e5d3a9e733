"""The configs for real pretrained code models (configs/train/codet5-small.yaml, qwen2.5-coder-0.5b-lora.yaml)
run end to end on tiny random models of the same architectures and tokenizer classes, saved to a
folder the way the hub's are; a hub id that cannot be fetched is a clear error."""

import json

import pytest

from codemend.cli import main
from codemend.training.checkpoint import load_checkpoint
from codemend.training.generation import generate

CODET5 = "configs/train/codet5-small.yaml"
QWEN = "configs/train/qwen2.5-coder-0.5b-lora.yaml"
TEXTS = ["def add(a, b):\n    return a + b\n", "for item in items:\n    if item is None:\n        continue\n"] * 4
# Sizes that make the tiny dataset fit a tokenizer with few merges, and keep the run to seconds.
SMALL_RUN = ["--train.max_steps", "2", "--train.batch_size", "2", "--train.grad_accum", "2", "--train.eval_every", "0",
             "--train.threads", "2", "--max_train_samples", "16", "--model.max_source_tokens", "4096", "--model.max_target_tokens", "512"]


def byte_level_bpe(special_tokens: list[str]) -> tuple[dict, list[tuple[str, str]]]:
    """(vocab, merges) of a small byte-level BPE, special tokens first, as the real tokenizers have them."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.train_from_iterator(TEXTS, trainers.BpeTrainer(vocab_size=400, special_tokens=special_tokens, show_progress=False,
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    model = json.loads(core.to_str())["model"]
    return model["vocab"], [tuple(pair) for pair in model["merges"]]


@pytest.fixture(scope="module")
def tiny_codet5(tmp_path_factory):
    """Salesforce/codet5-small's layout: RobertaTokenizer (<pad>=0, <s>, </s>), T5 with ReLU FF, tied embeddings."""
    from transformers import RobertaTokenizer, T5Config, T5ForConditionalGeneration

    folder = tmp_path_factory.mktemp("codet5-small")
    tokenizer = RobertaTokenizer(*byte_level_bpe(["<pad>", "<s>", "</s>", "<unk>", "<mask>"]))
    config = T5Config(vocab_size=len(tokenizer), d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2, feed_forward_proj="relu",
                      dropout_rate=0.1, pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=0, tie_word_embeddings=True)
    T5ForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_qwen_coder(tmp_path_factory):
    """Qwen/Qwen2.5-Coder-0.5B's layout: Qwen2Tokenizer without a BOS token, pad = eos = <|endoftext|>, GQA, tied embeddings."""
    from transformers import Qwen2Config, Qwen2ForCausalLM, Qwen2Tokenizer

    folder = tmp_path_factory.mktemp("qwen2.5-coder")
    tokenizer = Qwen2Tokenizer(*byte_level_bpe(["<|endoftext|>"]))
    end = tokenizer.eos_token_id
    config = Qwen2Config(vocab_size=len(tokenizer) + 8, hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                         num_key_value_heads=1, max_position_embeddings=8192, bos_token_id=end, eos_token_id=end, tie_word_embeddings=True)
    Qwen2ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def train_and_load(config: str, base, tiny_dataset, out):
    assert main(["-q", "train", "--config", config, "--model.base", str(base), "--data", str(tiny_dataset), "--out", str(out), *SMALL_RUN]) == 0
    model, tokenizer, spec = load_checkpoint(out)
    [[generation]] = generate(model, tokenizer, ["def f(a):\n    return a - 1\n"], spec.arch, max_new_tokens=4)
    assert isinstance(generation.text, str)
    return model, spec, json.loads((out / "meta.json").read_text())


def test_codet5_small_config_fine_tunes_every_weight(tiny_codet5, tiny_dataset, tmp_path):
    model, spec, meta = train_and_load(CODET5, tiny_codet5, tiny_dataset, tmp_path / "out")
    assert type(model).__name__ == "T5ForConditionalGeneration" and spec.arch == "seq2seq"
    assert meta["train"]["steps"] == 2 and meta["train"]["trainable_parameters"] == meta["train"]["parameters"]
    assert "fine-tuned from" in (tmp_path / "out" / "README.md").read_text()


def test_qwen_coder_lora_config_trains_an_adapter(tiny_qwen_coder, tiny_dataset, tmp_path):
    out = tmp_path / "out"
    model, spec, meta = train_and_load(QWEN, tiny_qwen_coder, tiny_dataset, out)
    # Inference runs the merged Qwen2 on codemend's own forward pass; transformers' model on request.
    assert type(model).__name__ == "LlamaRuntime" and spec.arch == "causal"
    assert type(load_checkpoint(out, engine="transformers")[0]).__name__ == "Qwen2ForCausalLM"
    assert meta["train"]["steps"] == 2 and 0 < meta["train"]["trainable_parameters"] < meta["train"]["parameters"] / 2
    adapter = json.loads((out / "adapter" / "adapter_config.json").read_text())
    assert adapter["r"] == 16 and adapter["lora_alpha"] == 32
    assert set(adapter["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}


@pytest.mark.parametrize("config, hub_id", [(CODET5, "Salesforce/codet5-small"), (QWEN, "Qwen/Qwen2.5-Coder-0.5B")])
def test_a_hub_id_offline_is_an_error_that_says_what_to_do(config, hub_id, tiny_dataset, tmp_path, capsys):
    assert main(["train", "--config", config, "--data", str(tiny_dataset), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert f"--model.base {hub_id}: not a local folder or a named base" in err and "give a local checkpoint folder" in err
    assert not (tmp_path / "x").exists()
