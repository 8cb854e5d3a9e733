"""Evaluation by decoding during training: logged series, TensorBoard events, curves, model card,
and the best-weights logic (which evaluation wins, and that its weights are the ones saved)."""

import json
import logging
import sys
from pathlib import Path

import pytest
import torch

from codemend.cli import main
from codemend.config import TrainRecipeConfig, load_config
from codemend.training import recipe, resume
from codemend.training.callbacks import (
    BEST_FILE, EVALS_FILE, GenerationEvaluator, GenEval, choose_eval_samples, generation_eval_callback, is_improvement,
    load_evaluations, open_tensorboard, save_evaluations, trainable_state,
)
from codemend.eval.split_eval import truth_lines
from codemend.training.card import command_line, model_card

REPO = Path(__file__).resolve().parents[2]
TINY = str(REPO / "configs/train/tiny.yaml")


@pytest.fixture(scope="module")
def run_with_evals(tiny_dataset, tmp_path_factory):
    """(checkpoint folder, argv): 8 tiny steps, validation loss and 4 decoded samples every 4 steps."""
    out = tmp_path_factory.mktemp("gen-eval") / "model"
    argv = ["train", "--config", TINY, "--data", str(tiny_dataset), "--out", str(out),
            "--train.eval_every", "4", "--train.max_steps", "8", "--train.eval_samples", "4", "--train.eval_loss_samples", "3"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["codemend", *argv])  # what the model card quotes
        assert main(["-q", *argv]) == 0
    return out, ["codemend", *argv]


def test_train_log_has_a_decoded_evaluation_at_each_eval_step(run_with_evals):
    out, _ = run_with_evals
    log = json.loads((out / "train_log.json").read_text())
    assert [e["step"] for e in log["generation_eval"]] == [4, 8]
    assert all(0 <= e[key] <= 1 for e in log["generation_eval"] for key in ("exact_match", "localization"))
    assert [step for step, _ in log["eval_loss"]] == [4, 8]
    train = json.loads((out / "meta.json").read_text())["train"]
    assert train["best_step"] in (4, 8) and set(train["best_metrics"]) == {"exact_match", "localization", "eval_loss"}


def test_tensorboard_events_hold_loss_and_decoded_metrics(run_with_evals):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out, _ = run_with_evals
    events = list((out / "tensorboard").glob("events.out.tfevents.*"))
    assert events, "no TensorBoard event file in OUT/tensorboard"
    accumulator = EventAccumulator(str(out / "tensorboard")).Reload()
    assert {"train/loss", "eval/loss", "eval/exact_match", "eval/localization"} <= set(accumulator.Tags()["scalars"])
    assert [e.step for e in accumulator.Scalars("eval/exact_match")] == [4, 8]


def test_curves_png_and_model_card(run_with_evals):
    out, argv = run_with_evals
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    card = (out / "README.md").read_text()
    assert command_line(argv) in card and "--train.eval_samples 4" in card
    assert "| exact match |" in card and "| line localization (top-1) |" in card and "](curves.png)" in card
    assert "4 decoded at each evaluation" in card and "CPU" in card
    assert "validation loss on 3 samples" in card
    assert json.loads((out / "meta.json").read_text())["train"]["encode"]["validation"]["kept"] == 3


def test_validation_loss_reads_a_seeded_subset_and_decoding_the_whole_split():
    config = TrainRecipeConfig()
    config.train.eval_loss_samples = 4
    rows = {"train": [{"n": i} for i in range(6)], "validation": [{"n": i} for i in range(10)]}
    cut = recipe.loss_rows(config, rows)
    assert cut["train"] is rows["train"] and len(rows["validation"]) == 10  # nothing else changes
    numbers = [row["n"] for row in cut["validation"]]
    assert len(numbers) == 4 and numbers == sorted(set(numbers))  # distinct rows, in dataset order
    assert recipe.loss_rows(config, rows) == cut  # the same subset at every evaluation and on --resume
    config.seed += 1
    assert recipe.loss_rows(config, rows) != cut
    config.train.eval_loss_samples = 0
    assert recipe.loss_rows(config, rows) is rows
    config.train.eval_loss_samples = 10
    assert recipe.loss_rows(config, rows) is rows


def test_series_come_from_the_trainer_log_and_are_written_as_json_and_png(tmp_path):
    history = [{"loss": 2.5, "rank_loss": 0.9, "fix_ranked_first": 0.5, "step": 10}, {"eval_loss": 2.6, "step": 10},
               {"eval_exact_match": 0.25, "eval_localization": 0.5, "step": 10}, {"loss": 2.0, "step": 20}, {"train_runtime": 9.0, "step": 20}]
    report = recipe.TrainReport(out=str(tmp_path))
    report.fill_series(history)
    assert report.losses == [(10, 2.5), (20, 2.0)] and report.gen_evals == [(10, 0.25, 0.5)]
    report.write_series(tmp_path)
    assert json.loads((tmp_path / "train_log.json").read_text()) == {
        "loss": [[10, 2.5], [20, 2.0]], "eval_loss": [[10, 2.6]], "ranking": [[10, 0.9, 0.5]],
        "generation_eval": [{"step": 10, "exact_match": 0.25, "localization": 0.5}]}
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_card_without_decoding_says_so():
    config = TrainRecipeConfig()
    card = model_card(config, recipe.TrainReport(out="x", losses=[(1, 2.0)]))
    assert "No evaluation by decoding" in card and "| exact match |" not in card


def test_card_batch_counts_every_process():
    config = TrainRecipeConfig()
    config.train.batch_size, config.train.grad_accum = 4, 2
    card = model_card(config, recipe.TrainReport(out="x", processes=2))
    assert "| batch | 4 x accumulation 2 x 2 processes = 16 samples per step |" in card


def test_card_names_the_adapter_a_run_continues():
    config = TrainRecipeConfig()
    config.model.base, config.model.lora = "smollm2-135m", True
    fresh = model_card(config, recipe.TrainReport(out="x"))
    assert "fine-tuned from `smollm2-135m`, on" in fresh and ", fresh |" in fresh
    config.model.lora_init = "default"
    card = model_card(config, recipe.TrainReport(out="x"))
    assert "continuing the LoRA adapter of `default` (the model codemend ships)" in card
    assert "initialised from `default` |" in card


def test_card_counts_a_tiny_adapter_in_parameters_and_says_a_base_keeps_its_sizes():
    # "0.00M of 0.08M parameters trained" for 2,048 of 75,968; and the recipe's d_model beside a base's own.
    config = TrainRecipeConfig()
    config.model.base, config.model.lora = "runs/base", True
    card = model_card(config, recipe.TrainReport(out="x", trainable_parameters=2048, parameters=75968))
    assert "2,048 of 75,968 parameters trained" in card and "base `runs/base` (its own sizes)" in card
    assert "134.52M parameters trained" in model_card(TrainRecipeConfig(), recipe.TrainReport(out="x", trainable_parameters=134_515_008, parameters=134_515_008))


def test_improvement_orders_exact_then_localization_then_lower_loss():
    best = GenEval(4, exact_match=0.5, localization=0.5, eval_loss=2.0)
    assert is_improvement(best, None)
    assert is_improvement(GenEval(8, 0.75, 0.0, 9.0), best)  # exact match first
    assert not is_improvement(GenEval(8, 0.25, 1.0, 0.1), best)
    assert is_improvement(GenEval(8, 0.5, 0.75, 9.0), best)  # then localization
    assert is_improvement(GenEval(8, 0.5, 0.5, 1.5), best)  # then lower validation loss
    assert not is_improvement(GenEval(8, 0.5, 0.5, 2.0), best)  # a full tie keeps the earlier one
    assert not is_improvement(GenEval(8, 0.5, 0.5, float("nan")), best)  # no usable loss never wins a tie
    assert not is_improvement(GenEval(8, 0.5, 0.5, None), best)


def test_record_snapshots_only_improvements_and_restores_them():
    model = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Linear(3, 1))
    model[1].weight.requires_grad_(False)  # frozen, like a LoRA base: not copied
    evaluator = GenerationEvaluator([{}], ["src"], arch="seq2seq", output_format="edit", max_new_tokens=4)
    assert evaluator.record(GenEval(4, 0.5, 0.5), model)
    at_step_4 = {k: v.clone() for k, v in evaluator.best_state.items()}
    assert "1.weight" not in at_step_4 and "0.weight" in at_step_4
    with torch.no_grad():
        model[0].weight.add_(1.0)
    assert not evaluator.record(GenEval(8, 0.25, 1.0), model)
    assert evaluator.best.step == 4 and not evaluator.restore_best(model, current_step=4)
    assert evaluator.restore_best(model, current_step=8)
    assert torch.equal(model[0].weight, at_step_4["0.weight"])


def test_a_checkpoint_keeps_the_evaluations_and_the_best_weights_unless_they_are_its_own(tmp_path, caplog):
    model = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Linear(3, 1))
    model[1].weight.requires_grad_(False)
    results = [GenEval(2, 0.5, 0.5, 1.5), GenEval(4, 0.25, 1.0, None)]
    best_state = {name: value + 1 for name, value in trainable_state(model).items()}  # step 2's, not the model's
    save_evaluations(tmp_path, results, results[0], best_state, step=4)
    assert sorted(path.name for path in tmp_path.iterdir()) == [BEST_FILE, EVALS_FILE]  # nothing half-written left
    got, best, state = load_evaluations(tmp_path, model, step=4)
    assert got == results and best == results[0]
    assert state.keys() == best_state.keys() and all(torch.equal(state[name], best_state[name]) for name in state)

    own = tmp_path / "own"
    own.mkdir()
    save_evaluations(own, results, results[1], trainable_state(model), step=4)
    assert not (own / BEST_FILE).exists()  # the checkpoint's own weights are the best: not written twice
    _, best, state = load_evaluations(own, model, step=4)
    assert best == results[1] and all(torch.equal(state[name], value) for name, value in trainable_state(model).items())

    (tmp_path / BEST_FILE).write_bytes(b"torn")
    with caplog.at_level(logging.WARNING, logger="codemend.training.callbacks"):
        assert load_evaluations(tmp_path, model, step=4) == (results, None, None)  # the best cannot be used: chosen anew
        assert load_evaluations(tmp_path / "none", model, step=4) == ([], None, None)
    assert "could not be read" in caplog.text and "no readable evaluations" in caplog.text


def test_eval_subset_is_fixed_needs_a_buggy_line_and_fits():
    rows = [{"buggy": "a\n", "fixed": "b\n", "line": 1, "id": i} for i in range(10)]
    rows[3] = {"buggy": "a\n", "fixed": "a\n", "line": None, "id": 3}  # no edit: no line to localize
    picked = choose_eval_samples(rows, 4, seed=0, fits=lambda row: row["id"] != 5)
    assert picked == choose_eval_samples(rows, 4, seed=0, fits=lambda row: row["id"] != 5)
    ids = [row["id"] for row in picked]
    assert len(ids) == 4 and ids == sorted(ids) and not {3, 5} & set(ids)
    assert len(choose_eval_samples(rows, 100, seed=0)) == 9


def test_missing_tensorboard_warns_and_returns_no_writer(monkeypatch, tmp_path, caplog):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # makes the import fail
    with caplog.at_level(logging.WARNING, logger="codemend.training.callbacks"):
        assert open_tensorboard(tmp_path / "tb") is None
    assert "pip install tensorboard" in caplog.text


class ScriptedEvaluator(GenerationEvaluator):
    """Scores come from a script instead of decoding; the weights at each evaluation are kept for the test."""

    def __init__(self, script, **kwargs):
        super().__init__(**kwargs)
        self.script, self.weights = iter(script), {}

    def score(self, model, tokenizer):
        return next(self.script)

    def record(self, result, model):
        self.weights[result.step] = trainable_state(model)
        return super().record(result, model)


def test_saved_checkpoint_holds_the_best_evaluations_weights(tiny_dataset, tmp_path):
    from safetensors.torch import load_file

    config = load_config(TrainRecipeConfig, TINY, check_paths=False)
    config.data, config.out = str(tiny_dataset), str(tmp_path / "best")
    config.train.max_steps, config.train.eval_every = 4, 2
    rows = recipe.load_rows(config)
    pairs = recipe.load_data(config, rows)
    model, tokenizer = recipe.build_model(config, pairs["train"])
    datasets, _ = recipe.encode(config, tokenizer, {"train": pairs["train"]})  # no validation loss: decode in on_step_end
    evaluator = ScriptedEvaluator([(0.5, 0.5), (0.25, 1.0)], samples=rows["validation"][:1], sources=["unused"],
                                  arch="seq2seq", output_format="edit", max_new_tokens=8)
    trainer, _, _ = recipe.train(config, model, tokenizer, datasets, callbacks=[generation_eval_callback(evaluator, every=2)])
    assert [r.step for r in evaluator.results] == [2, 4] and evaluator.best.step == 2
    assert [h["step"] for h in trainer.state.log_history if "eval_exact_match" in h] == [2, 4]
    report = recipe.TrainReport(out=config.out, steps=4)
    recipe.save(config, model, tokenizer, report, {})
    saved = load_file(tmp_path / "best" / "model.safetensors")
    best, last = evaluator.weights[2], evaluator.weights[4]
    compared = [name for name in best if name in saved]
    assert len(compared) >= len(best) - 1  # at most a tied embedding is stored under another name
    assert all(torch.equal(saved[name], best[name]) for name in compared)
    assert any(not torch.equal(best[name], last[name]) for name in compared), "training did not change the weights"


def test_a_resumed_run_keeps_the_best_evaluation_from_before_its_checkpoint(tiny_dataset, tmp_path):
    def start():
        """A new process's view of the same run: fresh model, data and evaluator."""
        config = load_config(TrainRecipeConfig, TINY, check_paths=False)
        config.data, config.out = str(tiny_dataset), str(tmp_path / "run")
        config.train.max_steps, config.train.eval_every, config.train.save_every = 6, 2, 2
        rows = recipe.load_rows(config)
        pairs = recipe.load_data(config, rows)
        model, tokenizer = recipe.build_model(config, pairs["train"])
        datasets, _ = recipe.encode(config, tokenizer, {"train": pairs["train"]})
        return config, rows["validation"][:1], model, tokenizer, datasets

    def evaluator(script, samples):
        return ScriptedEvaluator(script, samples=samples, sources=["unused"], arch="seq2seq", output_format="edit", max_new_tokens=8)

    config, samples, model, tokenizer, datasets = start()
    first = evaluator([(0.5, 0.5), (0.25, 1.0), (0.25, 1.0)], samples)  # step 2 is the best
    recipe.train(config, model, tokenizer, datasets, callbacks=[generation_eval_callback(first, every=2)])
    checkpoint = resume.partial_folder(config) / "checkpoint-4"
    assert (checkpoint / EVALS_FILE).is_file() and (checkpoint / BEST_FILE).is_file()

    # As if killed after checkpoint-4: the resumed process evaluates step 6 only, and must still end on step 2's weights.
    config, samples, model, tokenizer, datasets = start()
    second = evaluator([(0.25, 1.0)], samples)
    recipe.train(config, model, tokenizer, datasets, str(checkpoint), callbacks=[generation_eval_callback(second, every=2)])
    assert [result.step for result in second.results] == [2, 4, 6] and second.best.step == 2
    restored = trainable_state(model)
    assert restored.keys() == first.weights[2].keys()
    assert all(torch.equal(restored[name], first.weights[2][name]) for name in restored)
    assert any(not torch.equal(first.weights[2][name], second.weights[6][name]) for name in restored), "training changed nothing"


def test_repair_mode_scores_validation_samples_as_eval_mode_repair_does(causal_model, tiny_dataset):
    from codemend.config import EvalConfig
    from codemend.eval.split_eval import repair_rows
    from codemend.io import read_jsonl
    from codemend.training.checkpoint import load_checkpoint

    model, tokenizer, spec = load_checkpoint(causal_model, precision="fp32", engine="transformers")
    samples = choose_eval_samples(read_jsonl(tiny_dataset / "validation.jsonl"), 4, seed=0)
    evaluator = GenerationEvaluator(samples, ["unused"] * len(samples), arch="causal", output_format="edit", max_new_tokens=8, spec=spec)
    model.train()
    exact, localization = evaluator.score(model, tokenizer)
    assert model.training  # back to the mode it was in
    rows = repair_rows(samples, model, tokenizer, spec, EvalConfig(naturalness_weight=-1))
    assert exact == sum(row["exact"] for row in rows) / len(rows)
    hits = [row["line"] in truth_lines(sample) for row, sample in zip(rows, samples)]
    assert localization == sum(hits) / len(hits) and any(row["applies"] for row in rows)


def test_evaluating_without_validation_samples_says_nothing_is_evaluated(caplog):
    # It said "evaluating validation loss only" with no validation sample to compute a loss on.
    from codemend.training.callbacks import TrainingMonitor

    config = TrainRecipeConfig()
    config.train.eval_every, config.train.eval_samples = 10, 4
    with caplog.at_level(logging.WARNING):
        monitor = TrainingMonitor.for_run(config, [], lambda row: ("", ""), tokenizer=None)
    assert monitor.evaluator is None
    assert "the dataset has no validation samples, so nothing is evaluated during training" in caplog.text
    assert "validation loss only" not in caplog.text


@pytest.mark.parametrize("fraction, cause", [
    ("0.05", "though built with --validation_fraction 0.05, it had too few files with samples to split by file (a held-out split needs 3)"),
    ("0.0", "it was built with --validation_fraction 0; build it with --validation_fraction above 0"),
])
def test_no_validation_samples_names_the_cause_the_dataset_records(tmp_path, caplog, fraction, cause):
    # A --repo dataset of few files, built with --validation_fraction 0.05, was told to use a fraction above 0 (QA).
    from codemend.training.callbacks import TrainingMonitor

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "config.yaml").write_text(f"# Resolved ValidatedDataConfig\nrepo: r\nvalidation_fraction: {fraction}\n")
    config = TrainRecipeConfig(data=str(tmp_path / "data"))
    config.train.eval_every, config.train.eval_samples = 2, 4
    with caplog.at_level(logging.WARNING):
        TrainingMonitor.for_run(config, [], lambda row: ("", ""), tokenizer=None)
    assert "--train.eval_every 2: the dataset has no validation samples" in caplog.text and cause in caplog.text
    if fraction != "0.0":
        assert "above 0" not in caplog.text


def test_a_monitor_with_a_log_folder_makes_no_temporary_one(tmp_path, scratch_dir):
    """Each run killed with SIGKILL (its finalizers never ran) left an empty codemend-train-logs-* in /tmp, though
    its logs went to OUT.partial; only a run without a log folder needs the temporary one."""
    from codemend.training.callbacks import TrainingMonitor

    monitor = TrainingMonitor(None, 0, log_dir=tmp_path / "partial" / "tensorboard")
    assert list(scratch_dir.iterdir()) == [] and monitor.tensorboard_dir == tmp_path / "partial" / "tensorboard"
    (tmp_path / "out").mkdir()
    monitor.save_into(tmp_path / "out")
    other_rank = TrainingMonitor(None, 0)
    assert [p.name[:19] for p in scratch_dir.iterdir()] == ["codemend-train-logs"]
    other_rank.save_into(tmp_path / "out2")
    assert list(scratch_dir.iterdir()) == []
