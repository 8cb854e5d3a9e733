"""`codemend data build`: source trees -> functions -> injected bugs -> labeled file-level splits.

    codemend data build --out runs/data                       # the running interpreter's stdlib
    codemend data build --source src/ --out runs/mydata --mutants_per_function 3

Writes OUT/{train,validation,test}.jsonl, a Hugging Face DatasetDict in OUT/hf, OUT/stats.json,
a dataset card OUT/README.md, and the resolved OUT/config.yaml. Each sample carries the buggy
and fixed function, the operator and bug class, the buggy line span, the compact edit, a unified
diff, provenance and its seed.
"""

from __future__ import annotations

import collections
import hashlib
import json
import logging
import math
import multiprocessing
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from codemend.config import SPLITS, DataConfig, save_run_metadata
from codemend.data import operators as ops
from codemend.data.corpus import Function, extract_functions, iter_python_files, stdlib_root
from codemend.errors import CodemendError
from codemend.io import atomic_folder, check_writable_target, write_jsonl
from codemend.task import compute_edit, render_edit, unified_diff

logger = logging.getLogger(__name__)



@dataclass
class BuildReport:
    out: str
    files: int = 0
    functions: int = 0
    samples: dict[str, int] = field(default_factory=dict)
    skipped_files: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    per_operator: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def stable_seed(*parts: object) -> int:
    """A seed that depends only on `parts` (not on PYTHONHASHSEED or worker scheduling)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1  # fits a signed 64-bit column


def function_samples(func: Function, config: DataConfig, drops: collections.Counter) -> list[dict]:
    """Inject up to `mutants_per_function` bugs into one function; one labeled sample each."""
    seed = stable_seed(config.seed, func.file, func.name, func.start_line)
    mutants = ops.inject(
        func.code, random.Random(seed), k=config.mutants_per_function,
        operators=config.operators or None, drops=drops,
    )
    samples = []
    for index, (buggy, operator) in enumerate(mutants):
        edit = compute_edit(buggy, func.code)
        if edit is None:
            drops["multi_hunk"] += 1
            continue
        samples.append({
            "id": f"{func.file}::{func.name}::{func.start_line}::{index}",
            "file": func.file,
            "function": func.name,
            "start_line": func.start_line,
            "end_line": func.end_line,
            "context": func.context,
            "buggy": buggy,
            "fixed": func.code,
            "operator": operator,
            "bug_class": ops.OPERATORS[operator].bug_class,
            "line": edit.start,
            "line_end": max(edit.start, edit.end),
            "edit": render_edit(edit),
            "diff": unified_diff(buggy, func.code, func.file, first_line=func.start_line),
            "seed": seed,
        })
    return samples


def _process_file(job: tuple[str, str, DataConfig]) -> tuple[str, list[Function], list[dict], str | None, dict]:
    root, path, config = job
    relative = str(Path(path).relative_to(root)) if Path(path) != Path(root) else Path(path).name
    try:
        data = Path(path).read_bytes()
    except OSError:
        return relative, [], [], "unreadable", {}
    functions, skipped = extract_functions(data, relative, config.min_lines, config.max_lines)
    drops: collections.Counter = collections.Counter()
    samples = [s for func in functions for s in function_samples(func, config, drops)]
    return relative, functions, samples, skipped, dict(drops)


def assign_splits(files: list[str], config: DataConfig) -> dict[str, str]:
    """Split by file so that no function leaks across splits; deterministic in the seed.

    Files are ordered by a seeded hash; the first share goes to test, the next to validation.
    With at least three files, test and validation each get at least one when asked for.
    """
    order = sorted(files, key=lambda f: stable_seed(config.seed, "split", f))
    n = len(order)
    n_test = math.ceil(n * config.test_fraction) if config.test_fraction and n >= 3 else 0
    n_val = math.ceil(n * config.validation_fraction) if config.validation_fraction and n >= 3 else 0
    assignment = {}
    for index, name in enumerate(order):
        assignment[name] = "test" if index < n_test else "validation" if index < n_test + n_val else "train"
    return assignment


def _dedupe(samples: list[dict], drops: collections.Counter) -> list[dict]:
    """Drop exact duplicates after whitespace normalisation (copied functions, repeated mutants)."""
    seen, kept = set(), []
    for sample in samples:
        key = hashlib.blake2b(
            (" ".join(sample["buggy"].split()) + "\x00" + " ".join(sample["fixed"].split())).encode(),
            digest_size=16,
        ).digest()
        if key in seen:
            drops["duplicate"] += 1
            continue
        seen.add(key)
        kept.append(sample)
    return kept


def collect(config: DataConfig) -> tuple[list[dict], BuildReport]:
    """Parse and mutate every file (in `config.workers` processes), in sorted file order."""
    roots = config.source or [str(stdlib_root())]
    for root in roots:
        if not Path(root).exists():
            raise CodemendError(f"--source {root}: no such file or folder")
    jobs = [(str(root), str(path), config) for root, path in iter_python_files(roots)]
    if not jobs:
        raise CodemendError(f"no .py files found under {', '.join(roots)}; point --source at Python code")
    report = BuildReport(out=config.out, files=len(jobs))
    skipped, drops = collections.Counter(), collections.Counter()
    samples: list[dict] = []
    # fork: workers inherit the parsed grammar and config instead of re-importing them.
    context = multiprocessing.get_context("fork")
    with context.Pool(config.workers) if config.workers > 1 else _Serial() as pool:
        for _, functions, file_samples, skip, file_drops in pool.imap(_process_file, jobs, chunksize=8):
            if skip:
                skipped[skip] += 1
            drops.update(file_drops)
            report.functions += len(functions)
            samples.extend(file_samples)
            if config.max_functions and report.functions >= config.max_functions:
                break
    report.skipped_files, report.dropped = dict(skipped), dict(drops)
    return samples, report


class _Serial:
    """The Pool interface, in this process (for --workers 1 and for debugging)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def imap(self, fn, jobs, chunksize=1):
        return map(fn, jobs)


def build_dataset(config: DataConfig) -> BuildReport:
    check_writable_target(config.out, config.overwrite)
    started = time.perf_counter()
    samples, report = collect(config)
    if report.functions == 0:
        raise CodemendError(
            f"found {report.files} .py file(s) but no functions of {config.min_lines}-{config.max_lines} lines "
            f"(skipped files: {report.skipped_files or 'none'}); widen --min_lines/--max_lines or point --source elsewhere"
        )
    drops = collections.Counter(report.dropped)
    samples = _dedupe(samples, drops)
    if not samples:
        raise CodemendError(f"{report.functions} functions gave no bug samples (dropped: {dict(drops)}); try more --operators")
    report.dropped = dict(drops)
    assignment = assign_splits(sorted({s["file"] for s in samples}), config)
    by_split = {name: [s for s in samples if assignment[s["file"]] == name] for name in SPLITS}
    report.samples = {name: len(rows) for name, rows in by_split.items()}
    report.per_operator = dict(sorted(collections.Counter(s["operator"] for s in samples).items()))
    report.seconds = round(time.perf_counter() - started, 2)
    with atomic_folder(config.out, config.overwrite) as tmp:
        write_outputs(tmp, by_split, report, config)
    return report


def write_outputs(folder: Path, by_split: dict[str, list[dict]], report: BuildReport, config, card: str | None = None) -> None:
    """Splits as JSONL and a Hugging Face DatasetDict, stats.json, the dataset card, the resolved config."""
    import datasets
    from datasets import Dataset, DatasetDict

    datasets.disable_progress_bars()
    for name, rows in by_split.items():
        write_jsonl(folder / f"{name}.jsonl", rows)
    DatasetDict({name: Dataset.from_list(rows) for name, rows in by_split.items() if rows}).save_to_disk(str(folder / "hf"))
    stats = {key: value for key, value in report.__dict__.items() if key != "out"}
    (folder / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(card or dataset_card(by_split, report, config), encoding="utf-8")
    save_run_metadata(config, folder)


def dataset_card(by_split: dict[str, list[dict]], report: BuildReport, config: DataConfig) -> str:
    rows = [s for split in by_split.values() for s in split]
    classes = collections.Counter(s["bug_class"] for s in rows)
    lengths = collections.Counter(min(s["fixed"].count("\n") // 10 * 10, 40) for s in rows)
    lines = [
        "# codemend bug dataset",
        "",
        f"Built from {', '.join(config.source) or 'the Python standard library'} with seed {config.seed}: "
        f"{report.files} files, {report.functions} functions, {len(rows)} samples in {report.seconds} s.",
        "Splits are by file, so no function appears in two splits.",
        "",
        "| split | samples |", "|---|---|",
        *[f"| {name} | {count} |" for name, count in report.samples.items()],
        "", "| operator | samples |", "|---|---|",
        *[f"| {name} | {count} |" for name, count in report.per_operator.items()],
        "", "| bug class | samples |", "|---|---|",
        *[f"| {name} | {count} |" for name, count in sorted(classes.items())],
        "", "| function length (lines) | samples |", "|---|---|",
        *[f"| {low}-{low + 9}{'+' if low == 40 else ''} | {count} |" for low, count in sorted(lengths.items())],
        "", f"Dropped mutants: {report.dropped or 'none'}. Skipped files: {report.skipped_files or 'none'}.", "",
    ]
    return "\n".join(lines)
