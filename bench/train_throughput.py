"""Training throughput of `codemend train` next to a plain transformers Trainer on the same model and data.

    python bench/train_throughput.py                       # seq2seq, demo.yaml sizes, 30 steps each, stdlib data
    python bench/train_throughput.py --arch causal --steps 50 --batch-size 8 --data runs/data

In one run, from the same model initialisation and the same encoded rows, it trains:

* codemend: the recipe's own `train` stage (`recipe.train`: rows in a seeded length-grouped order,
  `PadCollator`, the trainer from `trainers.build_trainer`);
* baseline: a plain `transformers.Trainer` with `DataCollatorForSeq2Seq` padding random batches
  to their longest row (no length grouping): what a first Trainer script does;

and, as a diagnostic, the plain Trainer again on codemend's own batches in its order (what is left is the trainer
and its loss: TRL's SFTTrainer for causal models);

for --steps optimizer steps of --batch-size rows each, with the same TrainingArguments values otherwise
(lr, schedule, clipping, precision). Both read the same rows: --steps x --batch-size of the training
split, drawn with the config's seed, once each, which the runs check row by row (until 2026-12-07 each run took its first batches of
the whole split, and the length-grouped order's first batches are its longest: the two runs timed
different work, 8,585 real tokens against 3,916). A forward pre-hook on the
model counts the tokens each training batch really holds (encoder + decoder tokens for seq2seq)
and the padded positions computed, the same way for both.

Prints the machine (CPU count, torch threads, load average), the command, and a table: real
tokens/s, the share of computed positions that were padding, and achieved FLOP/s as 6 x parameters
x real tokens, against this machine's fp32 matmul peak measured in the same run (a large
torch.matmul). For seq2seq the 6 x parameters x tokens rule is an approximation (an encoder token
passes through the encoder's weights only, a decoder token through the decoder's), so read its
FLOP share as an upper bound. Target: codemend / baseline real tokens/s >= 1.3.
"""

from __future__ import annotations

import argparse
import collections
import copy
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from codemend.config import TrainRecipeConfig, load_config

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: machine.py beside it
import machine  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.3
IGNORE_INDEX = -100


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", choices=["seq2seq", "causal"], default=None, help="override the config's --model.arch")
    parser.add_argument("--steps", type=int, default=30, help="optimizer steps for each of the two runs")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--data", default="", help="dataset folder; default: build one from 3000 stdlib functions in a temporary folder")
    parser.add_argument("--config", default=str(REPO / "configs/train/default.yaml"),
                        help="train config giving the model and optimiser (default: the default recipe, SmolLM2-135M with LoRA)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: the config's --train.threads, else torch's default)")
    parser.add_argument("--matmul-size", type=int, default=2048, help="side of the square fp32 matmul timed for the peak")
    return parser.parse_args(argv)


class TokenCounter:
    """Forward pre-hook: real (non-padding) tokens, computed positions and start time of every training batch.

    Every batch is timed, from the first one's start to the end of training: both runs read the same rows, and
    leaving out the first batch would leave out different work (codemend's length-grouped order starts with its
    longest batch). The start-up a first step pays (thread pools, lazy initialisation) is paid before, by `warm_up`.
    """

    def __init__(self):
        self.batches: list[tuple[float, float, int, int]] = []  # (wall time, CPU time, real tokens, computed positions)
        self.rows: collections.Counter[tuple[int, ...]] = collections.Counter()  # each row's real input tokens, as read
        self.end = self.end_cpu = 0.0

    def __call__(self, module, args, kwargs):
        if not module.training or "input_ids" not in kwargs:
            return
        mask, labels = kwargs["attention_mask"], kwargs.get("labels")
        real, computed = int(mask.sum()), mask.numel()
        self.rows.update(real_rows(kwargs["input_ids"], mask))
        if module.config.is_encoder_decoder:  # the decoder's tokens are work too
            if labels is not None:  # the plain Trainer: the model builds its decoder inputs from the labels
                real, computed = real + int((labels != IGNORE_INDEX).sum()), computed + labels.numel()
            else:  # codemend's trainer passes the decoder inputs and computes the loss itself
                decoder = kwargs["decoder_input_ids"]
                real, computed = real + decoder_tokens(decoder, module.config), computed + decoder.numel()
        self.batches.append((time.perf_counter(), time.process_time(), real, computed))

    def stop(self) -> None:
        self.end, self.end_cpu = time.perf_counter(), time.process_time()

    @property
    def timed(self) -> tuple[float, float, int, int]:
        """(wall s, CPU s, real tokens, computed positions) from the first batch's start to the end of training."""
        first = self.batches[0]
        return self.end - first[0], self.end_cpu - first[1], sum(b[2] for b in self.batches), sum(b[3] for b in self.batches)


def real_rows(input_ids, mask) -> list[tuple[int, ...]]:
    """Each row's tokens without its padding (on either side): the same row reads the same in any batch."""
    return [tuple(ids[keep.bool()].tolist()) for ids, keep in zip(input_ids, mask)]


def same_work(counters: Sequence[TokenCounter]) -> str:
    """"" when every run read the same rows, each as often; else what differs, to print."""
    first = counters[0].rows
    for index, counter in enumerate(counters[1:], start=2):
        if counter.rows != first:
            only = sum((first - counter.rows).values()), sum((counter.rows - first).values())
            return f"run 1 read {only[0]} row(s) run {index} did not, run {index} {only[1]} run 1 did not"
    return ""


def warm_up(model, shape: tuple[int, int]) -> None:
    """One forward and backward pass on a dummy batch of `shape` (the batch size, the longest row), gradients
    dropped: the start-up a first step pays, paid outside the timing, the same for every run. No optimizer
    step: the weights stay as they were. A row of 16 tokens was too small: the first run timed (whichever it
    was) still ran ~15% slower than the same work run after it, its memory growing to the batches' size."""
    import torch

    ids = torch.full(shape, 5, dtype=torch.long, device=model.device)
    model.train()
    model(input_ids=ids, attention_mask=torch.ones_like(ids), labels=ids).loss.backward()
    model.zero_grad(set_to_none=True)


def decoder_tokens(decoder_input_ids, config) -> int:
    """The target tokens behind decoder inputs that were shifted right from the labels (codemend's trainer passes
    no labels to the model: it computes the loss itself): every one but the start token, plus, in a row that fills
    the width, the label shifted out past the end, unless the last input is EOS (every target ends with one)."""
    pad, last = config.pad_token_id, decoder_input_ids[:, -1]
    return int((decoder_input_ids[:, 1:] != pad).sum()) + int(((last != pad) & (last != config.eos_token_id)).sum())


def build_data(folder: Path) -> Path:
    from codemend.cli import main

    out = folder / "data"
    print(f"building a dataset: codemend data build --max_functions 3000 --out {out}", flush=True)
    if main(["-q", "data", "build", "--max_functions", "3000", "--out", str(out)]) != 0:
        raise SystemExit("data build failed")
    return out


def bench_config(args: argparse.Namespace, data: Path, out: Path) -> TrainRecipeConfig:
    overrides = {"data": str(data), "out": str(out), **({"model.arch": args.arch} if args.arch else {}), "train.batch_size": args.batch_size,
                 "train.grad_accum": 1, "train.max_steps": args.steps, "train.max_minutes": 0, "train.eval_every": 0,
                 "train.save_every": 0, "train.log_every": args.steps}
    return load_config(TrainRecipeConfig, args.config, overrides=overrides)


def same_rows(train, rows: int, seed: int):
    """`rows` rows of the training split drawn with `seed`: what both runs read, once each."""
    if len(train) < rows:
        raise SystemExit(f"the training split has {len(train)} rows, fewer than --steps x --batch-size ({rows}); lower them")
    return train.shuffle(seed=seed).select(range(rows))


def check_countable(model) -> None:
    """`decoder_tokens` tells a target's tokens from padding by the pad token: it must not also be EOS."""
    config = model.config
    if config.is_encoder_decoder and config.pad_token_id == config.eos_token_id:
        raise SystemExit(f"{type(model).__name__}: its pad token is its EOS token ({config.pad_token_id}), so codemend's "
                         f"decoder tokens cannot be counted; use a seq2seq model with a pad token of its own")


def largest_batch(config: TrainRecipeConfig, train) -> tuple[int, int]:
    """The warm-up's shape: a batch of the longest model input among the rows the runs read."""
    return config.train.batch_size, max(len(ids) for ids in train["input_ids"])


def run_codemend(config: TrainRecipeConfig, model, tokenizer, datasets: dict) -> tuple[float, TokenCounter]:
    from codemend.training import recipe

    warm_up(model, largest_batch(config, datasets["train"]))
    counter = TokenCounter()
    hook = model.register_forward_pre_hook(counter, with_kwargs=True)
    _, seconds, _ = recipe.train(config, model, tokenizer, {"train": datasets["train"]})
    counter.stop()
    hook.remove()
    return seconds, counter


def run_baseline(config: TrainRecipeConfig, model, tokenizer, datasets: dict, workdir: Path,
                 grouped: bool = False) -> tuple[float, TokenCounter]:
    """The plain Trainer: random batches, or (`grouped`) codemend's length-grouped batches in its order, which
    leaves the trainer and its loss as the one difference from codemend's run."""
    import torch
    from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments

    from codemend.training import resume
    from codemend.training.trainers import precision_kwargs

    t = config.train
    train = datasets["train"]
    if grouped:
        train = resume.fixed_order(train, config.seed, t.samples_per_step(resume.ranks().num_processes), t.max_steps)  # as recipe.train
    args = TrainingArguments(
        output_dir=str(workdir), max_steps=t.max_steps, learning_rate=t.lr, weight_decay=t.weight_decay,
        lr_scheduler_type=t.scheduler, warmup_steps=t.warmup_ratio, per_device_train_batch_size=t.batch_size,
        max_grad_norm=t.grad_clip or 0.0, logging_steps=t.log_every, save_strategy="no", report_to="none",
        seed=config.seed, data_seed=config.seed, use_cpu=not torch.cuda.is_available(), dataloader_num_workers=0,
        disable_tqdm=True, train_sampling_strategy="sequential" if grouped else "random", **precision_kwargs(t.precision),
    )
    collator = DataCollatorForSeq2Seq(tokenizer, padding="longest", label_pad_token_id=IGNORE_INDEX)
    trainer = Trainer(model=model, args=args, train_dataset=train.remove_columns("length"), data_collator=collator)
    warm_up(model, largest_batch(config, train))
    counter = TokenCounter()
    hook = model.register_forward_pre_hook(counter, with_kwargs=True)
    started = time.perf_counter()
    trainer.train()
    counter.stop()
    seconds = counter.end - started
    hook.remove()
    return seconds, counter


def matmul_peak(size: int) -> tuple[float, str]:
    """FLOP/s of a square fp32 matmul on the training device: the ceiling to compare training with."""
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    torch.matmul(a, b)  # warm-up: allocation, thread pool
    if device == "cuda":
        torch.cuda.synchronize()  # the warm-up must not run inside the timed loop
    reps, started = 5, time.perf_counter()
    for _ in range(reps):
        torch.matmul(a, b)
    if device == "cuda":
        torch.cuda.synchronize()
    return 2 * size**3 * reps / (time.perf_counter() - started), device


def flops_per_token(model) -> float:
    """Training FLOPs per token: 6 per trainable weight (forward, gradients of the input and of the weight) and 4 per
    frozen one (a LoRA base gets no weight gradients: 6 for all overstated its work by half)."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    return 6.0 * trainable + 4.0 * frozen


def print_table(rows: list[tuple[str, float, TokenCounter]], per_token: float, peak: float) -> dict[str, float]:
    print(f"| {'run':<58} | {'batches':>7} | {'real tokens':>11} | {'padding':>7} | {'total s':>7} | {'timed s':>7} | {'CPU s':>7} | "
          f"{'real tok/s':>10} | {'tok/CPU-s':>9} | {'GFLOP/s':>7} | {'of peak':>7} |")
    print(f"|{'-' * 60}|{'-' * 9}|{'-' * 13}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 12}|{'-' * 11}|{'-' * 9}|{'-' * 9}|")
    rates = {}
    for name, total, counter in rows:
        seconds, cpu, real, computed = counter.timed
        rate = real / seconds
        flops = per_token * rate
        rates[name] = (rate, real / max(cpu, 1e-9))
        print(f"| {name:<58} | {len(counter.batches):>7} | {real:>11,} | {1 - real / max(computed, 1):>7.1%} | {total:>7.1f} | {seconds:>7.1f} | "
              f"{cpu:>7.1f} | {rate:>10,.0f} | {rates[name][1]:>9,.0f} | {flops / 1e9:>7.2f} | {flops / peak:>7.1%} |")
    print("(timed s and CPU s run from the first batch's start, after an untimed warm-up step; total s is the whole")
    print(" train call; tokens per CPU-second is the steadier figure when other processes share the cores)")
    return rates


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    from codemend.training import recipe

    with tempfile.TemporaryDirectory(prefix="codemend-bench-train-") as tmp:
        data = Path(args.data) if args.data else build_data(Path(tmp))
        config = bench_config(args, data, Path(tmp) / "model")
        recipe.setup(config)  # seeds, and the config's --train.threads
        if args.threads:
            torch.set_num_threads(args.threads)
        print(machine.header())
        peak, device = matmul_peak(args.matmul_size)

        pairs = recipe.load_data(config)
        model, tokenizer = recipe.build_model(config, pairs["train"])
        model = recipe.maybe_add_lora(config, model)  # as `codemend train` does: the default recipe trains an adapter
        datasets, _ = recipe.encode(config, tokenizer, pairs)
        datasets["train"] = same_rows(datasets["train"], args.steps * args.batch_size, config.seed)
        check_countable(model)
        baseline_model, grouped_model = copy.deepcopy(model), copy.deepcopy(model)  # the same initial weights for every run
        parameters, per_token = sum(p.numel() for p in model.parameters()), flops_per_token(model)
        sizes = f"base {config.model.base}" + (", LoRA" if config.model.lora else "") if config.model.base else \
            f"d_model {config.model.d_model}, {config.model.n_layers} layers"
        print(f"model: {config.model.arch} {type(model).__name__}, {parameters / 1e6:.2f}M parameters ({sizes}); "
              f"{len(datasets['train'])} training rows; {args.steps} steps x batch {args.batch_size} each; "
              f"precision {config.train.precision}; {device} fp32 matmul peak {peak / 1e9:.1f} GFLOP/s ({args.matmul_size}^2)")

        ours = run_codemend(config, model, tokenizer, datasets)
        theirs = run_baseline(config, baseline_model, tokenizer, datasets, Path(tmp) / "baseline")
        plain = run_baseline(config, grouped_model, tokenizer, datasets, Path(tmp) / "grouped", grouped=True)
    print()
    names = ("codemend: length-grouped order, PadCollator, build_trainer", "baseline: Trainer, random batches, DataCollatorForSeq2Seq",
             "diagnostic: Trainer, codemend's batches, DataCollatorForSeq2Seq")
    rates = print_table([(names[0], *ours), (names[1], *theirs), (names[2], *plain)], per_token, peak)
    ratio = rates[names[0]][0] / rates[names[1]][0]
    cpu_ratio = rates[names[0]][1] / rates[names[1]][1]
    read = [run[1].timed[2] for run in (ours, theirs, plain)]
    differ = same_work([ours[1], theirs[1], plain[1]])
    print(f"the runs read the same {args.steps * args.batch_size} rows: {read[0]:,} real tokens each" if not differ else
          f"the runs DIFFER in their work ({differ}): {read[0]:,} real tokens against {read[1]:,} and {read[2]:,}")
    print(f"diagnostic: the plain Trainer on codemend's batches / codemend: {rates[names[2]][0] / rates[names[0]][0]:.2f}x "
          f"(above 1: codemend's trainer and loss cost time of their own; padding {1 - plain[1].timed[2] / max(plain[1].timed[3], 1):.1%})")
    print()
    verdict = "no verdict: not the same work" if differ else "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"real tokens/s, codemend / baseline: {ratio:.2f}x (target >= {TARGET_RATIO}) -> {verdict}; "
          f"per CPU-second: {cpu_ratio:.2f}x; load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("FLOP/s = (6 x trainable + 4 x frozen parameters) x real tokens / s"
          + (" (seq2seq: an approximation, an upper bound)" if config.model.arch == "seq2seq" else ""))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
