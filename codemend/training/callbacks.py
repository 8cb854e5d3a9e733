"""Watching a training run: decode validation samples at each evaluation, keep the best weights,
write TensorBoard logs and the curves. `codemend train` adds these to its trainer.

    codemend train --config configs/train/tiny.yaml --data runs/data --out runs/tiny \\
        --train.eval_every 50 --train.eval_samples 64
    tensorboard --logdir runs/tiny/tensorboard

Every `--train.eval_every` steps and at the last step, a fixed seeded subset of validation samples
is decoded greedily (`generation.generate`), each output applied with `task.apply_output` and
judged by the same verdicts as `codemend eval` (exact match, top-1 line localization); with
`--train.eval_mode repair`, `fix`'s first suggestion without tests is judged instead, as
`codemend eval --mode repair` does (`split_eval.repair_row`). The values
go into the trainer's log history as `eval_exact_match` / `eval_localization` and into TensorBoard.
When training ends, the weights of the best evaluation (exact match, then localization, then lower
validation loss) are put back into the model, so the checkpoint written is the best one seen. Each
periodic checkpoint also holds the evaluations so far and the best one's weights (EVALS_FILE,
BEST_FILE), so a run resumed from it (`--resume`) chooses among the evaluations before the kill too.

Tests: `pytest tests/training/test_callbacks.py`.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from codemend.config import TrainRecipeConfig
from codemend.eval.metrics import topk_localization_accuracy
from codemend.eval.split_eval import score_prediction, truth_lines
from codemend.io import write_then_rename
from codemend.training.checkpoint import spec_for_training
from codemend.training.generation import generate
from codemend.training.tokenize import encode_sample

logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- which weights are best


@dataclass(frozen=True)
class GenEval:
    """One evaluation by decoding: shares of the decoded validation samples at a training step."""

    step: int
    exact_match: float
    localization: float
    eval_loss: float | None = None  # teacher-forced validation loss at the same step, when computed

    def rank(self) -> tuple[float, float, float]:
        """Larger is better: exact match, then localization, then lower validation loss."""
        loss = self.eval_loss if self.eval_loss is not None and math.isfinite(self.eval_loss) else math.inf
        return (self.exact_match, self.localization, -loss)


def is_improvement(new: GenEval, best: GenEval | None) -> bool:
    """True when `new` beats `best`; a full tie keeps the earlier evaluation (fewer steps, same quality)."""
    return best is None or new.rank() > best.rank()


def trainable_state(model) -> dict:
    """CPU copies of the parameters training can change.

    Frozen parameters (a LoRA base model) never change, so copying them would only cost memory;
    the architectures trained here have no buffers that training updates.
    """
    return {name: p.detach().to("cpu", copy=True) for name, p in model.named_parameters() if p.requires_grad}


def load_trainable_state(model, state: dict) -> None:
    import torch

    params = dict(model.named_parameters())
    unknown = sorted(set(state) - set(params))
    if unknown:
        raise ValueError(f"the snapshot has parameters this model lacks: {unknown[:5]}")
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(value)


EVALS_FILE = "codemend_evals.json"
"""In a checkpoint folder: the evaluations up to its step and the best one's step."""
BEST_FILE = "codemend_best.safetensors"
"""In a checkpoint folder: the best evaluation's trainable weights, when they are not the checkpoint's own."""


def save_evaluations(folder: Path, results: list[GenEval], best: GenEval | None, best_state: dict | None, step: int) -> None:
    """Write `results` and the best weights into checkpoint `folder` (of `step`): each file written, then renamed."""
    from safetensors.torch import save_file

    own = best is not None and best.step == step  # the checkpoint's weights are the best ones
    if best is not None and not own and best_state is not None:
        write_then_rename(folder / BEST_FILE, lambda tmp: save_file({name: value.contiguous() for name, value in best_state.items()}, tmp))
    record = {"results": [asdict(result) for result in results], "best_step": best.step if best is not None else None}
    write_then_rename(folder / EVALS_FILE, lambda tmp: Path(tmp).write_text(json.dumps(record), encoding="utf-8"))


def load_evaluations(folder: Path, model, step: int) -> tuple[list[GenEval], GenEval | None, dict | None]:
    """(results, best, best weights) that `save_evaluations` left in checkpoint `folder`, the model holding that
    checkpoint's weights; the best is None when its weights cannot be read (said in a warning)."""
    try:
        record = json.loads((folder / EVALS_FILE).read_text(encoding="utf-8"))
        results = [GenEval(**entry) for entry in record["results"]]
        best_step = record["best_step"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        logger.warning("%s holds no readable evaluations (%s): the best weights are chosen among this run's evaluations from step %d on",
                       folder, err, step)
        return [], None, None
    best = next((result for result in results if result.step == best_step), None)
    if best is None:
        return results, None, None
    if best.step == step:
        return results, best, trainable_state(model)
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return results, best, load_file(str(folder / BEST_FILE))
    except (OSError, SafetensorError) as err:
        logger.warning("the weights of step %d, the best evaluation before step %d, could not be read from %s (%s): "
                       "the best is chosen among this run's evaluations from here on", best.step, step, folder / BEST_FILE, err)
        return results, None, None


# ----------------------------------------------------------------------------- evaluation by decoding


def choose_eval_samples(rows: list[dict], n: int, seed: int, fits: Callable[[dict], bool] = lambda row: True) -> list[dict]:
    """A fixed subset of up to `n` rows (same seed, same rows), in dataset order.

    Only rows with a known buggy line (localization needs one) and that `fits` (the model could
    have trained on them) are taken. Shuffling first spreads the subset over the split's files.
    """
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    picked: list[int] = []
    for index in order:
        if len(picked) == n:
            break
        if truth_lines(rows[index]) and fits(rows[index]):
            picked.append(index)
    return [rows[i] for i in sorted(picked)]


class GenerationEvaluator:
    """Scores a model on fixed samples, by greedy decoding or by `fix`'s ranking (`spec` given: `mode`
    repair), and remembers the best weights seen."""

    def __init__(self, samples: list[dict], sources: list[str], *, arch: str, output_format: str, max_new_tokens: int, batch_size: int = 16,
                 spec=None):
        if not samples or len(samples) != len(sources):
            raise ValueError(f"need one source per sample and at least one sample, got {len(samples)} samples and {len(sources)} sources")
        self.samples, self.sources = samples, sources
        self.arch, self.output_format = arch, output_format
        self.max_new_tokens, self.batch_size, self.spec = max_new_tokens, batch_size, spec
        self.results: list[GenEval] = []
        self.best: GenEval | None = None
        self.best_state: dict | None = None

    def score(self, model, tokenizer) -> tuple[float, float]:
        """(exact match, top-1 localization) of greedy outputs, or of `fix`'s first suggestions with a
        spec; the model goes back to the mode it was in."""
        was_training = model.training
        model.eval()  # no dropout while decoding
        try:
            if self.spec is not None:
                return self._ranked(model, tokenizer)
            generations = generate(model, tokenizer, self.sources, self.arch, self.max_new_tokens, batch_size=self.batch_size)
        finally:
            model.train(was_training)
        return self._shares([score_prediction(sample, best.text, self.output_format) for sample, (best, *_) in zip(self.samples, generations)])

    def _shares(self, verdicts: list[dict]) -> tuple[float, float]:
        """(exact match, top-1 localization) over the samples' verdicts (each with `exact` and `line`)."""
        ranked = [[v["line"]] if v["line"] is not None else [] for v in verdicts]
        return sum(v["exact"] for v in verdicts) / len(verdicts), topk_localization_accuracy(ranked, [truth_lines(s) for s in self.samples], k=1)

    def _ranked(self, model, tokenizer) -> tuple[float, float]:
        from codemend.eval.split_eval import repair_row
        from codemend.inference.debugger import Debugger

        debugger = Debugger(model, tokenizer, self.spec)
        return self._shares([repair_row(sample, debugger) for sample in self.samples])

    def evaluate(self, step: int, model, tokenizer, eval_loss: float | None = None) -> GenEval:
        exact, localization = self.score(model, tokenizer)
        result = GenEval(step, exact, localization, eval_loss)
        self.record(result, model)
        return result

    def record(self, result: GenEval, model) -> bool:
        """Add a result; snapshot the model's weights when it is the best so far (returns True then)."""
        self.results.append(result)
        if not is_improvement(result, self.best):
            return False
        self.best, self.best_state = result, trainable_state(model)
        return True

    def save_into(self, folder: Path, step: int) -> None:
        """Leave the evaluations so far and the best weights in checkpoint `folder` (`save_evaluations`)."""
        save_evaluations(folder, self.results, self.best, self.best_state, step)

    def resume_from(self, folder: Path, model, step: int) -> None:
        """Take back the evaluations a resumed checkpoint holds (`load_evaluations`), the model holding its weights."""
        self.results, self.best, self.best_state = load_evaluations(folder, model, step)
        if self.best is not None:
            logger.info("resumed with %d evaluations; the best so far is step %d's", len(self.results), self.best.step)

    def restore_best(self, model, current_step: int) -> bool:
        """Load the best weights into `model` unless they are already its weights; True when it did."""
        if self.best is None or self.best_state is None or self.best.step == current_step:
            return False
        load_trainable_state(model, self.best_state)
        self.best_state = None  # free the copy: the model holds these weights now
        return True


def generation_eval_callback(evaluator: GenerationEvaluator, every: int, writer=None):
    """A TrainerCallback running `evaluator` every `every` steps and at the last step, then restoring the best weights.

    With a validation loss configured (eval_strategy "steps"), decoding happens in `on_evaluate`,
    right after the trainer computed that loss for the same step, so ties can use it.
    """
    from transformers import TrainerCallback

    class GenerationEval(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, processing_class=None, **kwargs):
            if state.global_step % every and not control.should_training_stop:
                return control
            if args.eval_strategy != "no":
                control.should_evaluate = True  # also at a time-budget stop, off the eval_every grid
            else:
                self._evaluate(state, model, processing_class, None)
            return control

        def on_evaluate(self, args, state, control, metrics=None, model=None, processing_class=None, **kwargs):
            if not evaluator.results or evaluator.results[-1].step != state.global_step:
                self._evaluate(state, model, processing_class, (metrics or {}).get("eval_loss"))

        def on_train_begin(self, args, state, control, model=None, **kwargs):
            if state.global_step:  # resumed: the Trainer has loaded that checkpoint's weights and state
                evaluator.resume_from(Path(args.output_dir) / f"checkpoint-{state.global_step}", model, state.global_step)

        def on_save(self, args, state, control, **kwargs):
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if state.is_world_process_zero and folder.is_dir():
                evaluator.save_into(folder, state.global_step)

        def on_train_end(self, args, state, control, model=None, **kwargs):
            if evaluator.restore_best(model, state.global_step):
                best = evaluator.best
                logger.info("restored the weights of step %d (exact match %.1f%%, localization %.1f%%), the best evaluation",
                            best.step, 100 * best.exact_match, 100 * best.localization)

        def _evaluate(self, state, model, tokenizer, eval_loss):
            result = evaluator.evaluate(state.global_step, model, tokenizer, eval_loss)
            # The same shape as the entries Trainer.log appends, so trainer_state.json has them too.
            state.log_history.append({"eval_exact_match": result.exact_match, "eval_localization": result.localization,
                                      "epoch": state.epoch, "step": result.step})
            if writer is not None:
                writer.add_scalar("eval/exact_match", result.exact_match, result.step)
                writer.add_scalar("eval/localization", result.localization, result.step)
                writer.flush()
            logger.info("step %d: exact match %.1f%%, localization %.1f%% on %d validation samples %s",
                        result.step, 100 * result.exact_match, 100 * result.localization, len(evaluator.samples),
                        "decoded" if evaluator.spec is None else "repaired as fix does without tests")

    return GenerationEval()


# ----------------------------------------------------------------------------- one run's monitor


def open_tensorboard(folder: Path, purge_step: int | None = None):
    """A TensorBoard SummaryWriter on `folder`, or None (with a warning) when tensorboard is not installed.
    `purge_step`: a resumed run's first step; TensorBoard hides what earlier files logged from there on."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as err:
        logger.warning("no TensorBoard logs for this run (%s); `pip install tensorboard` to get OUT/tensorboard", err)
        return None
    return SummaryWriter(log_dir=str(folder), purge_step=purge_step)


def no_validation_cause(data: str) -> str:
    """Why the dataset in `data` has no validation split, by the --validation_fraction its config.yaml records: a
    fraction above 0 left empty means too few files (every builder splits by file), and "use a fraction above 0"
    misled there."""
    import yaml

    try:
        fraction = float(yaml.safe_load((Path(data) / "config.yaml").read_text(encoding="utf-8"))["validation_fraction"])
    except (OSError, ValueError, TypeError, KeyError, yaml.YAMLError):
        fraction = None  # no builder's config.yaml: both causes are possible
    if fraction == 0:
        return "it was built with --validation_fraction 0; build it with --validation_fraction above 0"
    if fraction is None:
        return "build it with --validation_fraction above 0, from at least 3 files with samples (the splits are by file)"
    return (f"though built with --validation_fraction {fraction:g}, it had too few files with samples to split by file (a "
            f"held-out split needs 3); build it from more files")


class TrainingMonitor:
    """Everything that watches one `codemend train` run, and what it leaves in the checkpoint folder."""

    def __init__(self, evaluator: GenerationEvaluator | None, every: int, log_dir: Path | None = None, purge_step: int | None = None):
        self.evaluator, self.every = evaluator, every
        # Logs are written outside the checkpoint folder, which only exists once training is over;
        # `save_into` moves them in. `log_dir`: OUT.partial's, where a killed run's logs wait for its
        # --resume (in a temporary folder they were lost, and TensorBoard showed the resumed steps only);
        # other ranks, and runs without one, write to a temporary folder that disappears even if training fails.
        # Made only then: a run killed with SIGKILL runs no finalizer, and left an empty one in /tmp each time.
        self._scratch = tempfile.TemporaryDirectory(prefix="codemend-train-logs-") if log_dir is None else None
        self.tensorboard_dir = log_dir or Path(self._scratch.name) / "tensorboard"
        self.writer = open_tensorboard(self.tensorboard_dir, purge_step)

    @classmethod
    def for_run(cls, config: TrainRecipeConfig, validation_rows: list[dict], to_pair: Callable[[dict], tuple[str, str]], tokenizer,
                log_dir: Path | None = None, purge_step: int | None = None) -> TrainingMonitor:
        """The monitor for `config`; `to_pair` turns a dataset row into (model input, target) as training does;
        `log_dir` and `purge_step` as `TrainingMonitor` takes them."""
        t, m = config.train, config.model

        def fits(row: dict) -> bool:
            return isinstance(encode_sample(tokenizer, *to_pair(row), m.arch, m.max_source_tokens, m.max_target_tokens), dict)

        samples = choose_eval_samples(validation_rows, t.eval_samples, config.seed, fits) if t.eval_every and t.eval_samples else []
        if t.eval_every and t.eval_samples and not samples:
            if validation_rows:
                logger.warning("--train.eval_samples %d: no usable validation sample to decode; evaluating validation loss only", t.eval_samples)
            else:
                logger.warning("--train.eval_every %d: the dataset has no validation samples, so nothing is evaluated during training "
                               "(%s)", t.eval_every, no_validation_cause(config.data))
        evaluator = GenerationEvaluator(
            samples, [to_pair(s)[0] for s in samples], arch=m.arch, output_format=config.task.output_format,
            max_new_tokens=m.max_target_tokens, batch_size=t.batch_size,
            spec=spec_for_training(m, config.task) if t.eval_mode == "repair" else None,
        ) if samples else None
        return cls(evaluator, t.eval_every, log_dir, purge_step)

    def callbacks(self) -> list:
        """Trainer callbacks, in order: TensorBoard (loss, learning rate, validation loss), then decoding."""
        callbacks = []
        if self.writer is not None:
            from transformers.integrations import TensorBoardCallback

            callbacks.append(TensorBoardCallback(tb_writer=self.writer))
        if self.evaluator is not None:
            callbacks.append(generation_eval_callback(self.evaluator, self.every, self.writer))
        return callbacks

    def fill_report(self, report) -> None:
        """Set the TrainReport fields this monitor owns: the device, the decoded evaluations' size, the best one.

        The evaluations' series comes from the trainer's log history (`TrainReport.fill_series`), which a
        resumed run restores from its checkpoint, as it does the best evaluation and its weights (`resume_from`).
        """
        report.device = device_description()
        if self.evaluator is None:
            return
        report.eval_samples = len(self.evaluator.samples)
        best = self.evaluator.best
        if best is not None:
            report.best_step = best.step
            report.best_metrics = {"exact_match": best.exact_match, "localization": best.localization, "eval_loss": best.eval_loss}

    def save_into(self, folder: Path) -> None:
        """Move the TensorBoard logs into `folder`."""
        if self.writer is not None:
            self.writer.close()
            if self.tensorboard_dir.is_dir():
                shutil.move(str(self.tensorboard_dir), str(folder / "tensorboard"))
        if self._scratch is not None:
            self._scratch.cleanup()


def device_description() -> str:
    import torch

    if torch.cuda.is_available():
        return f"CUDA: {torch.cuda.get_device_name(0)}"
    return f"CPU, {torch.get_num_threads()} threads"
