"""Resuming an interrupted `codemend train` exactly, and running it on several processes.

    codemend train --config configs/train/demo.yaml --out runs/model             # killed at step 250
    codemend train --config configs/train/demo.yaml --out runs/model --resume    # continues from step 200
    torchrun --nproc_per_node 2 -m codemend train --config configs/train/demo.yaml   # data parallel

While a run trains, everything needed to continue it lives in OUT.partial/ beside the output:
the resolved config.yaml, the tokenizer of a from-scratch model (retraining a BPE on resume could
merge differently) and the Trainer's checkpoint-N folders (weights, optimizer, scheduler, RNG
states, trainer_state.json), every --train.save_every steps, the last two kept. It is a plain
folder, not a temporary one, so it survives a SIGKILL. A successful run writes OUT atomically and
then removes OUT.partial. While it trains, the main process holds an OS lock on OUT.lock: a second
run into the same --out is refused instead of wiping the first one's OUT.partial.

Resuming is exact: the rows are read in an order fixed by the seed alone (`fixed_order`), the
Trainer skips the batches already seen and restores the RNG states, so the losses after the
checkpoint are the ones the uninterrupted run logs.

Under torchrun/accelerate every rank runs the same recipe; only the main process writes files
(OUT.partial/config.yaml, the tokenizer, the checkpoint, the card) and the others wait for it at
a barrier (`ranks().wait_for_everyone()`).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import logging
import math
import os
import re
import shutil
from pathlib import Path

from codemend.config import TrainRecipeConfig, save_run_metadata, to_yaml
from codemend.errors import CodemendError
from codemend.io import file_digest

logger = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial"
TOKENIZER_DIR = "tokenizer"
CHECKPOINT_PREFIX = "checkpoint-"  # what the Trainer names its checkpoint folders
KEEP_CHECKPOINTS = 2
FINAL_ADAPTER = "final-adapter"  # where a LoRA run whose final save failed keeps its trained adapter
ELAPSED_FILE = "codemend_elapsed.json"  # training seconds up to a checkpoint, summed over interrupted runs
# Fields that may change between an interrupted run and its resumption without changing the result.
# `out` too: the folder resumed is the one --out names now, however the run named it.
MAY_DIFFER = ("resume", "overwrite", "out", "train.max_minutes", "train.save_every", "train.workers")
# Settings added after runs were started, with what those runs did: a resume folder whose config lacks one
# was written with this value.
BEFORE_THEY_EXISTED = {"train.eval_loss_samples": 0, "train.eval_mode": "generate"}
# Fields that name a file or folder: `runs/d`, `./runs/d` and its absolute path are one folder, and a run
# resumed from another folder names it another way (`same_value`).
PATH_FIELDS = ("data", "model.base", "model.lora_init")


def partial_folder(config: TrainRecipeConfig) -> Path:
    out = Path(config.out)
    return out.with_name(out.name + PARTIAL_SUFFIX)


def lock_file(config: TrainRecipeConfig) -> Path:
    out = Path(config.out)
    return out.with_name(out.name + ".lock")


_held_locks: dict[Path, object] = {}  # open lock files of this process: the OS lock lives as long as the handle


def hold_lock(config: TrainRecipeConfig) -> None:
    """Refuse a second run into the same --out while one trains (it would wipe the first's OUT.partial).

    An flock, not a marker file: the OS drops it when the process dies, even by SIGKILL, so an
    interrupted run never leaves a stale lock behind and `--resume` always gets through.
    """
    import fcntl
    import os

    path = lock_file(config)
    if path in _held_locks:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "another process"
        handle.close()
        raise CodemendError(f"another `codemend train` ({owner}) is writing to --out {config.out} right now; "
                            f"wait for it to finish, or pass a different --out") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    _held_locks[path] = handle


def release_lock(config: TrainRecipeConfig) -> None:
    path = lock_file(config)
    handle = _held_locks.pop(path, None)
    if handle is not None:
        path.unlink(missing_ok=True)
        handle.close()


def abandon(config: TrainRecipeConfig) -> None:
    """After a run that failed or was refused: release OUT.lock (when this process holds it), and remove
    OUT.partial when it holds nothing saved (a start stopped by bad input); one with a checkpoint or a
    kept adapter stays for --resume."""
    if lock_file(config) not in _held_locks:
        return  # another rank's, or another process's lock
    folder = partial_folder(config)
    if folder.is_dir() and not config.resume and not last_saved(folder):
        shutil.rmtree(folder, ignore_errors=True)
    release_lock(config)


def ranks():
    """The accelerate process state: rank, world size and a barrier; one process when not launched distributed."""
    import torch
    from accelerate import PartialState

    # The same `cpu` choice TrainingArguments makes later, so the process group it finds is this one.
    return PartialState(cpu=not torch.cuda.is_available())


# ----------------------------------------------------------------------------- the partial folder


def prepare(config: TrainRecipeConfig) -> str | None:
    """Check and set up OUT.partial; return the checkpoint to resume from (None: start at step 0).

    Every rank checks before the main process changes anything, so all ranks reach the same verdict.
    """
    folder = partial_folder(config)
    state = ranks()
    if state.is_main_process:
        hold_lock(config)
    checkpoint = None
    if config.resume:
        if not folder.is_dir():
            raise CodemendError(f"--resume: there is no interrupted run to resume ({folder} does not exist); run without --resume to start one")
        check_same_config(folder, config)
        check_same_world_size(folder, state.num_processes)
        check_same_data(folder, config)
        checkpoint = latest_checkpoint(folder)
    elif folder.exists() and not config.overwrite and (saved := last_saved(folder)):
        # Only training is worth protecting: a folder without a checkpoint or a kept adapter (a run
        # stopped by a bad flag before its first save) holds nothing that starting again does not recreate.
        again = f"{continue_kept_adapter(folder / FINAL_ADAPTER)}; " if (folder / FINAL_ADAPTER).is_dir() and config.model.base else ""
        raise CodemendError(
            f"{folder} holds an interrupted run of --out {config.out} (last saved: {saved}); "
            f"{again}pass --resume to continue it from its last checkpoint or --overwrite to discard it and start again"
        )
    state.wait_for_everyone()
    if state.is_main_process:
        if config.resume:
            remove_incomplete_checkpoints(folder)
        else:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            save_run_metadata(config, folder, world_size=state.num_processes, data_sha256=data_fingerprint(config.data))
    state.wait_for_everyone()
    if config.resume:
        where = f"from {checkpoint}" if checkpoint else "from step 0 (no complete checkpoint was saved yet)"
        logger.log(logging.INFO if checkpoint else logging.WARNING, "resuming %s %s", folder, where)
    return checkpoint


def finish(config: TrainRecipeConfig) -> None:
    """After the final checkpoint is in place: the partial folder has served its purpose."""
    state = ranks()
    state.wait_for_everyone()
    if state.is_main_process:
        shutil.rmtree(partial_folder(config), ignore_errors=True)
        release_lock(config)


def check_same_config(folder: Path, config: TrainRecipeConfig) -> None:
    """Raise a CodemendError naming every field where `config` differs from the one that started the run."""
    import yaml

    saved_file = folder / "config.yaml"
    if not saved_file.is_file():
        raise CodemendError(f"--resume: {folder} has no config.yaml, so it is not a resumable run; rerun without --resume and with --overwrite")
    saved = _flatten(yaml.safe_load(saved_file.read_text(encoding="utf-8")) or {})
    current = _flatten(yaml.safe_load(to_yaml(config)))  # through YAML, so both sides have the same types
    saved = {**BEFORE_THEY_EXISTED, **saved}
    started_in = started_with(folder).get("cwd") or os.getcwd()  # an older partial folder: where it was started is unknown
    differing = [
        _difference(key, saved.get(key, "(absent)"), current[key], started_in)
        for key in sorted(current)  # a saved key the config does not write now (ModelConfig.unread) is not read either
        if key not in MAY_DIFFER and not same_value(key, saved.get(key), current[key], started_in)
    ]
    if differing:
        raise CodemendError(
            f"--resume: the resume folder {folder} was written by a different config: {'; '.join(differing)} "
            f"(saved vs now); rerun without --resume (with --overwrite to discard it) or with the same config"
        )


def same_value(key: str, saved, current, started_in: str) -> bool:
    """Whether a field's saved value and its value now mean the same. A path field's values, where both name
    an existing file or folder, are compared as those places: `saved` read from `started_in` (the folder the
    interrupted run started in, which relative paths in its config.yaml are from), `current` from here.
    Otherwise as typed: a project moved since (its old folder gone) resumes as before, with `check_same_data`
    guarding the data's content."""
    saved_place, current_place = _place(key, saved, started_in), _place(key, current, os.getcwd())
    if saved_place is None or current_place is None:
        return saved == current
    return saved_place == current_place


def _place(key: str, value, folder: str) -> str | None:
    """The existing file or folder a path field's `value` names, read from `folder`; None when it names none:
    not a path field, empty, no such place, or a base or adapter given by name (`smollm2-135m`, `default`)."""
    from codemend.training.bases import is_named_base

    if key not in PATH_FIELDS or not isinstance(value, str) or not value or is_named_base(value) or value == "default":
        return None
    place = os.path.realpath(os.path.join(folder, os.path.expanduser(value)))
    return place if os.path.exists(place) else None


def _difference(key: str, saved, current, started_in: str) -> str:
    """One differing field as the error says it; a path with the folder each value is read from, when they differ."""
    if key in PATH_FIELDS and started_in != os.getcwd():
        return f"{key} {saved} (from {started_in}) vs {current} (from {os.getcwd()})"
    return f"{key} {saved} vs {current}"


def started_with(folder: Path) -> dict:
    """The partial folder's meta.json: what the interrupted run recorded when it started ({} when unreadable)."""
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def check_same_world_size(folder: Path, world_size: int) -> None:
    """The row order and each rank's share of it depend on the number of processes."""
    started = started_with(folder).get("world_size", 1)  # an older partial folder: one process
    if started != world_size:
        raise CodemendError(
            f"--resume: the run in {folder} was started with {started} process(es), this one has {world_size}; "
            f"resume it with the same launcher settings (e.g. torchrun --nproc_per_node {started})"
        )


# What a run reads from --data: the same path rebuilt (another seed, other sources) is other data.
DATA_FILES = ("train.jsonl", "validation.jsonl")


def data_fingerprint(data: str) -> dict[str, str]:
    """SHA-256 of each of the dataset's DATA_FILES that exists (~0.4 s for the stdlib's 180 MB)."""
    return {name: file_digest(Path(data) / name, hashlib.sha256()).hexdigest() for name in DATA_FILES if (Path(data) / name).is_file()}


def check_same_data(folder: Path, config: TrainRecipeConfig) -> None:
    """The interrupted run's data must be what --data holds now: resuming on a rebuilt dataset would mix
    two datasets in one run, and samples of one's held-out files would be the other's training data."""
    started = started_with(folder).get("data_sha256")
    if started is None:
        return  # an older partial folder: nothing recorded to compare against
    now = data_fingerprint(config.data)
    changed = [name for name in sorted(set(started) | set(now)) if started.get(name) != now.get(name)]
    if changed:
        raise CodemendError(
            f"--resume: --data {config.data} is not the data the run in {folder} started on ({', '.join(changed)} changed since); "
            f"resume with that dataset, or rerun without --resume (with --overwrite to discard the run) to train on this one"
        )


def _flatten(tree: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


# ----------------------------------------------------------------------------- checkpoints


def checkpoint_step(path: Path) -> int | None:
    suffix = path.name[len(CHECKPOINT_PREFIX):]
    return int(suffix) if path.name.startswith(CHECKPOINT_PREFIX) and suffix.isdigit() else None


def is_complete(checkpoint: Path) -> bool:
    """True when the Trainer finished writing `checkpoint`.

    The Trainer writes a checkpoint in place, not atomically: weights, optimizer, scheduler and RNG
    state first, trainer_state.json last. A readable trainer_state.json for the folder's own step
    therefore means everything before it was written.
    """
    try:
        state = json.loads((checkpoint / "trainer_state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(state, dict) and state.get("global_step") == checkpoint_step(checkpoint)


def checkpoints(folder: Path) -> list[Path]:
    """checkpoint-N folders in `folder`, newest (highest N) first."""
    found = [path for path in folder.glob(f"{CHECKPOINT_PREFIX}*") if path.is_dir() and checkpoint_step(path) is not None]
    return sorted(found, key=checkpoint_step, reverse=True)


def latest_checkpoint(folder: Path) -> str | None:
    return next((str(path) for path in checkpoints(folder) if is_complete(path)), None)


def last_trained(folder: Path) -> Path | None:
    """The latest training a run's `folder` keeps: the adapter a failed final save kept (recipe.keep_trained_adapter),
    else its newest complete checkpoint; None when there is neither."""
    if (folder / FINAL_ADAPTER).is_dir():
        return folder / FINAL_ADAPTER
    checkpoint = latest_checkpoint(folder)
    return Path(checkpoint) if checkpoint else None


def last_saved(folder: Path) -> str | None:
    """`last_trained`, named for a message."""
    kept = last_trained(folder)
    if kept is None:
        return None
    return f"{FINAL_ADAPTER}/, the adapter at the end of training, kept when the final save failed" if kept.name == FINAL_ADAPTER else kept.name


def continue_kept_adapter(kept: Path) -> str:
    """How to go on from an adapter a failed final save kept (runs with a base; --resume restarts from the last checkpoint)."""
    return f"--model.lora_init {kept} with another --out continues from the kept adapter"


def remove_incomplete_checkpoints(folder: Path) -> None:
    for path in checkpoints(folder):
        if not is_complete(path):
            logger.warning("removing %s: the run was killed while writing it", path)
            shutil.rmtree(path, ignore_errors=True)


def trainer_arguments(config: TrainRecipeConfig) -> dict:
    """TrainingArguments keywords for the periodic checkpoints in OUT.partial and for data parallelism."""
    every = config.train.save_every
    settings = dict(
        output_dir=str(partial_folder(config)), save_strategy="steps" if every else "no", save_total_limit=KEEP_CHECKPOINTS,
        # Every trainable parameter gets a gradient in these models, so DDP need not search for unused ones each step.
        ddp_find_unused_parameters=False,
    )
    return {**settings, "save_steps": every} if every else settings


# ----------------------------------------------------------------------------- what must not change on resume


def scratch_tokenizer(config: TrainRecipeConfig, texts: list[str]):
    """The BPE tokenizer of a from-scratch run: trained once, kept in OUT.partial, reloaded on resume.

    Every process loads it from disk (the main one trains it first), so all ranks, and a resumed
    run, use the very same vocabulary.
    """
    from transformers import AutoTokenizer

    from codemend.training.tokenize import train_bpe_tokenizer

    folder = partial_folder(config) / TOKENIZER_DIR
    state = ranks()
    # Missing only when the run was stopped before it saved any checkpoint: training it again is safe.
    if state.is_main_process and not folder.is_dir():
        unfinished = folder.with_name(TOKENIZER_DIR + ".tmp")  # renamed into place once complete
        shutil.rmtree(unfinished, ignore_errors=True)
        train_bpe_tokenizer(texts, config.model.vocab_size).save_pretrained(unfinished)
        unfinished.rename(folder)
    state.wait_for_everyone()
    return AutoTokenizer.from_pretrained(folder)


def fixed_order(dataset, seed: int, global_batch: int, steps: int):
    """`dataset` repeated and shuffled for `steps` optimizer steps of `global_batch` rows, read front to back.

    Each pass is a length-grouped shuffle (rows of similar length share a batch, so little compute
    goes to padding) drawn from a generator seeded with seed + pass. The order is thus a function
    of the seed alone, so a resumed run, which skips the batches already seen, reads what the
    uninterrupted run reads. (The Trainer's own length-grouped sampler shuffles from the global RNG
    at the start of each epoch, which a run resumed mid-epoch cannot reproduce.)
    """
    import torch
    from transformers.trainer_pt_utils import get_length_grouped_indices

    lengths = list(dataset["length"])
    passes = max(1, math.ceil(steps * global_batch / len(lengths)))
    order = []
    for index in range(passes):
        generator = torch.Generator().manual_seed(seed + index)
        order.extend(get_length_grouped_indices(lengths, global_batch, generator=generator))
    return dataset.select(order)


# ----------------------------------------------------------------------------- elapsed time across runs


def previous_seconds(checkpoint: str | None) -> float:
    """Training seconds spent before `checkpoint` by the runs that led to it (0 when unknown)."""
    if not checkpoint:
        return 0.0
    path = Path(checkpoint) / ELAPSED_FILE
    try:
        return float(json.loads(path.read_text())["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def elapsed_clock(before: float):
    """A TrainerCallback that stamps each checkpoint with the training time up to it (`before` + this
    run's), so a resumed run's card and meta.json report the whole run, not only its last process."""
    import time

    from transformers import TrainerCallback

    class ElapsedClock(TrainerCallback):
        def __init__(self):
            self.started = time.perf_counter()

        def total(self) -> float:
            return before + time.perf_counter() - self.started

        def on_save(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                folder = Path(args.output_dir) / f"{CHECKPOINT_PREFIX}{state.global_step}"
                if folder.is_dir():
                    (folder / ELAPSED_FILE).write_text(json.dumps({"step": state.global_step, "seconds": round(self.total(), 1)}))
            return control

    return ElapsedClock()


class TiedKeysNotMissing(logging.Filter):
    """Drops the Trainer's warning that a resumed checkpoint misses keys when each of them is tied to a
    weight that was loaded (a tied head, `lm_head.weight`, is saved once, as the embedding): the model
    is whole, and "missing keys" would send users looking for a broken checkpoint. Other missing keys
    are still said."""

    WARNING = re.compile(r"There were missing keys in the checkpoint model loaded: (\[.*\])\.", re.DOTALL)

    def __init__(self, model):
        super().__init__()
        shared: dict[int, set[str]] = {}
        for name, parameter in model.named_parameters(remove_duplicate=False):
            shared.setdefault(id(parameter), set()).add(name)
        self.names_of = {name: names for names in shared.values() for name in names}

    def filter(self, record: logging.LogRecord) -> bool:
        match = self.WARNING.fullmatch(record.getMessage())
        if not match:
            return True
        missing = set(ast.literal_eval(match.group(1)))
        return not all(self.names_of.get(key, {key}) - missing for key in missing)


@contextlib.contextmanager
def tied_keys_not_missing(model):
    """`TiedKeysNotMissing` on the Trainer's logger for the time of the block."""
    trainer_logger = logging.getLogger("transformers.trainer")
    quiet = TiedKeysNotMissing(model)
    trainer_logger.addFilter(quiet)
    try:
        yield
    finally:
        trainer_logger.removeFilter(quiet)
