"""`codemend train` on bad input: each fails with a CodemendError that says what is wrong and which
flag fixes it, before any expensive work, and never damages an existing checkpoint."""

import errno
from pathlib import Path

import pytest

from codemend.cli import main
from codemend.config import TrainRecipeConfig, load_config
from codemend.errors import CodemendError
from codemend.training import recipe
from codemend.training.tokenize import train_bpe_tokenizer

REPO = Path(__file__).resolve().parents[2]
TINY = str(REPO / "configs/train/tiny.yaml")
CAUSAL_TINY = str(REPO / "configs/train/causal-tiny.yaml")


def test_a_base_whose_vocabulary_is_smaller_than_its_tokenizer_is_refused(tiny_dataset, tmp_path, capsys):
    from transformers import LlamaConfig, LlamaForCausalLM

    texts = [path.read_text(errors="replace") for path in sorted((REPO / "tests/assets/corpus").rglob("*.py"))]
    tokenizer = train_bpe_tokenizer(texts, vocab_size=400)
    assert len(tokenizer) > 300
    model = LlamaForCausalLM(LlamaConfig(vocab_size=300, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=2))
    base = tmp_path / "mismatched"
    model.save_pretrained(base)
    tokenizer.save_pretrained(base)
    args = ["train", "--config", CAUSAL_TINY, "--data", str(tiny_dataset), "--out", str(tmp_path / "out"), "--model.base", str(base)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"--model.base {base}: tokenizer has {len(tokenizer)} tokens but the model only 300 embeddings" in err
    assert not (tmp_path / "out").exists()


def test_a_dataset_where_no_sample_fits_names_the_length_flags(tiny_dataset, tmp_path, capsys):
    args = ["train", "--config", TINY, "--data", str(tiny_dataset), "--out", str(tmp_path / "out"), "--model.max_source_tokens", "16"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "no train sample fits the model (dropped: {'source_too_long': 30})" in err
    assert "raise --model.max_source_tokens" in err
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no OUT.lock or OUT.partial left by the refused start


def test_an_empty_training_split_is_refused(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text("")
    assert main(["train", "--config", TINY, "--data", str(data), "--out", str(tmp_path / "out")]) == 1
    assert f"--data {data}: train.jsonl has no samples" in capsys.readouterr().err


class DiskFullModel:
    """A model whose weights do not fit on the disk."""

    def save_pretrained(self, folder):
        (Path(folder) / "model.safetensors").write_bytes(b"the first megabytes")
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_while_saving_keeps_the_previous_checkpoint(tmp_path):
    out = tmp_path / "model"
    out.mkdir()
    (out / "model.safetensors").write_bytes(b"previous weights")
    (out / "config.yaml").write_text("previous: config\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    config = load_config(TrainRecipeConfig, TINY, {"data": str(tmp_path), "out": str(out), "overwrite": True}, check_paths=False)

    with pytest.raises(CodemendError) as caught:
        recipe.save(config, DiskFullModel(), tokenizer=None, report=recipe.TrainReport(out=str(out)), sample_batch={})
    message = str(caught.value)
    assert f"the disk is full: no space left on the device holding {tmp_path.resolve()} while writing {out}" in message
    assert f"{out} is unchanged" in message
    assert f"the training checkpoints are in {tmp_path / 'model.partial'}" in message and "--resume" in message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no half-written temporary folder, no backup


def test_other_write_errors_are_not_called_a_full_disk(tmp_path):
    class ReadOnly:
        def save_pretrained(self, folder):
            raise PermissionError(errno.EACCES, "Permission denied")

    config = load_config(TrainRecipeConfig, TINY, {"data": str(tmp_path), "out": str(tmp_path / "model")}, check_paths=False)
    with pytest.raises(PermissionError):
        recipe.save(config, ReadOnly(), tokenizer=None, report=recipe.TrainReport(out=config.out), sample_batch={})
    assert list(tmp_path.iterdir()) == []

