"""`codemend train` on tiny models: checkpoints load through the Auto classes, every parameter
learns, both model families work, pretrained folders fine-tune, bad checkpoints fail clearly."""

import json

import pytest
import torch

from codemend.cli import main
from codemend.config import TrainRecipeConfig, load_config
from codemend.errors import CodemendError
from codemend.training.checkpoint import build_scratch_model, load_checkpoint

REPO_TINY = "configs/train/tiny.yaml"


def test_checkpoint_loads_with_auto_classes(tiny_model):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_model)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    assert model.config.vocab_size == len(tokenizer)
    assert json.loads((tiny_model / "codemend.json").read_text())["output_format"] == "edit"


def test_every_trainable_parameter_changed(tiny_model):
    from transformers import AutoTokenizer

    config = load_config(TrainRecipeConfig, str(tiny_model / "config.yaml"), check_paths=False)
    initial = build_scratch_model(config.model, AutoTokenizer.from_pretrained(tiny_model), config.seed)
    trained, _, _ = load_checkpoint(tiny_model)
    trained_params = dict(trained.named_parameters())
    for name, param in initial.named_parameters():
        if param.requires_grad:
            assert not torch.equal(param, trained_params[name]), f"{name} did not change"


def test_causal_family_trains_and_generates(causal_model, tiny_dataset, tmp_path):
    out = causal_model
    model, tokenizer, spec = load_checkpoint(out, engine="transformers")
    assert spec.arch == "causal" and type(model).__name__ == "LlamaForCausalLM"
    assert type(load_checkpoint(out)[0]).__name__ == "LlamaRuntime"  # what inference runs it on by default
    assert main(["-q", "eval", "--model", str(out), "--data", str(tiny_dataset), "--limit", "3", "--num_beams", "2", "--out", str(tmp_path / "e")]) == 0
    assert json.loads((tmp_path / "e" / "metrics.json").read_text())["samples"] == 3


def test_fine_tune_from_a_local_pretrained_folder(tiny_model, tiny_dataset, tmp_path):
    out = tmp_path / "tuned"
    args = ["-q", "train", "--config", REPO_TINY, "--data", str(tiny_dataset), "--out", str(out),
            "--model.base", str(tiny_model), "--train.max_steps", "2"]
    assert main(args) == 0
    assert "fine-tuned from" in (out / "README.md").read_text()
    # 2 steps x 4 samples: the passes over the data, not the Trainer's "epoch" over its repeated order.
    train = json.loads((out / "meta.json").read_text())["train"]
    assert train["data_passes"] == pytest.approx(2 * 4 / train["train_samples"], abs=1e-3) and train["data_passes"] > 0
    assert f"{train['data_passes']:g} passes over the training samples" in (out / "README.md").read_text()


def test_missing_base_and_incomplete_checkpoint_fail_clearly(tiny_model, tiny_dataset, tmp_path, capsys):
    args = ["train", "--config", REPO_TINY, "--data", str(tiny_dataset), "--out", str(tmp_path / "x"), "--model.base", "org/not-here"]
    assert main(args) == 2  # said with the config's problems, before any data is read
    err = capsys.readouterr().err
    assert "--model.base org/not-here: not a local folder or a named base" in err and "give a local checkpoint folder" in err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_model / "config.json").read_text())
    with pytest.raises(CodemendError, match=r"missing model weights .*tokenizer.*codemend.json.*it has: config.json"):
        load_checkpoint(broken)
    # A tokenizer_config.json alone is no tokenizer (it was a library's "Couldn't instantiate the backend tokenizer").
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    (copy / "tokenizer.json").unlink()
    assert (copy / "tokenizer_config.json").is_file()
    with pytest.raises(CodemendError, match=r"is incomplete: missing tokenizer \(tokenizer.json\)"):
        load_checkpoint(copy)
    # Nor is a tokenizer.json alone: transformers guessed the class from config.json (a T5 tokenizer) and failed on its vocabulary.
    (copy / "tokenizer_config.json").rename(copy / "tokenizer.json.config")
    shutil.copy(tiny_model / "tokenizer.json", copy / "tokenizer.json")
    with pytest.raises(CodemendError, match=r"is incomplete: missing tokenizer_config.json; it has: "):
        load_checkpoint(copy)
    with pytest.raises(CodemendError, match=r"model folder .*config.json is a file; pass --model with a folder written by"):
        load_checkpoint(copy / "config.json")


def test_a_damaged_task_spec_is_named_with_what_is_wrong(tiny_model, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    spec = copy / "codemend.json"
    good = json.loads(spec.read_text())
    for text, said in [('{"arch": ', r"codemend.json could not be read \(Expecting value"),
                       ("[]", "is not a codemend task spec: expected a JSON object, got list"),
                       (json.dumps({"arch": "rnn"}), r"no 'output_format'; .*arch 'rnn' is not one of seq2seq, causal"),
                       (json.dumps({**good, "include_trace": 1, "max_source_tokens": "768"}),
                        r"include_trace is 1, not true or false; max_source_tokens is \"768\", not a whole number")]:
        spec.write_text(text)
        with pytest.raises(CodemendError, match=said + ".*restore the folder from its backup, or train it again"):
            load_checkpoint(copy)
    spec.write_bytes(b"\xff\xfe{")
    with pytest.raises(CodemendError, match="could not be read"):
        load_checkpoint(copy)
    # Said at configuration time, with the run's other problems, before any model loads.
    from codemend.config import model_problems

    (problem,) = model_problems(str(copy), allowed=("default",))
    assert problem.startswith(f"--model: {spec} could not be read") and "train it again" in problem
    spec.write_text(json.dumps(good))
    assert model_problems(str(copy), allowed=("default",)) == []


def test_a_failed_final_save_keeps_the_trained_adapter_and_a_new_run_does_not_wipe_it(tiny_model, tiny_dataset, tmp_path, capsys, monkeypatch):
    import codemend.training.lora as lora

    def merge_fails(model, batch):  # as on a GPU once: the merge check raised after all the training
        raise RuntimeError("Expected all tensors to be on the same device")

    monkeypatch.setattr(lora, "merge_with_parity", merge_fails)
    out = tmp_path / "lora"
    args = ["train", "--config", REPO_TINY, "--data", str(tiny_dataset), "--out", str(out), "--model.base", str(tiny_model),
            "--model.lora", "true", "--model.lora_target_modules", "q", "v", "--train.max_steps", "3", "--train.save_every", "0"]
    assert main(args) == 1
    kept = tmp_path / "lora.partial" / "final-adapter"
    err = capsys.readouterr().err
    assert "same device" in err and f"the trained adapter is kept in {kept}" in err
    assert (kept / "adapter_model.safetensors").is_file() and (kept / "adapter_config.json").is_file()
    assert json.loads((kept / "train_report.json").read_text())["steps"] == 3
    assert not out.exists() and not list(tmp_path.glob(".lora.tmp-*"))
    monkeypatch.undo()
    assert main(args) == 1  # starting again into the same --out would remove the partial folder
    assert "last saved: final-adapter/" in capsys.readouterr().err and kept.is_dir()


def test_time_budget_stops_training_early_and_still_saves(tiny_dataset, tmp_path):
    out = tmp_path / "timed"
    assert main(["-q", "train", "--config", REPO_TINY, "--data", str(tiny_dataset), "--out", str(out),
                 "--train.max_steps", "500", "--train.max_minutes", "0.0001"]) == 0
    meta = json.loads((out / "meta.json").read_text())
    assert meta["train"]["stopped_by_time"] and meta["train"]["steps"] < 500


def test_existing_checkpoint_is_kept_without_overwrite(tiny_model, tiny_dataset, capsys):
    before = (tiny_model / "model.safetensors").read_bytes()
    assert main(["train", "--config", REPO_TINY, "--data", str(tiny_dataset), "--out", str(tiny_model)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert (tiny_model / "model.safetensors").read_bytes() == before


def test_lora_trains_an_adapter_and_saves_merged_weights_with_parity(tiny_model, tiny_dataset, tmp_path, capsys):
    out = tmp_path / "lora"
    assert main(["-q", "train", "--config", REPO_TINY, "--data", str(tiny_dataset), "--out", str(out), "--model.base", str(tiny_model),
                 "--model.lora", "true", "--model.lora_target_modules", "q", "v", "--train.max_steps", "3"]) == 0
    meta = json.loads((out / "meta.json").read_text())
    assert meta["train"]["trainable_parameters"] < meta["train"]["parameters"] / 2
    assert meta["train"]["lora_merge_max_diff"] < 1e-4
    assert (out / "adapter" / "adapter_config.json").is_file()
    model, _, _ = load_checkpoint(out)  # merged weights load as a plain model
    assert not any("lora" in name for name, _ in model.named_parameters())
    assert main(["train", "--config", REPO_TINY, "--data", str(tiny_dataset), "--out", str(tmp_path / "bad"), "--model.base", str(tiny_model),
                 "--model.lora", "true", "--model.lora_target_modules", "q_proj"]) == 1
    err = capsys.readouterr().err
    assert "q_proj not in this model" in err and "its linear layers are:" in err


def test_a_run_shorter_than_its_logging_interval_says_so_instead_of_a_nan_loss(tiny_dataset, tmp_path, capsys):
    assert main(["train", "--config", REPO_TINY, "--data", str(tiny_dataset), "--out", str(tmp_path / "short"),
                 "--train.max_steps", "1", "--train.log_every", "5"]) == 0
    out = capsys.readouterr().out
    assert "no loss logged (--train.log_every 5, more than the 1 steps)" in out and "nan" not in out
    assert out.index("resolved config:\n") < out.index("saved ")  # said once the run starts, before its outcome
    card = (tmp_path / "short" / "README.md").read_text()
    assert "No training loss was logged: the run's 1 steps ended before the first log" in card and "nan" not in card


@pytest.mark.slow  # ~18 s: a `codemend train` process of its own (CI's 10 minutes)
def test_quiet_training_prints_only_its_outcome(tiny_dataset, tmp_path):
    # -q is "only warnings and errors on stderr": the resolved config, the progress bars and the
    # Trainer's log dicts were printed anyway. A process of its own: progress bars are set at import.
    import subprocess
    import sys

    args = ["-q", "train", "--config", REPO_TINY, "--data", str(tiny_dataset), "--out", str(tmp_path / "m"), "--train.max_steps", "2",
            "--train.log_every", "1"]
    done = subprocess.run([sys.executable, "-m", "codemend", *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("saved ") and done.stdout.count("\n") == 1, done.stdout
    assert "'loss'" not in done.stderr and "it/s" not in done.stderr, done.stderr
