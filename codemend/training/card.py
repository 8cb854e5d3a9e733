"""The model card (README.md) that `codemend train` writes beside the weights.

    from codemend.training.card import model_card
    text = model_card(config, report)   # config: TrainRecipeConfig, report: recipe.TrainReport

It says what the model is, the command and settings that made it, where the time went, and how
well it decoded the validation samples (final and best evaluation), with the curves.
"""

from __future__ import annotations

import math
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from codemend.config import TrainRecipeConfig

if TYPE_CHECKING:
    from codemend.training.recipe import TrainReport


def model_card(config: TrainRecipeConfig, report: TrainReport) -> str:
    sections = [_intro(config, report), _command(), _settings(config, report), _results(report, config.train.eval_mode, config.train.eval_every),
                ["![training curves](curves.png)", "", _footer()]]
    return "\n".join(line for section in sections for line in section) + "\n"


def _intro(config: TrainRecipeConfig, report: TrainReport) -> list[str]:
    origin = f"fine-tuned from `{config.model.base}`" if config.model.base else "trained from scratch (random init, BPE tokenizer trained on the data)"
    if config.model.lora_init:
        shipped = " (the model codemend ships)" if config.model.lora_init == "default" else ""
        origin += f", continuing the LoRA adapter of `{config.model.lora_init}`{shipped}"
    return [
        "# codemend debugger model", "",
        f"A {config.model.arch} model ({report.parameters / 1e6:.2f}M parameters), {origin}, on `{config.data}`.",
        f"Task format: `{config.task.output_format}` output; see codemend.json.", "",
    ]


def _command() -> list[str]:
    return ["## How it was made", "", "```bash", command_line(sys.argv), "```", ""]


def command_line(argv: list[str]) -> str:
    """`argv` as one shell-quoted line; `python -m codemend` shows as `codemend`, as typed most often."""
    program = "codemend" if argv and Path(argv[0]).name in ("codemend", "__main__.py") else (argv[:1] or ["codemend"])[0]
    return shlex.join([program, *argv[1:]])


def parameter_count(n: int) -> str:
    """"2,048" or "134.52M": a tiny model's adapter read "0.00M of 0.08M"."""
    return f"{n:,}" if n < 1_000_000 else f"{n / 1e6:.2f}M"


def _settings(config: TrainRecipeConfig, report: TrainReport) -> list[str]:
    m, t = config.model, config.train
    validation = report.encode.get("validation", {}).get("kept", 0)
    stopped = " (stopped by --train.max_minutes)" if report.stopped_by_time else ""
    rows = [
        ("data", f"`{config.data}`: {report.train_samples} training samples" + (f"; validation loss on {validation} samples" if validation else "")
                 + (f" ({report.eval_samples} {'decoded' if t.eval_mode == 'generate' else 'repaired'} at each evaluation)" if report.eval_samples else "")),
        ("model", f"{m.arch}, {'base `' + m.base + '` (its own sizes)' if m.base else 'from scratch'}, "
                  f"{parameter_count(report.trainable_parameters)} of {parameter_count(report.parameters)} parameters trained"),
        ("LoRA", f"rank {m.lora_r}, alpha {m.lora_alpha}, targets {', '.join(m.lora_target_modules) or 'peft default'}, "
                 f"{'initialised from `' + m.lora_init + '`' if m.lora_init else 'fresh'}" if m.lora else "no (full fine-tuning)"),
        ("optimiser", f"AdamW, lr {t.lr:g}, {t.scheduler} decay after {t.warmup_ratio:.0%} warm-up, weight decay {t.weight_decay:g}"),
        ("batch", f"{t.batch_size} x accumulation {t.grad_accum} x {report.processes} process{'es' if report.processes > 1 else ''}"
                  f" = {t.samples_per_step(report.processes)} samples per step"),
        ("steps", f"{report.steps} of {t.max_steps}{stopped}: {report.data_passes:g} passes over the training samples"),
        ("training time", f"{report.seconds} s, {report.tokens_per_second} tokens/s"),
        ("device", report.device or "unknown"),
    ]
    return ["## Settings", "", "| what | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows), ""]


def _results(report: TrainReport, mode: str = "generate", eval_every: int = 0) -> list[str]:
    logged = (f"Last logged training loss: {report.losses[-1][1]:.4f}." if report.losses else
              f"No training loss was logged: the run's {report.steps} steps ended before the first log (--train.log_every).")
    lines = ["## Results", "", logged, ""]
    if not report.gen_evals:
        why = ("set --train.eval_every and --train.eval_samples" if not eval_every else
               f"--train.eval_every {eval_every} was set, but none ran: the data has no validation sample, or the run ended before step {eval_every}")
        return lines + [f"No evaluation by decoding during training ({why}).", ""]
    step, exact, localization = report.gen_evals[-1]
    final_loss = dict(report.eval_losses).get(step)
    best = report.best_metrics
    lines += [
        ("Greedy decoding" if mode == "generate" else "`codemend fix`'s first suggestion without tests (`--train.eval_mode repair`)")
        + f" of {report.eval_samples} validation samples; the saved weights are those of the best "
        f"evaluation (exact match, then localization, then lower validation loss).", "",
        f"| metric | final (step {step}) | best, saved (step {report.best_step}) |", "|---|---|---|",
        f"| exact match | {exact:.1%} | {best.get('exact_match', math.nan):.1%} |",
        f"| line localization (top-1) | {localization:.1%} | {best.get('localization', math.nan):.1%} |",
        f"| validation loss | {_number(final_loss)} | {_number(best.get('eval_loss'))} |", "",
    ]
    return lines


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _footer() -> str:
    return ("Evaluate it with `codemend eval --model THIS_FOLDER --data DATA`. The resolved config is in config.yaml; "
            "losses and evaluations per step are in train_log.json and, for `tensorboard --logdir THIS_FOLDER/tensorboard`, in tensorboard/.")
