"""`codemend train --resume`: a run killed with SIGKILL continues from its newest complete checkpoint
and ends exactly where the uninterrupted run ends; a changed config, a missing or a leftover partial
folder fail clearly; a half-written checkpoint is never resumed from; the data order is fixed by the seed."""

import json
import logging
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from codemend.cli import main
from codemend.config import TrainRecipeConfig, load_config
from codemend.errors import CodemendError
from codemend.training import resume

REPO = Path(__file__).resolve().parents[2]
TINY = str(REPO / "configs/train/tiny.yaml")
# 30 training rows in batches of 4: checkpoint-12 lies in the middle of the second pass over the
# data, where resuming with the Trainer's own length-grouped sampler reads other rows (it reshuffles
# from the global RNG). 16 more steps leave the kill time to land before the run ends.
KILL_AT, STEPS = 12, 28


def train_args(data: Path, out: Path, *extra: str) -> list[str]:
    return ["train", "--config", TINY, "--data", str(data), "--out", str(out), "--train.max_steps", str(STEPS),
            "--train.save_every", "4", "--train.log_every", "1", "--train.eval_every", "8", "--train.eval_samples", "4", *extra]


def logged_losses(out: Path) -> dict[int, float]:
    return {step: loss for step, loss in json.loads((out / "train_log.json").read_text())["loss"]}


@pytest.mark.slow
def test_a_killed_run_resumes_exactly_where_it_stopped(tiny_dataset, tmp_path, capfd):
    out = tmp_path / "killed"
    partial = tmp_path / "killed.partial"
    log = tmp_path / "killed.log"
    with open(log, "w") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "codemend", "-q", *train_args(tiny_dataset, out)],
                                cwd=REPO, stdout=handle, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while not resume.is_complete(partial / f"checkpoint-{KILL_AT}"):
            assert proc.poll() is None, f"the run ended before checkpoint-{KILL_AT} was written:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no checkpoint-{KILL_AT} after 300 s"
            time.sleep(0.01)
    finally:
        proc.kill()  # SIGKILL: no handler, no cleanup runs
        proc.wait()
    assert not out.exists(), "the run finished before it was killed; the test proves nothing"
    resumed_from = resume.checkpoint_step(Path(resume.latest_checkpoint(partial)))
    assert KILL_AT <= resumed_from < STEPS
    # What a kill in the middle of writing the next checkpoint leaves behind: no trainer_state.json.
    torn = partial / f"checkpoint-{STEPS + 4}"
    torn.mkdir(exist_ok=True)
    (torn / "model.safetensors").write_bytes(b"half a file")

    capfd.readouterr()
    assert main(["-q", *train_args(tiny_dataset, out), "--resume"]) == 0
    assert not partial.exists()
    assert "missing keys" not in capfd.readouterr().err  # the tied head, saved once as the embedding, is not missing
    whole = tmp_path / "whole"
    assert main(["-q", *train_args(tiny_dataset, whole)]) == 0

    expected, got = logged_losses(whole), logged_losses(out)
    assert sorted(got) == list(range(1, STEPS + 1))
    # TensorBoard shows every step too: the killed run's logs waited in OUT.partial for the resumed one.
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(out / "tensorboard"))
    events.Reload()
    assert sorted({event.step for event in events.Scalars("train/loss")}) == list(range(1, STEPS + 1))
    for step in range(resumed_from + 1, STEPS + 1):
        assert got[step] == pytest.approx(expected[step], rel=1e-4), f"step {step}"
    from safetensors.torch import load_file

    best_steps = [json.loads((folder / "meta.json").read_text())["train"]["best_step"] for folder in (out, whole)]
    assert best_steps[0] == best_steps[1] is not None  # the best evaluation is chosen among those before the kill too
    final, reference = load_file(out / "model.safetensors"), load_file(whole / "model.safetensors")
    assert final.keys() == reference.keys()
    for name, tensor in reference.items():
        torch.testing.assert_close(final[name], tensor, rtol=1e-4, atol=1e-6, msg=name)


def tiny_config(data: Path, out: Path, **overrides) -> TrainRecipeConfig:
    return load_config(TrainRecipeConfig, TINY, {"data": str(data), "out": str(out), **overrides})


def test_resume_needs_the_partial_folder_and_the_same_config(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "model"
    assert main(["train", "--config", TINY, "--data", str(tiny_dataset), "--out", str(out), "--resume"]) == 1
    refused = capsys.readouterr()
    assert f"no interrupted run to resume ({out}.partial does not exist); run without --resume" in refused.err
    assert "resolved config" not in refused.out  # the refusal alone, not under a screen of settings

    assert resume.prepare(tiny_config(tiny_dataset, out)) is None  # what a run does before training
    assert (tmp_path / "model.partial" / "config.yaml").is_file()
    changed = ["train", "--config", TINY, "--data", str(tiny_dataset), "--out", str(out), "--resume",
               "--train.lr", "0.002", "--model.d_model", "64"]
    assert main(changed) == 1
    err = capsys.readouterr().err
    assert "was written by a different config: model.d_model 32 vs 64; train.lr 0.003 vs 0.002" in err
    assert "rerun without --resume" in err
    meta = tmp_path / "model.partial" / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "world_size": 2}))
    assert main(["train", "--config", TINY, "--data", str(tiny_dataset), "--out", str(out), "--resume"]) == 1
    assert "was started with 2 process(es), this one has 1" in capsys.readouterr().err
    # A new time budget, checkpoint interval or number of batch workers does not change what is computed.
    resume.check_same_config(tmp_path / "model.partial", tiny_config(tiny_dataset, out, **{"train.max_minutes": 5, "train.save_every": 7, "train.workers": 2, "resume": True}))


def test_a_run_started_before_a_setting_existed_resumes_with_the_value_it_ran_with(tiny_dataset, tmp_path):
    import yaml

    out = tmp_path / "model"
    resume.prepare(tiny_config(tiny_dataset, out))
    saved = tmp_path / "model.partial" / "config.yaml"
    old = yaml.safe_load(saved.read_text())
    del old["train"]["eval_loss_samples"], old["train"]["eval_mode"]  # as an older codemend wrote it
    saved.write_text(yaml.safe_dump(old))
    with pytest.raises(CodemendError, match="train.eval_loss_samples 0 vs 256"):  # it read the whole split
        resume.check_same_config(tmp_path / "model.partial", tiny_config(tiny_dataset, out))
    resume.check_same_config(tmp_path / "model.partial", tiny_config(tiny_dataset, out, **{"train.eval_loss_samples": 0}))


def test_resume_reads_a_path_as_the_folder_it_names_from_where_the_run_started(tiny_dataset, tmp_path, monkeypatch):
    (tmp_path / "started").mkdir()
    (tmp_path / "elsewhere").mkdir()
    shutil.copytree(tiny_dataset, tmp_path / "started" / "data")
    monkeypatch.chdir(tmp_path / "started")
    resume.prepare(load_config(TrainRecipeConfig, TINY, {"data": "data", "out": "model"}))  # config.yaml: data: data
    partial = tmp_path / "started" / "model.partial"
    resume.check_same_config(partial, load_config(TrainRecipeConfig, TINY, {"data": "./data/", "out": "./model"}))
    monkeypatch.chdir(tmp_path / "elsewhere")
    resume.check_same_config(partial, load_config(TrainRecipeConfig, TINY, {"data": "../started/data", "out": "../started/model"}))
    shutil.copytree(tiny_dataset, tmp_path / "elsewhere" / "data")
    with pytest.raises(CodemendError, match=re.escape(f"different config: data data (from {tmp_path / 'started'}) vs data "
                                                      f"(from {tmp_path / 'elsewhere'}) (saved vs now)")):
        resume.check_same_config(partial, load_config(TrainRecipeConfig, TINY, {"data": "data", "out": "../started/model"}))


def test_a_run_resumed_in_a_moved_project_compares_its_paths_as_typed(tiny_dataset, tmp_path, monkeypatch):
    """The folder the run started in is gone (the project moved, or ran in a container): its names stand."""
    shutil.copytree(tiny_dataset, tmp_path / "old" / "data")
    monkeypatch.chdir(tmp_path / "old")
    resume.prepare(load_config(TrainRecipeConfig, TINY, {"data": "data", "out": "model"}))
    (tmp_path / "old").rename(tmp_path / "new")
    monkeypatch.chdir(tmp_path / "new")
    resume.check_same_config(tmp_path / "new" / "model.partial", load_config(TrainRecipeConfig, TINY, {"data": "data", "out": "model"}))


def test_a_base_by_name_is_not_a_folder_of_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "smollm2-135m").mkdir()
    (tmp_path / "runs" / "base").mkdir(parents=True)
    assert not resume.same_value("model.base", "smollm2-135m", "./smollm2-135m", str(tmp_path))
    assert not resume.same_value("model.lora_init", "default", "./default", str(tmp_path))
    assert resume.same_value("model.base", "runs/base", str(tmp_path / "runs" / "." / "base"), str(tmp_path))
    # A hub id names no folder: the same id is the same base from anywhere, another id is another base.
    assert resume.same_value("model.base", "org/coder", "org/coder", "/elsewhere")
    assert not resume.same_value("model.base", "org/coder", "./org/coder", str(tmp_path))
    assert not resume.same_value("train.lr", 0.1, 0.2, str(tmp_path))


def test_a_leftover_partial_folder_needs_resume_or_overwrite(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "model"
    partial = tmp_path / "model.partial"
    resume.prepare(tiny_config(tiny_dataset, out))
    write_checkpoint(partial, 4, json.dumps({"global_step": 4}))
    assert main(["train", "--config", TINY, "--data", str(tiny_dataset), "--out", str(out)]) == 1
    assert f"{partial} holds an interrupted run of --out {out} (last saved: checkpoint-4); pass --resume" in capsys.readouterr().err
    assert (partial / "checkpoint-4").is_dir()  # refused, so nothing was discarded
    assert resume.prepare(tiny_config(tiny_dataset, out, overwrite=True)) is None
    assert sorted(p.name for p in partial.iterdir()) == ["config.yaml", "meta.json"]


def test_a_kept_final_adapter_of_a_based_run_names_lora_init_to_continue_it(tiny_dataset, tmp_path):
    # --resume would restart from the last checkpoint (and its success removes the kept adapter):
    # with a base, continuing the adapter itself is --model.lora_init into another --out.
    out, kept = tmp_path / "model", tmp_path / "model.partial" / resume.FINAL_ADAPTER
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "config.json").write_text('{"model_type": "t5", "is_encoder_decoder": true}')  # the config checks read a base's family
    based = {"model.base": str(tmp_path / "base"), "model.lora": True, "model.lora_target_modules": ["q_proj"]}
    resume.prepare(tiny_config(tiny_dataset, out, **based))
    kept.mkdir()
    with pytest.raises(CodemendError) as refused:
        resume.prepare(tiny_config(tiny_dataset, out, **based))
    assert f"--model.lora_init {kept} with another --out continues from the kept adapter" in str(refused.value)
    assert "pass --resume" in str(refused.value) and kept.is_dir()
    with pytest.raises(CodemendError) as scratch:  # no base: the adapter cannot seed a fresh model
        resume.prepare(tiny_config(tiny_dataset, out))
    assert "--model.lora_init" not in str(scratch.value) and "last saved: final-adapter/" in str(scratch.value)


def test_a_partial_folder_without_a_checkpoint_is_simply_replaced(tiny_dataset, tmp_path):
    # What a run stopped by bad input before its first checkpoint leaves: nothing worth keeping.
    partial = tmp_path / "model.partial"
    resume.prepare(tiny_config(tiny_dataset, tmp_path / "model", **{"train.lr": 0.1}))
    assert resume.prepare(tiny_config(tiny_dataset, tmp_path / "model")) is None
    assert "lr: 0.003" in (partial / "config.yaml").read_text()


def test_a_second_run_into_the_same_out_is_refused_while_the_first_trains(tiny_dataset, tmp_path, capsys):
    out, partial = tmp_path / "model", tmp_path / "model.partial"
    resume.prepare(tiny_config(tiny_dataset, out))  # a run that saved checkpoint-4, then was killed
    resume.release_lock(tiny_config(tiny_dataset, out))
    write_checkpoint(partial, 4, json.dumps({"global_step": 4}))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, types\nfrom codemend.training import resume\n"
         f"resume.hold_lock(types.SimpleNamespace(out={str(out)!r}))\nprint('held', flush=True)\ntime.sleep(120)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["train", "--config", TINY, "--data", str(tiny_dataset), "--out", str(out), "--overwrite"]) == 1
        err = capsys.readouterr().err
        assert f"another `codemend train` (pid {holder.pid}) is writing to --out {out}" in err
        assert (partial / "checkpoint-4").is_dir()  # --overwrite did not get to wipe the running run's folder
    finally:
        holder.kill()  # SIGKILL: the OS drops the lock with the process, no stale lock is left
        holder.wait()
    assert resume.prepare(tiny_config(tiny_dataset, out, resume=True)).endswith("checkpoint-4")
    resume.release_lock(tiny_config(tiny_dataset, out))
    assert not resume.lock_file(tiny_config(tiny_dataset, out)).exists()


def write_checkpoint(folder: Path, step: int, state: str | None) -> Path:
    path = folder / f"checkpoint-{step}"
    path.mkdir(parents=True)
    (path / "model.safetensors").write_bytes(b"weights")
    if state is not None:
        (path / "trainer_state.json").write_text(state)
    return path


def test_an_incomplete_checkpoint_is_never_resumed_from(tmp_path):
    write_checkpoint(tmp_path, 4, json.dumps({"global_step": 4}))
    write_checkpoint(tmp_path, 8, json.dumps({"global_step": 8}))
    write_checkpoint(tmp_path, 12, '{"global_step": 1')  # killed while writing the state itself
    write_checkpoint(tmp_path, 16, None)  # killed while writing weights or optimizer
    write_checkpoint(tmp_path, 20, json.dumps({"global_step": 16}))  # not this folder's state
    (tmp_path / "checkpoint-x").mkdir()
    assert resume.latest_checkpoint(tmp_path) == str(tmp_path / "checkpoint-8")
    resume.remove_incomplete_checkpoints(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-4", "checkpoint-8", "checkpoint-x"]


def test_the_data_order_depends_on_the_seed_only_and_groups_lengths():
    from datasets import Dataset

    lengths = [(37 * i) % 200 + 1 for i in range(400)]
    rows = Dataset.from_list([{"id": i, "length": n} for i, n in enumerate(lengths)])
    order = resume.fixed_order(rows, seed=0, global_batch=4, steps=150)
    assert len(order) >= 600
    assert order["id"] == resume.fixed_order(rows, seed=0, global_batch=4, steps=150)["id"]
    assert order["id"] != resume.fixed_order(rows, seed=1, global_batch=4, steps=150)["id"]
    assert sorted(order["id"][:400]) == list(range(400))  # each pass reads every row once
    assert order["id"][:400] != order["id"][400:800]  # and each pass is shuffled anew
    # Length grouping: the rows of a batch have similar lengths (a random batch of 4 spans ~120).
    batches = [order["length"][i:i + 4] for i in range(0, 400, 4)]
    assert sum(max(b) - min(b) for b in batches) / len(batches) < 10


def test_a_resumed_run_counts_the_training_time_of_the_runs_before_it(tmp_path):
    from types import SimpleNamespace

    checkpoint = write_checkpoint(tmp_path, 8, json.dumps({"global_step": 8}))
    assert resume.previous_seconds(str(checkpoint)) == 0.0  # a checkpoint from before stamps: unknown, not an error
    assert resume.previous_seconds(None) == 0.0
    clock = resume.elapsed_clock(before=100.0)
    clock.on_save(SimpleNamespace(output_dir=str(tmp_path)), SimpleNamespace(global_step=8, is_world_process_zero=True), None)
    stamped = resume.previous_seconds(str(checkpoint))
    assert 100.0 <= stamped < 160.0
    # The run resumed from it starts its own clock at the stamped total.
    assert resume.elapsed_clock(before=stamped).total() >= stamped
    (checkpoint / resume.ELAPSED_FILE).write_text("not json")
    assert resume.previous_seconds(str(checkpoint)) == 0.0


def test_resuming_on_a_dataset_rebuilt_at_the_same_path_is_refused(tiny_dataset, tmp_path):
    import shutil

    data, out = tmp_path / "data", tmp_path / "model"
    shutil.copytree(tiny_dataset, data)
    resume.prepare(tiny_config(data, out))
    recorded = json.loads((tmp_path / "model.partial" / "meta.json").read_text())["data_sha256"]
    assert sorted(recorded) == ["train.jsonl", "validation.jsonl"]
    train = data / "train.jsonl"
    original = train.read_bytes()
    train.write_bytes(original + original.splitlines(keepends=True)[0])  # as a rebuild with another seed would
    with pytest.raises(CodemendError, match=f"--data {data} is not the data the run in {out}.partial started on \\(train.jsonl changed since\\)"):
        resume.prepare(tiny_config(data, out, resume=True))
    train.write_bytes(original)
    assert resume.prepare(tiny_config(data, out, resume=True)) is None  # the same data: resumes (no checkpoint yet)


def test_a_tied_head_missing_from_a_checkpoint_is_not_reported_as_missing(tmp_path):
    # transformers' Trainer warns "missing keys ['lm_head.weight']" on every resume of a tied model:
    # the head is saved once, as the embedding. Other missing keys are still reported.
    from safetensors.torch import load_file
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=2, tie_word_embeddings=True))
    model.save_pretrained(tmp_path)
    saved = load_file(tmp_path / "model.safetensors")
    missing = model.load_state_dict(saved, strict=False).missing_keys
    assert missing == ["lm_head.weight"]  # what the Trainer then warns about

    seen = []
    trainer_logger = logging.getLogger("transformers.trainer")
    handler = logging.Handler()
    handler.emit = seen.append
    trainer_logger.addHandler(handler)
    try:
        with resume.tied_keys_not_missing(model):
            trainer_logger.warning(f"There were missing keys in the checkpoint model loaded: {missing}.")
            trainer_logger.warning("There were missing keys in the checkpoint model loaded: ['lm_head.weight', 'model.embed_tokens.weight'].")
            trainer_logger.warning("There were missing keys in the checkpoint model loaded: ['model.norm.weight'].")
        trainer_logger.warning(f"There were missing keys in the checkpoint model loaded: {missing}.")
    finally:
        trainer_logger.removeHandler(handler)
    assert [record.getMessage().partition(": ")[2] for record in seen] == [
        "['lm_head.weight', 'model.embed_tokens.weight'].",  # both halves of the tie missing: the weights are not there
        "['model.norm.weight'].",
        "['lm_head.weight'].",  # outside the block: not filtered
    ]
