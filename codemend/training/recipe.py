"""`codemend train`: fine-tune a debugger model on a dataset built by `codemend data build`.

    codemend train --config configs/train/tiny.yaml
    codemend train --data runs/data --out runs/model --train.max_steps 300 --train.lr 1e-3

Stages, top to bottom: setup -> load_data -> build_model -> encode -> train -> save.
Checkpoints every --train.save_every steps go to OUT.partial/ so `--resume` continues a killed run
exactly; under torchrun/accelerate only the main process writes files (see resume.py).
Cross-entropy on the fix tokens only (see `tokenize.encode_sample`), AdamW, linear warm-up then
linear or cosine decay, gradient clipping, length-grouped batches so little compute goes to padding.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from codemend.config import TrainRecipeConfig, save_run_metadata
from codemend.errors import CodemendError
from codemend.io import atomic_folder, check_writable_target, read_jsonl
from codemend.task import build_source, build_target
from codemend.training import resume
from codemend.training.callbacks import TrainingMonitor
from codemend.training.card import model_card
from codemend.training.checkpoint import build_scratch_model, spec_for_training
from codemend.training.tokenize import EncodeReport, PadCollator, encode_all

logger = logging.getLogger(__name__)

SAMPLE_FIELDS = ("buggy", "fixed")
TOKENIZER_TRAINING_TEXTS = 20_000  # enough for a stable BPE; more only slows the start


@dataclass
class TrainReport:
    out: str
    steps: int = 0
    train_samples: int = 0
    # Samples read / training samples. The Trainer's logged "epoch" is not this: it counts passes over
    # the order resume.fixed_order hands it, which already holds every pass the steps need.
    data_passes: float = 0.0
    processes: int = 1  # data-parallel processes, each reading batch x accumulation rows per step
    seconds: float = 0.0
    tokens_per_second: float = 0.0
    losses: list[tuple[int, float]] = field(default_factory=list)
    eval_losses: list[tuple[int, float]] = field(default_factory=list)
    ranking: list[tuple[int, float, float]] = field(default_factory=list)  # --train.rank_weight: (step, ranking loss, share of fixes scored first)
    encode: dict = field(default_factory=dict)
    parameters: int = 0
    trainable_parameters: int = 0
    stopped_by_time: bool = False
    lora_merge_max_diff: float | None = None
    device: str = ""
    eval_samples: int = 0  # validation samples decoded at each evaluation
    gen_evals: list[tuple[int, float, float]] = field(default_factory=list)  # (step, exact match, localization)
    best_step: int | None = None  # the evaluation whose weights were saved
    best_metrics: dict = field(default_factory=dict)

    def fill_series(self, history: list[dict]) -> None:
        """The per-step series, from a Trainer's `log_history` (a resumed run's holds the steps before too)."""
        self.losses = [(h["step"], h["loss"]) for h in history if "loss" in h]
        self.eval_losses = [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h]
        self.ranking = [(h["step"], h["rank_loss"], h["fix_ranked_first"]) for h in history if "rank_loss" in h]
        self.gen_evals = [(h["step"], h["eval_exact_match"], h["eval_localization"]) for h in history if "eval_exact_match" in h]

    def write_series(self, folder: Path) -> None:
        """`folder`/train_log.json (the series as JSON) and `folder`/curves.png (them drawn)."""
        from codemend.training.plots import plot_curves

        series = {"loss": self.losses, "eval_loss": self.eval_losses, "ranking": self.ranking,
                  "generation_eval": [{"step": s, "exact_match": e, "localization": loc} for s, e, loc in self.gen_evals]}
        (folder / "train_log.json").write_text(json.dumps(series) + "\n")
        plot_curves(folder / "curves.png", self.losses, self.eval_losses, self.gen_evals)


# ----------------------------------------------------------------------------- stages


def setup(config: TrainRecipeConfig) -> None:
    import torch
    from transformers import set_seed

    check_writable_target(config.out, config.overwrite)
    if config.train.threads:
        torch.set_num_threads(config.train.threads)
    set_seed(config.seed)


def sample_to_pair(sample: dict, config: TrainRecipeConfig) -> tuple[str, str]:
    """(model input, target) for one dataset row, in the configured task format."""
    context = sample.get("context", "") if config.task.include_context else ""
    trace = sample.get("trace", "") if config.task.include_trace else ""
    source = build_source(sample["buggy"], context=context or "", trace=trace or "")
    return source, build_target(sample["buggy"], sample["fixed"], config.task.output_format)


def load_rows(config: TrainRecipeConfig) -> dict[str, list[dict]]:
    """Dataset rows per split: train, and validation when evaluating."""
    folder = Path(config.data)
    if not (folder / "train.jsonl").is_file():
        raise CodemendError(f"--data {folder}: no train.jsonl; build a dataset with `codemend data build --out {folder}`")
    splits = {"train": read_jsonl(folder / "train.jsonl", SAMPLE_FIELDS, SAMPLE_FIELDS)}
    if config.train.eval_every and (folder / "validation.jsonl").is_file():
        splits["validation"] = read_jsonl(folder / "validation.jsonl", SAMPLE_FIELDS, SAMPLE_FIELDS)
    if not splits["train"]:
        raise CodemendError(f"--data {folder}: train.jsonl has no samples; rebuild with more --source code")
    if config.max_train_samples:
        splits["train"] = splits["train"][: config.max_train_samples]
    return splits


def loss_rows(config: TrainRecipeConfig, rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """`rows` with validation cut to a seeded subset of --train.eval_loss_samples: the teacher-forced
    loss of a whole split (7.6k stdlib samples, each read with its ranking negatives) would take longer
    than the training between evaluations. Decoding picks its own samples from the whole split."""
    n, validation = config.train.eval_loss_samples, rows.get("validation")
    if not validation or not n or len(validation) <= n:
        return rows
    picked = random.Random(config.seed).sample(range(len(validation)), n)
    return {**rows, "validation": [validation[i] for i in sorted(picked)]}


def load_data(config: TrainRecipeConfig, rows: dict[str, list[dict]] | None = None) -> dict[str, list[tuple[str, str]]]:
    """(model input, target) pairs per split, from `rows` (read by `load_rows` when not given)."""
    rows = load_rows(config) if rows is None else rows
    return {name: [sample_to_pair(s, config) for s in split] for name, split in rows.items()}


def build_model(config: TrainRecipeConfig, train_pairs: list[tuple[str, str]]):
    """(model, tokenizer): from scratch with a BPE tokenizer trained on the data, or from `model.base`."""
    if config.model.base:
        return load_base(config)
    texts = [text for pair in train_pairs[:TOKENIZER_TRAINING_TEXTS] for text in pair]
    tokenizer = resume.scratch_tokenizer(config, texts)  # trained once, kept in OUT.partial for --resume
    return build_scratch_model(config.model, tokenizer, config.seed), tokenizer


def maybe_add_lora(config: TrainRecipeConfig, model):
    if not config.model.lora:
        return model
    from codemend.training.lora import add_lora

    model = add_lora(model, config.model)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    logger.info("LoRA: %d trainable parameters (%.2f%% of the model)", trainable, 100 * trainable / sum(p.numel() for p in model.parameters()))
    return model


def load_base(config: TrainRecipeConfig):
    """A pretrained checkpoint: a local folder, or a hub id when the hub is reachable."""
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    from codemend.training.bases import resolve_base

    base = resolve_base(config.model.base)  # a named base (e.g. smollm2-135m) becomes its cached folder
    model_class = AutoModelForSeq2SeqLM if config.model.arch == "seq2seq" else AutoModelForCausalLM
    try:
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = model_class.from_pretrained(base)
    except OSError as err:
        where = "the folder exists but lacks config.json, weights or tokenizer files" if Path(base).is_dir() else (
            "it is not a local folder, and the model hub could not be reached (offline?)"
        )
        raise CodemendError(
            f"--model.base {base}: cannot load ({where}: {str(err).splitlines()[0]}). Pass a local folder holding "
            f"config.json, model.safetensors and tokenizer files, e.g. one saved with `model.save_pretrained(path)`"
        ) from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.bos_token_id is None:
        # Causal prompts start with BOS (encode_sample, generation). Tokenizers without one (Qwen2)
        # separate documents with EOS in pretraining, so EOS is the natural start; it is saved with
        # the tokenizer, so inference starts prompts the same way.
        tokenizer.bos_token = tokenizer.eos_token
    if len(tokenizer) > model.get_input_embeddings().weight.shape[0]:
        raise CodemendError(f"--model.base {base}: tokenizer has {len(tokenizer)} tokens but the model only {model.get_input_embeddings().weight.shape[0]} embeddings; they do not belong together")
    return model, tokenizer


def encode(config: TrainRecipeConfig, tokenizer, pairs: dict[str, list[tuple[str, str]]], samples: dict[str, list[dict]] | None = None):
    """Token rows per split; with --train.rank_weight each keeps its sample's `buggy` and `fixed` code,
    from which the ranking collator draws the other candidates (`samples`: the rows `pairs` came from)."""
    from datasets import Dataset

    encoded, reports = {}, {}
    for split, split_pairs in pairs.items():
        if not split_pairs:
            continue
        rows, report = encode_all(tokenizer, split_pairs, config.model.arch, config.model.max_source_tokens, config.model.max_target_tokens, split)
        if config.train.rank_weight:
            rows = [{**row, "buggy": samples[split][row["sample"]]["buggy"], "fixed": samples[split][row["sample"]]["fixed"]} for row in rows]
        encoded[split] = Dataset.from_list(rows)
        reports[split] = asdict(report)
        logger.info("%s: %d samples, %.1f%% of tokens carry loss, dropped %s", split, report.kept, 100 * report.loss_token_share, report.dropped or "none")
    return encoded, reports


def time_budget_callback(minutes: float):
    """A TrainerCallback that stops training after `minutes` (0: never); the checkpoint is still saved."""
    from transformers import TrainerCallback

    class TimeBudget(TrainerCallback):
        def __init__(self):
            self.deadline = time.monotonic() + minutes * 60
            self.stopped = False

        def on_step_end(self, args, state, control, **kwargs):
            if minutes and agreed(time.monotonic() > self.deadline, args.device):
                control.should_training_stop = self.stopped = True
            return control

    return TimeBudget()


def agreed(flag: bool, device) -> bool:
    """`flag` if any rank raises it: ranks whose clocks disagree must still stop at the same step."""
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return flag
    value = torch.tensor([int(flag)], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def train(config: TrainRecipeConfig, model, tokenizer, datasets: dict, resume_from: str | None = None, callbacks: list = ()):
    import torch

    from codemend.training.trainers import build_trainer

    t = config.train
    evaluate = bool(t.eval_every and "validation" in datasets)
    quiet = not logger.isEnabledFor(logging.INFO)  # `codemend -q`: no progress bar, no log dicts
    # Rows are read in an order fixed by the seed (resume.fixed_order), so a resumed run reads what
    # the uninterrupted one would have: the Trainer then only needs to skip the batches already seen.
    datasets = {**datasets, "train": resume.fixed_order(datasets["train"], config.seed, t.samples_per_step(resume.ranks().num_processes), t.max_steps)}
    args_kwargs = dict(  # TrainingArguments for both families; build_trainer adds --train.precision
        **resume.trainer_arguments(config), max_steps=t.max_steps, learning_rate=t.lr, weight_decay=t.weight_decay,
        lr_scheduler_type=t.scheduler, warmup_steps=t.warmup_ratio, per_device_train_batch_size=t.batch_size,
        per_device_eval_batch_size=t.batch_size, gradient_accumulation_steps=t.grad_accum,
        max_grad_norm=t.grad_clip or 0.0, logging_steps=t.log_every, report_to="none",
        eval_strategy="steps" if evaluate else "no", eval_steps=t.eval_every or None, seed=config.seed,
        data_seed=config.seed, train_sampling_strategy="sequential", remove_unused_columns=False,
        use_cpu=not torch.cuda.is_available(), dataloader_num_workers=t.workers, disable_tqdm=quiet,
    )
    budget = time_budget_callback(t.max_minutes)
    clock = resume.elapsed_clock(before=resume.previous_seconds(resume_from))  # a resumed run counts its predecessors' time
    # SFTTrainer for causal models, a token-normalised Trainer for seq2seq (see trainers.py).
    trainer = build_trainer(config, model, tokenizer, datasets, args_kwargs, callbacks=[budget, clock, *callbacks])
    if quiet:  # without its progress bar the Trainer prints each log's dict instead
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    with resume.tied_keys_not_missing(model):
        trainer.train(resume_from_checkpoint=resume_from)
    return trainer, clock.total(), budget.stopped


def keep_trained_adapter(adapter: Path, partial: Path, report: TrainReport) -> Path:
    """Move a just-saved adapter out of the output's temporary folder, which a failed save removes: the
    minutes of training since the last checkpoint are not lost to an error in the merge check after them.
    The run's report (steps, losses) goes with it as train_report.json."""
    kept = partial / resume.FINAL_ADAPTER
    partial.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(kept, ignore_errors=True)
    shutil.move(str(adapter), str(kept))
    (kept / "train_report.json").write_text(json.dumps(asdict(report), default=str) + "\n")
    return kept


def save(config: TrainRecipeConfig, model, tokenizer, report: TrainReport, sample_batch: dict, monitor: TrainingMonitor | None = None) -> None:
    """Write the checkpoint folder atomically; a full disk is a CodemendError and leaves OUT as it was."""
    partial = resume.partial_folder(config)
    hint = f"the training checkpoints are in {partial}: free space and rerun the same command with --resume" if config.train.save_every else ""
    with atomic_folder(config.out, config.overwrite, disk_full_hint=hint) as tmp:
        if config.model.lora:
            from codemend.training.lora import merge_with_parity

            model.save_pretrained(tmp / "adapter")  # before merging: merging consumes the adapter
            try:
                model, report.lora_merge_max_diff = merge_with_parity(model, sample_batch)
            except Exception as err:
                kept = keep_trained_adapter(tmp / "adapter", partial, report)
                again = f" ({resume.continue_kept_adapter(kept)})" if config.model.base else ""
                raise CodemendError(f"{err}; {config.out} was not written, and the trained adapter is kept in {kept}{again}") from err
        if not config.model.lora or config.model.lora_save_merged:
            model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        spec_for_training(config.model, config.task).save(tmp)
        save_run_metadata(config, tmp, train=asdict(report))
        report.write_series(tmp)
        if monitor is not None:
            monitor.save_into(tmp)  # tensorboard/
        (tmp / "README.md").write_text(model_card(config, report), encoding="utf-8")


# ----------------------------------------------------------------------------- the recipe


def run(config: TrainRecipeConfig, on_start: Callable[[], None] | None = None) -> TrainReport:
    """`on_start` is called once the output folder and the data are found usable (the CLI prints the resolved
    config then: a refused resume or a leftover folder is said alone, not under a screen of settings)."""
    setup(config)
    try:
        report = _prepare_and_train(config, on_start)
    except BaseException:
        resume.abandon(config)  # OUT.lock goes, and OUT.partial unless it holds something saved
        raise
    resume.finish(config)  # waits for the main process to have saved
    return report


def _prepare_and_train(config: TrainRecipeConfig, on_start: Callable[[], None] | None) -> TrainReport:
    resume_from = resume.prepare(config)
    ranks = resume.ranks()
    if ranks.num_processes > 1:
        logger.info("data parallel: world size %d (%s)", ranks.num_processes, ranks.distributed_type)
    rows = load_rows(config)
    if on_start is not None:
        on_start()
    encoded_rows = loss_rows(config, rows)
    pairs = load_data(config, encoded_rows)
    model, tokenizer = build_model(config, pairs["train"])
    datasets, encode_reports = encode(config, tokenizer, pairs, encoded_rows)
    model = maybe_add_lora(config, model)
    report = TrainReport(out=config.out, train_samples=len(datasets["train"]), encode=encode_reports, processes=ranks.num_processes,
                         parameters=sum(p.numel() for p in model.parameters()),
                         trainable_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad))
    logger.info("model: %s, %.2fM parameters; %d training samples", type(model).__name__, report.parameters / 1e6, report.train_samples)
    # Decodes validation samples at each evaluation, keeps the best weights, writes TensorBoard logs.
    logs = resume.partial_folder(config) / "tensorboard" if ranks.is_main_process else None
    purge = resume.checkpoint_step(Path(resume_from)) + 1 if resume_from else None  # the first step it logs again
    monitor = TrainingMonitor.for_run(config, rows.get("validation", []), lambda row: sample_to_pair(row, config), tokenizer,
                                      log_dir=logs, purge_step=purge)
    trainer, seconds, report.stopped_by_time = train(config, model, tokenizer, datasets, resume_from, monitor.callbacks())
    history = trainer.state.log_history
    report.steps = trainer.state.global_step
    report.seconds = round(seconds, 1)
    report.fill_series(history)
    passes = report.steps * config.train.samples_per_step(report.processes) / max(report.train_samples, 1)
    report.data_passes = round(passes, 3)
    tokens = sum(datasets["train"]["length"]) * passes
    report.tokens_per_second = round(tokens / max(seconds, 1e-9), 1)
    monitor.fill_report(report)
    sample_batch = PadCollator(tokenizer.pad_token_id)([datasets["train"][i] for i in range(min(2, len(datasets["train"])))])
    # The logged loss is already averaged over ranks, so every rank must print the same number here.
    logger.info("rank %d final loss %s", ranks.process_index, report.losses[-1][1] if report.losses else "none")
    if ranks.is_main_process:
        save(config, model, tokenizer, report, {k: v for k, v in sample_batch.items() if k != "length"}, monitor)
    return report

