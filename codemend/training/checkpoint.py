"""Building models from a config, and loading checkpoints with errors that say what is missing.

A codemend checkpoint is a plain Hugging Face folder (`AutoModel*.from_pretrained(path)` and
`AutoTokenizer.from_pretrained(path)` load it) plus `codemend.json`, the task format the model
was trained with, so inference formats its input exactly as training did.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from dataclasses import MISSING, asdict, dataclass, replace
from pathlib import Path
from typing import get_args, get_type_hints

from codemend.config import Engine, ModelConfig, Precision, TaskConfig
from codemend.errors import CodemendError
from codemend.task import PROMPT_VERSION
from codemend.training.attention import use_grouped_attention

logger = logging.getLogger(__name__)

SPEC_FILE = "codemend.json"
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
# A tokenizer without tokenizer.json loads from its tokenizer_config.json and one of these (a slow tokenizer's vocabulary);
# a config alone does not ("Couldn't instantiate the backend tokenizer").
TOKENIZER_VOCABULARIES = ("vocab.json", "spiece.model", "tokenizer.model", "vocab.txt", "sentencepiece.bpe.model")
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "default"  # package data: a LoRA adapter on smollm2-135m
ADAPTER_DIR = "adapter"  # where `codemend train --model.lora true` saves the LoRA adapter
PRECISIONS = get_args(Precision)  # weights at inference (see inference_options)
ENGINES = get_args(Engine)  # what computes the model at inference (see load_checkpoint)


@dataclass(frozen=True)
class TaskSpec:
    """What inference must know to talk to a checkpoint the way it was trained."""

    arch: str
    output_format: str
    include_context: bool
    include_trace: bool
    max_source_tokens: int
    max_target_tokens: int
    prompt_version: str = PROMPT_VERSION
    base: str = ""  # the pretrained base an adapter-only checkpoint is merged onto at load time
    # Candidate score = edit log-likelihood + this x naturalness delta (causal models; 0: edit only).
    # Tuned on a validation split by bench/tune_ranking.py, which writes it here.
    naturalness_weight: float = 0.0

    @classmethod
    def from_configs(cls, model: ModelConfig, task: TaskConfig) -> "TaskSpec":
        # A base folder is recorded as an absolute path: inference may run from another directory.
        base = str(Path(model.base).resolve()) if model.base and Path(model.base).is_dir() else model.base
        return cls(model.arch, task.output_format, task.include_context, task.include_trace,
                   model.max_source_tokens, model.max_target_tokens, base=base)

    def save(self, folder: Path) -> None:
        (Path(folder) / SPEC_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "TaskSpec":
        """The spec saved in `folder`; a CodemendError naming the file when it is unreadable or not a spec."""
        path = Path(folder) / SPEC_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise CodemendError(f"{path} could not be read ({err}); {SPEC_FIX}") from None
        problems = spec_problems(data)
        if problems:
            raise CodemendError(f"{path} is not a codemend task spec: {'; '.join(problems)}; {SPEC_FIX}")
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


SPEC_FIX = "`codemend train` writes it beside the weights: restore the folder from its backup, or train it again"
SPEC_CHOICES = {"arch": get_args(get_type_hints(ModelConfig)["arch"]), "output_format": get_args(get_type_hints(TaskConfig)["output_format"])}
SPEC_WANTED = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}  # a TaskSpec field's type, said


def spec_problems(data) -> list[str]:
    """What keeps `data` (a parsed codemend.json) from being a TaskSpec: a missing key, a wrong type, an unknown choice."""
    if not isinstance(data, dict):
        return [f"expected a JSON object, got {type(data).__name__}"]
    required = [name for name, field in TaskSpec.__dataclass_fields__.items() if field.default is MISSING]
    problems = [f"no {name!r}" for name in required if name not in data]
    for name, choices in SPEC_CHOICES.items():
        if name in data and data[name] not in choices:
            problems.append(f"{name} {data[name]!r} is not one of {', '.join(choices)}")
    for name, kind in get_type_hints(TaskSpec).items():
        accepted = (int, float) if kind is float else kind  # JSON writes 1.0 as 1
        if name in data and (not isinstance(data[name], accepted) or (kind is not bool and isinstance(data[name], bool))):
            problems.append(f"{name} is {json.dumps(data[name])}, not {SPEC_WANTED[kind]}")
    return problems


def spec_for_training(model: ModelConfig, task: TaskConfig) -> TaskSpec:
    """The spec a training run saves: from its configs, keeping the ranking weight tuned for the
    adapter it continues (`--model.lora_init`), which a fresh run would reset to 0."""
    spec = TaskSpec.from_configs(model, task)
    if not model.lora_init:
        return spec
    folder = model_folder(model.lora_init)
    for candidate in (folder, folder.parent) if folder.name == ADAPTER_DIR else (folder,):
        if (candidate / SPEC_FILE).is_file():
            weight = TaskSpec.load(candidate).naturalness_weight
            if weight:
                logger.info("kept naturalness_weight %g from %s (tuned for the adapter this run continues; "
                            "re-tune with bench/tune_ranking.py --write)", weight, candidate)
            return replace(spec, naturalness_weight=weight)
    return spec


def build_scratch_model(config: ModelConfig, tokenizer, seed: int):
    """A small randomly initialised model of `config.arch`, sized by `config`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, T5Config, T5ForConditionalGeneration

    torch.manual_seed(seed)
    ids = dict(pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
    if config.arch == "seq2seq":
        model_config = T5Config(
            vocab_size=len(tokenizer), d_model=config.d_model, d_kv=config.d_model // config.n_heads,
            d_ff=config.d_ff, num_layers=config.n_layers, num_decoder_layers=config.n_layers,
            num_heads=config.n_heads, dropout_rate=0.0, decoder_start_token_id=tokenizer.pad_token_id,
            feed_forward_proj="gated-gelu", tie_word_embeddings=True, bos_token_id=tokenizer.bos_token_id, **ids,
        )
        return T5ForConditionalGeneration(model_config)
    model_config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=config.d_model, intermediate_size=config.d_ff,
        num_hidden_layers=config.n_layers, num_attention_heads=config.n_heads, num_key_value_heads=config.n_heads,
        max_position_embeddings=config.max_source_tokens + config.max_target_tokens,
        bos_token_id=tokenizer.bos_token_id, tie_word_embeddings=True, **ids,
    )
    return LlamaForCausalLM(model_config)


def model_folder(path: str | Path) -> Path:
    """`default` names the model shipped inside the package; anything else is a folder path."""
    return DEFAULT_MODEL if str(path) == "default" else Path(path)


def missing_tokenizer_files(folder: Path) -> list[str]:
    """What a tokenizer needs that `folder` lacks: tokenizer_config.json (without it transformers guesses the
    tokenizer's class from config.json: a T5 one failed on a BPE vocabulary, a causal one had no padding token),
    and tokenizer.json or the vocabulary a slow tokenizer loads from."""
    missing = [] if (folder / "tokenizer_config.json").is_file() else ["tokenizer_config.json"]
    if not (folder / "tokenizer.json").is_file() and not any((folder / name).is_file() for name in TOKENIZER_VOCABULARIES):
        missing.append("tokenizer (tokenizer.json)")
    return missing


def check_checkpoint_dir(path: str | Path, need_spec: bool = True) -> Path:
    """Raise a CodemendError that lists what is missing, what is there, and the command to fix it."""
    folder = model_folder(path)
    train_hint = f"train one with `codemend train --out {folder}` or pass --model with a folder written by `codemend train`"
    if folder.is_file():  # a source file given as --model: training into it is not the way out
        raise CodemendError(f"model folder {folder} is a file; pass --model with a folder written by `codemend train` (or `default`)")
    if not folder.is_dir():
        raise CodemendError(f"model folder {folder} does not exist; {train_hint}")
    present = sorted(p.name for p in folder.iterdir())
    missing = []
    if not is_adapter_only(folder):
        if not (folder / "config.json").is_file():
            missing.append("config.json")
        if not any((folder / name).is_file() for name in WEIGHT_FILES):
            missing.append("model weights (model.safetensors)")
    missing += missing_tokenizer_files(folder)
    if need_spec and not (folder / SPEC_FILE).is_file():
        missing.append(f"{SPEC_FILE} (the task format)")
    if missing:
        # Training into a folder of other files (a dataset, a project) is not the way out: name the kind wanted.
        hint = train_hint if not present else "pass --model with a folder written by `codemend train` (or `default`)"
        raise CodemendError(
            f"model folder {folder} is incomplete: missing {', '.join(missing)}; it has: {', '.join(present) or 'nothing'}; {hint}"
        )
    if need_spec:
        TaskSpec.load(folder)  # a damaged one is said with the configuration's other problems, before any model loads
    return folder


def inference_options(precision: str) -> dict:
    """`from_pretrained` keywords for inference in `precision` (auto, fp32 or bf16) on the CPU.

    bf16 (bfloat16) halves the weight reads that bound decoding where the CPU multiplies bfloat16
    matrices fast: on the 2-core AVX2 machine of 2026-12-02 the shipped model repaired 100 held-out stdlib bugs
    1.8x faster than in float32 with the same accuracy (33% vs 32% top-1 exact, the same top-1 fix for 92).
    On a 2-core AVX2 AMD EPYC machine the same bfloat16 products ran 12-40x slower than float32: `auto`
    measures which is faster here (`inference_precision`). In bfloat16 the attention is eager: torch's CPU
    flash-attention kernel ran the same beams 3.8x slower in bfloat16 than in float32;
    `load_checkpoint` then switches models that share key/value heads to `attention.grouped_query_attention`.
    """
    import torch

    if inference_precision(precision) == "fp32":
        return {"dtype": torch.float32}
    return {"dtype": torch.bfloat16, "attn_implementation": "eager"}


def inference_precision(precision: str) -> str:
    """fp32 or bf16 for an inference `--precision` value: `auto` is whichever multiplies matrices faster on this
    CPU (training resolves its own `--train.precision` in `trainers.resolve_precision`)."""
    if precision not in PRECISIONS:
        raise CodemendError(f"--precision {precision}: choose one of {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision
    return faster_precision(matmul_seconds())


# bf16 must be clearly faster to be chosen: its weights are rounded, and a near-tie is noise.
BF16_MARGIN = 0.8


def faster_precision(seconds: dict[str, float]) -> str:
    """bf16 if its measured products took under BF16_MARGIN of fp32's time, else fp32 (as trained: the safe side)."""
    return "bf16" if seconds["bf16"] < BF16_MARGIN * seconds["fp32"] else "fp32"


@functools.lru_cache(maxsize=1)
def matmul_seconds(rows: int = 10, rounds: int = 5) -> dict[str, float]:
    """Best-of-`rounds` seconds of a (rows x 576) @ (576 x 1536) product, SmolLM2-135M's MLP shape at
    10 beams, in float32 and in bfloat16 (a few ms where bf16 is fast, ~60 ms where it is slow; once per process)."""
    import torch

    products = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a, b = torch.randn(rows, 576, dtype=dtype), torch.randn(576, 1536, dtype=dtype)
        a @ b  # the first product sets up the kernel
        products[name] = functools.partial(torch.matmul, a, b)
    seconds = interleaved_minimum(products, rounds)
    logger.info("--precision auto: %s (a product took %.2f ms in fp32, %.2f ms in bf16)", faster_precision(seconds),
                1e3 * seconds["fp32"], 1e3 * seconds["bf16"])
    return seconds


def interleaved_minimum(calls: dict, rounds: int, clock=None) -> dict[str, float]:
    """Each call's fastest time over `rounds` rounds that run every call once, in turn: a burst of load
    from another process slows both sides of a round, not all of one side's tries (under a second
    job on 2 cores, fp32 tried three times in a row once measured 15 ms and lost to bf16)."""
    import time

    clock = clock or time.perf_counter
    best = dict.fromkeys(calls, math.inf)
    for _ in range(rounds):
        for name, call in calls.items():
            started = clock()
            call()
            best[name] = min(best[name], clock() - started)
    return best


def load_checkpoint(path: str | Path, precision: str = "fp32", engine: str = "auto"):
    """(model, tokenizer, spec) from a codemend checkpoint folder, model in eval mode, its weights in
    `precision` (see `inference_options`; training and exact comparisons keep float32).

    `engine` auto: a decoder-only Llama checkpoint (the shipped default) runs on codemend's own forward
    pass (`inference.runtime`), which spares a cold process the ~5 s import of transformers' modeling
    code; anything else, or `engine` transformers, loads through transformers' Auto classes."""
    folder = check_checkpoint_dir(path)
    if engine not in ENGINES:
        raise CodemendError(f"--engine {engine}: choose one of {', '.join(ENGINES)}")
    from safetensors import SafetensorError

    spec = TaskSpec.load(folder)
    options = inference_options(precision)
    try:
        loaded = _runtime(folder, spec, options) if engine == "auto" and spec.arch == "causal" else None
        model, tokenizer = loaded or (_transformers_model(folder, spec, options), _transformers_tokenizer(folder))
    except (OSError, ValueError, SafetensorError) as err:  # SafetensorError: a damaged weights file
        raise CodemendError(f"model folder {folder} could not be loaded ({str(err).splitlines()[0]}); retrain it or restore it from its backup") from None
    return model, tokenizer, spec


def _runtime(folder: Path, spec: TaskSpec, options: dict):
    """(LlamaRuntime, RuntimeTokenizer) where the runtime covers the checkpoint, else None."""
    from codemend.inference.runtime import load_runtime

    return load_runtime(folder, weights_folder(folder, spec), options["dtype"], twin=functools.partial(_transformers_model, folder, spec, options))


def _transformers_model(folder: Path, spec: TaskSpec, options: dict):
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a per-call "Loading weights" bar is noise in a CLI
    model = _model_class(spec).from_pretrained(weights_folder(folder, spec), **options)
    if options.get("attn_implementation") == "eager":
        use_grouped_attention(model)
    return model.eval()


def _transformers_tokenizer(folder: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder)


def is_adapter_only(folder: Path) -> bool:
    """A checkpoint holding a LoRA adapter and the name of its base, but no full weights."""
    return (folder / ADAPTER_DIR / "adapter_config.json").is_file() and not any((folder / n).is_file() for n in WEIGHT_FILES)


def _model_class(spec: TaskSpec):
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    return AutoModelForSeq2SeqLM if spec.arch == "seq2seq" else AutoModelForCausalLM


def weights_folder(folder: Path, spec: TaskSpec) -> Path:
    """Where a checkpoint's config.json and full weights are: the folder itself, or for an adapter-only
    checkpoint its cached merge (`merged_adapter`)."""
    return merged_adapter(folder, spec) if is_adapter_only(folder) else folder


def merged_adapter(folder: Path, spec: TaskSpec) -> Path:
    """The folder of the base with the adapter in `folder` merged in, float32, cached keyed by the adapter's hash.

    The first use imports peft (~13 s) and merges; later uses read the cached merge (~0.3 s).
    """
    import hashlib

    from codemend.training.bases import cache_root

    weights = folder / ADAPTER_DIR / "adapter_model.safetensors"
    digest = hashlib.sha256(weights.read_bytes() + spec.base.encode()).hexdigest()[:16]
    merged = cache_root() / "merged" / digest
    if not (merged / "model.safetensors").is_file():
        _merge_into(merged, folder, spec)
    return merged


def _merge_into(merged: Path, folder: Path, spec: TaskSpec) -> None:
    """Merge the adapter in `folder` onto its base and save the result as `merged` (write, then rename)."""
    import os
    import shutil

    if not spec.base:
        raise CodemendError(f"model folder {folder} holds only a LoRA adapter and {SPEC_FILE} names no base to merge it onto; retrain with --model.lora_save_merged true")
    from peft import PeftModel

    logger.info("merging the adapter in %s onto %s (first use only; cached in %s)", folder, spec.base, merged)
    model = PeftModel.from_pretrained(_load_base(folder, spec), folder / ADAPTER_DIR).merge_and_unload()
    partial = merged.with_name(f"{merged.name}.partial-{os.getpid()}")
    model.save_pretrained(partial)
    shutil.rmtree(merged, ignore_errors=True)  # an incomplete leftover (a complete one is never merged again)
    try:
        os.rename(partial, merged)
    except OSError:  # another process cached the same merge first
        shutil.rmtree(partial, ignore_errors=True)


def _load_base(folder: Path, spec: TaskSpec):
    """The base an adapter-only checkpoint names; an error saying so when it has moved or is gone."""
    from codemend.training.bases import resolve_base

    try:
        return _model_class(spec).from_pretrained(resolve_base(spec.base))
    except (OSError, ValueError) as err:  # a missing folder reads as an invalid hub id (a ValueError)
        raise CodemendError(
            f"model folder {folder} holds only a LoRA adapter, and its base {spec.base} (named in {SPEC_FILE}) cannot be loaded "
            f"({str(err).splitlines()[0]}); put the base back there, set \"base\" in {SPEC_FILE} to where it is now, "
            f"or retrain with --model.lora_save_merged true to save the full weights"
        ) from None
