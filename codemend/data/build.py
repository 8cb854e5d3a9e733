"""`codemend data build`: source trees -> functions -> injected bugs -> labeled file-level splits.

    codemend data build --out runs/data                       # the running interpreter's stdlib
    codemend data build --source src/ --out runs/mydata --mutants_per_function 3

    codemend data build --out runs/data --benchmark builtin   # and drop functions copied from the benchmark

Writes OUT/{train,validation,test}.jsonl, a Hugging Face DatasetDict in OUT/hf, OUT/stats.json,
a dataset card OUT/README.md, and the resolved OUT/config.yaml (and OUT/contamination.json with
--benchmark). Each sample carries the buggy and fixed function, the operator and bug class, the
buggy line span, the compact edit, a unified diff, provenance and its seed.

Stages: `collect` (parse and mutate files in worker processes, which also compute each
function's MinHash signature), `drop_near_duplicates` and `check_contamination` (per function,
before splitting), `_dedupe` (exact duplicate samples), `assign_splits` (by file), `write_outputs`.
"""

from __future__ import annotations

import collections
import concurrent.futures
import hashlib
import json
import logging
import math
import multiprocessing
import random
import signal
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple, Sequence

from codemend.config import SPLITS, DataConfig, save_run_metadata
from codemend.data import operators as ops
from codemend.data.corpus import Function, extract_functions, is_module_code, iter_python_files, module_name, module_runs, stdlib_root
from codemend.errors import CodemendError
from codemend.io import atomic_folder, check_writable_target, file_digest, write_jsonl
from codemend.task import LineEdit, compute_edit, render_edit

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

# Files per task sent to a worker: small, so that the load stays balanced to the end (a few files
# hold hundreds of functions each).
CHUNKSIZE = 2
MAX_MATCHES_SHOWN = 5


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
    hygiene: dict[str, float] = field(default_factory=dict)
    """Near-duplicate and benchmark-contamination counts (functions; the samples are in `dropped`)."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage."""


def stable_seed(*parts: object) -> int:
    """A seed that depends only on `parts` (not on PYTHONHASHSEED or worker scheduling)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1  # fits a signed 64-bit column


def function_samples(func: Function, config: DataConfig, drops: collections.Counter, module: str = "") -> list[dict]:
    """Inject up to `mutants_per_function` bugs into one function; one labeled sample each.
    `module`: its import name (`corpus.module_name`; by default the one its path gives)."""
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
            "module": module or func.module,
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
            "diff": single_hunk_diff(buggy, func.code, edit, func.file, first_line=func.start_line),
            "seed": seed,
        })
    return samples


class FileResult(NamedTuple):
    """What a worker sends back for one file: counts, samples and signatures (the parent needs
    nothing else of the parsed functions)."""

    file: str
    functions: int
    samples: list[dict]
    skipped: str | None
    drops: dict[str, int]
    signatures: np.ndarray | None  # one MinHash row per function that gave samples, in order
    per_function: tuple[int, ...] = ()  # samples of each function, in order: where --max_functions cuts a file
    function_drops: tuple[dict[str, int], ...] = ()  # each function's drops, with --max_functions only

    def first_functions(self, keep: int) -> FileResult:
        """This file's result for its first `keep` functions alone (--max_functions reached inside it)."""
        counts = self.per_function[:keep]
        signatures = self.signatures[:sum(1 for n in counts if n)] if self.signatures is not None else None
        drops = sum(map(collections.Counter, self.function_drops[:keep]), collections.Counter())
        return self._replace(functions=keep, samples=self.samples[:sum(counts)], signatures=signatures, per_function=counts,
                             drops=dict(drops), function_drops=self.function_drops[:keep])


def single_hunk_diff(buggy: str, fixed: str, edit: LineEdit, path: str, first_line: int = 1, context: int = 3) -> str:
    """`task.unified_diff(buggy, fixed, path, first_line)`, built from the edit `compute_edit` found.

    The same text (a test checks), without running difflib's matcher a second time: that second
    pass was ~8% of a worker's time.
    """
    old, new = buggy.splitlines(keepends=True), fixed.splitlines(keepends=True)
    i1, i2 = edit.start - 1, edit.end  # for an insert, end == start - 1: an empty range
    j2 = i1 + len(edit.new_lines)  # one hunk, so both sides share the i1 lines before it
    a1, a2 = max(0, i1 - context), min(len(old), i2 + context)
    b2 = j2 + (a2 - i2)
    lines = [f"--- a/{path}\n", f"+++ b/{path}\n",
             f"@@ -{_unified_range(a1, a2, first_line)} +{_unified_range(a1, b2, first_line)} @@\n"]
    lines += [" " + line for line in old[a1:i1]]
    lines += ["-" + line for line in old[i1:i2]]
    lines += ["+" + line for line in new[i1:j2]]
    lines += [" " + line for line in old[i2:a2]]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _unified_range(start: int, stop: int, first_line: int) -> str:
    """difflib's `_format_range_unified`, with line numbers counted from `first_line`."""
    beginning, length = start + first_line, stop - start
    if length == 1:
        return str(beginning)
    return f"{beginning - 1 if not length else beginning},{length}"


def _needs_signatures(config: DataConfig) -> bool:
    return config.near_dup_threshold > 0 or bool(config.benchmark)


def _process_file(job: tuple[str, str, DataConfig]) -> FileResult:
    root, path, config = job
    relative = str(Path(path).relative_to(root)) if Path(path) != Path(root) else Path(path).name
    try:
        data = Path(path).read_bytes()
    except OSError:
        return FileResult(relative, 0, [], "unreadable", {}, None)
    functions, skipped = extract_functions(data, relative, config.min_lines, config.max_lines)
    if config.module_code and skipped is None:
        functions += module_runs(data, relative, config.min_lines, config.max_lines)
    if config.max_tokens:
        functions = [f for f in functions if f.n_tokens <= config.max_tokens]
    function_drops = [collections.Counter() for _ in functions]
    module = module_name(root, relative)
    per_function = [function_samples(func, config, drops, module) for func, drops in zip(functions, function_drops)]
    signatures = None
    if _needs_signatures(config):
        from codemend.data.hygiene import signatures as minhash_signatures

        # Here rather than in the parent: hashing spreads over the workers instead of adding a
        # serial step after them.
        signatures = minhash_signatures([func.code for func, rows in zip(functions, per_function) if rows])
    samples = [s for rows in per_function for s in rows]
    drops = sum(function_drops, collections.Counter())
    return FileResult(relative, len(functions), samples, skipped, dict(drops), signatures, tuple(map(len, per_function)),
                      tuple(map(dict, function_drops)) if config.max_functions else ())


def split_samples(samples: list[dict], config, remedy: str, unit_of: Callable[[dict], str] = lambda s: s["file"],
                  assignment: dict[str, str] | None = None, unit: str = "file") -> dict[str, list[dict]]:
    """The samples of each split, a `unit_of` them (a file) in one split (`assignment`, else `assign_splits`), and a
    warning with the `remedy` when the held-out splits came out empty though asked for: every builder splits so,
    and only `data build` used to say it."""
    assignment = assignment if assignment is not None else assign_splits(sorted({unit_of(s) for s in samples}), config)
    by_split = {name: [s for s in samples if assignment[unit_of(s)] == name] for name in SPLITS}
    if empty := [name for name in ("validation", "test") if getattr(config, f"{name}_fraction", 0) and not by_split[name]]:
        logger.warning("%s: no samples, as %d %s(s) with samples are too few to split by %s (a held-out split needs "
                       "3): eval and validation during training need one; %s", " and ".join(empty),
                       len({unit_of(s) for s in samples}), unit, unit, remedy)
    return by_split


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


def file_splits(samples: list[dict], config: DataConfig) -> dict[str, str]:
    """Each sample file's split: `assign_splits` over the files with function samples, so that
    `--module_code` moves no function to another split (a model trained without it is still measured on
    held-out files); a file with module-level samples only goes by its own seeded hash, at the same rates."""
    files = {s["file"] for s in samples}
    assignment = assign_splits(sorted({s["file"] for s in samples if not is_module_code(s["function"])}), config)
    for name in sorted(files - assignment.keys()):
        share = stable_seed(config.seed, "split", name) / 2**63
        assignment[name] = ("test" if share < config.test_fraction else
                            "validation" if share < config.test_fraction + config.validation_fraction else "train")
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


def collect(config: DataConfig) -> tuple[list[dict], BuildReport, np.ndarray | None]:
    """Parse and mutate every file (in `config.workers` processes), in sorted file order.

    Returns the samples, the report, and one MinHash signature per function that gave samples
    (in sample order; None when neither near-duplicate removal nor a benchmark check is on).
    """
    roots = config.source or [str(stdlib_root())]
    for root in roots:
        if not Path(root).exists():
            raise CodemendError(f"--source {root}: no such file or folder")
    jobs = [(str(root), str(path), config) for root, path in iter_python_files(roots)]
    if not jobs:
        raise CodemendError(f"no .py files found under {', '.join(roots)}; point --source at Python code")
    report = BuildReport(out=config.out)
    skipped, drops = collections.Counter(), collections.Counter()
    samples: list[dict] = []
    signature_parts = []
    if _needs_signatures(config):
        from codemend.data.hygiene import prepare

        prepare()  # before the fork, so that no worker imports datasketch (and scipy) again
    # fork: workers inherit the parsed grammar and config instead of re-importing them. An executor, not a
    # multiprocessing.Pool: a Pool whose worker the kernel kills (out of memory) waits for it forever.
    pool = concurrent.futures.ProcessPoolExecutor(config.workers, mp_context=multiprocessing.get_context("fork"),
                                                  initializer=_quiet_worker) if config.workers > 1 else None
    try:
        for result in pool.map(_process_file, jobs, chunksize=CHUNKSIZE) if pool else map(_process_file, jobs):
            if config.max_functions and report.functions + result.functions > config.max_functions:
                result = result.first_functions(config.max_functions - report.functions)
            report.files += 1  # the files read, not those found: --max_functions stops early
            if result.skipped:
                skipped[result.skipped] += 1
            drops.update(result.drops)
            report.functions += result.functions
            samples.extend(result.samples)
            if result.signatures is not None:
                signature_parts.append(result.signatures)
            if config.max_functions and report.functions >= config.max_functions:
                break
    except BrokenProcessPool:
        raise CodemendError("a build worker died before it finished (the kernel stops one that runs out of memory: `dmesg` says "
                            "so); nothing was written; run again with fewer --workers, or leave out the files that need it "
                            "(--max_tokens)") from None
    except BaseException:  # Ctrl-C, SIGTERM: the files in hand are not waited for
        _stop_workers(pool)
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    report.skipped_files, report.dropped = dict(skipped), dict(drops)
    return samples, report, _stack(signature_parts) if _needs_signatures(config) else None


def _stack(parts: list[np.ndarray]) -> np.ndarray:
    import numpy as np

    from codemend.data.hygiene import DEFAULT_NUM_PERM

    return np.concatenate(parts) if parts else np.zeros((0, DEFAULT_NUM_PERM), dtype=np.uint32)


def group_by_function(samples: list[dict]) -> list[list[dict]]:
    """Samples of one function are adjacent (collect keeps file and function order): split them there."""
    groups: list[list[dict]] = []
    key = None
    for sample in samples:
        if (sample["file"], sample["start_line"]) != key:
            key = (sample["file"], sample["start_line"])
            groups.append([])
        groups[-1].append(sample)
    return groups


def drop_near_duplicates(
    groups: list[list[dict]], signatures: np.ndarray | None, config: DataConfig, drops: collections.Counter
) -> tuple[list[list[dict]], np.ndarray | None, int]:
    """Keep the first function (in sorted file order) of each family of near-copies, with its samples.

    Copies would otherwise land in different splits and let a model pass the test split by
    memory; the stdlib has many (vendored helpers, test boilerplate, Python 2/3 twins).
    """
    if config.near_dup_threshold <= 0 or not groups:
        return groups, signatures, 0
    from codemend.data.hygiene import near_duplicate_groups

    representative = near_duplicate_groups([g[0]["fixed"] for g in groups], config.near_dup_threshold, precomputed=signatures)
    keep = [i for i, r in enumerate(representative) if r == i]
    drops["near_duplicate"] += sum(len(g) for i, g in enumerate(groups) if representative[i] != i)
    kept_signatures = signatures[keep] if signatures is not None else None
    return [groups[i] for i in keep], kept_signatures, len(groups) - len(keep)


def benchmark_functions(names: Sequence[str]) -> dict[str, list[str]]:
    """Every function of the benchmarks' fixed and buggy programs -> where it occurs ("NAME:ID:part:function").

    A program without a function that parses is compared whole.
    """
    from codemend.data.benchmark import load_benchmark

    found: dict[str, list[str]] = {}
    for name in names:
        for item in load_benchmark(name):
            for part, code in (("fixed", item.fixed_code), ("buggy", item.buggy_code)):
                if not code:
                    continue
                functions, _ = extract_functions(code, item.id, 1, 10_000)
                for function_name, function_code in [(f.name, f.code) for f in functions] or [("<module>", code)]:
                    found.setdefault(function_code, []).append(f"{name}:{item.id}:{part}:{function_name}")
    return found


def check_contamination(
    groups: list[list[dict]],
    signatures: np.ndarray | None,
    benchmark: dict[str, list[str]],
    config: DataConfig,
    drops: collections.Counter,
    remedy: str = "remove their files from --source",
) -> tuple[list[list[dict]], list[dict]]:
    """Find corpus functions that copy a benchmark function; refuse, report or drop them (--contamination)."""
    from codemend.data.hygiene import contamination

    bench_codes = list(benchmark)
    hits = contamination([g[0]["fixed"] for g in groups], bench_codes, config.near_dup_threshold, precomputed=signatures)
    matches = [
        {"file": groups[i][0]["file"], "function": groups[i][0]["function"], "start_line": groups[i][0]["start_line"],
         "jaccard": score, "benchmark": benchmark[bench_codes[j]]}
        for i, j, score in hits
    ]
    if matches and config.contamination == "refuse":
        shown = "; ".join(
            f"{m['file']}::{m['function']} (line {m['start_line']}) ~ {', '.join(m['benchmark'][:3])} (Jaccard {m['jaccard']})"
            for m in matches[:MAX_MATCHES_SHOWN]
        )
        raise CodemendError(
            f"{len({(m['file'], m['start_line']) for m in matches})} corpus function(s) copy benchmark programs "
            f"(--benchmark {' '.join(config.benchmark)}): {shown}; pass --contamination drop to leave them out, "
            f"--contamination report to list them in contamination.json, or {remedy}"
        )
    if config.contamination == "drop":
        bad = {i for i, _, _ in hits}
        drops["contaminated"] += sum(len(groups[i]) for i in bad)
        groups = [g for i, g in enumerate(groups) if i not in bad]
    return groups, matches


def _stop_workers(pool: concurrent.futures.ProcessPoolExecutor | None) -> None:
    """Kill the executor's workers now (its shutdown waits for the files they hold; a worker left behind by
    the process's end would run on, orphaned)."""
    for process in multiprocessing.active_children() if pool is not None else ():
        process.kill()


def _quiet_worker() -> None:
    """A worker ends on SIGTERM as a process does (the CLI's handler, inherited through fork, printed a
    traceback per worker when the executor stopped them) and leaves Ctrl-C to the build, which stops it."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def build_dataset(config: DataConfig) -> BuildReport:
    check_writable_target(config.out, config.overwrite, reads=[("--source", root) for root in config.source or [str(stdlib_root())]])
    started = time.perf_counter()
    # Before the expensive part, so that a bad --benchmark fails at once.
    benchmark = benchmark_functions(config.benchmark) if config.benchmark else {}
    collected = time.perf_counter()
    samples, report, signatures = collect(config)
    report.timings["collect"] = round(time.perf_counter() - collected, 2)
    if report.functions == 0:
        raise CodemendError(
            f"read {report.files} file(s) (.py files in folders, and files given by name) but found no functions{' or module-level code' if config.module_code else ''} of "
            f"{config.min_lines}-{config.max_lines} lines{f' and at most {config.max_tokens} tokens' if config.max_tokens else ''} "
            f"(skipped files: {report.skipped_files or 'none'}); widen --min_lines/--max_lines"
            f"{'/--max_tokens' if config.max_tokens else ''}{'' if config.module_code else ', add --module_code true for scripts,'} "
            f"or point --source elsewhere"
        )
    drops = collections.Counter(report.dropped)
    samples, matches = _hygiene(samples, signatures, benchmark, config, drops, report)
    samples = _dedupe(samples, drops)
    if not samples:
        raise CodemendError(f"{report.functions} functions gave no bug samples (dropped: {dict(drops)}); try more --operators")
    report.dropped = dict(drops)
    by_split = split_samples(samples, config, _split_remedy(config, report), assignment=file_splits(samples, config))
    report.samples = {name: len(rows) for name, rows in by_split.items()}
    report.per_operator = dict(sorted(collections.Counter(s["operator"] for s in samples).items()))
    report.seconds = round(time.perf_counter() - started, 2)
    written = time.perf_counter()
    with atomic_folder(config.out, config.overwrite) as tmp:
        write_outputs(tmp, by_split, report, config, card=dataset_card(by_split, report, config, matches))
        if config.benchmark:
            write_contamination(tmp / "contamination.json", matches, config)
    report.timings["write"] = round(time.perf_counter() - written, 2)
    return report


def _split_remedy(config: DataConfig, report: BuildReport) -> str:
    """What to do about held-out splits too few files left empty: a build --max_functions stopped read only its first files."""
    if config.max_functions and report.functions >= config.max_functions:
        return (f"--max_functions {config.max_functions} stopped the build after {report.files} file(s); raise it "
                "(0 reads every file)")
    return "give --source more files"


def _hygiene(
    samples: list[dict], signatures: np.ndarray | None, benchmark: dict[str, list[str]],
    config: DataConfig, drops: collections.Counter, report: BuildReport,
) -> tuple[list[dict], list[dict]]:
    """Near-duplicate removal, then the contamination check, per function; returns samples and matches."""
    started = time.perf_counter()
    groups = group_by_function(samples)
    if signatures is not None and len(signatures) != len(groups):
        raise RuntimeError(f"internal error: {len(signatures)} signatures for {len(groups)} functions")
    groups, signatures, near = drop_near_duplicates(groups, signatures, config, drops)
    report.hygiene = {"near_dup_threshold": config.near_dup_threshold, "near_duplicate_functions": near}
    matches: list[dict] = []
    if config.benchmark:
        groups, matches = check_contamination(groups, signatures, benchmark, config, drops)
        contaminated = {(m["file"], m["start_line"]) for m in matches}
        report.hygiene.update(benchmark_functions=len(benchmark), contaminated_functions=len(contaminated))
    report.timings["hygiene"] = round(time.perf_counter() - started, 2)
    return [s for rows in groups for s in rows], matches


def write_contamination(path: Path, matches: list[dict], config: DataConfig) -> None:
    payload = {"benchmark": config.benchmark, "mode": config.contamination,
               "near_dup_threshold": config.near_dup_threshold, "matches": matches}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def write_outputs(folder: Path, by_split: dict[str, list[dict]], report: BuildReport, config, card: str | None = None) -> None:
    """Splits as JSONL and a Hugging Face DatasetDict, stats.json, the dataset card, the resolved config."""
    import datasets
    from datasets import Dataset, DatasetDict

    datasets.disable_progress_bars()
    for name, rows in by_split.items():
        write_jsonl(folder / f"{name}.jsonl", rows)
    splits = {name: _to_dataset(rows, folder / f"{name}.jsonl") for name, rows in by_split.items() if rows}
    DatasetDict(splits).save_to_disk(str(folder / "hf"))
    stats = {key: value for key, value in report.__dict__.items() if key != "out"}
    (folder / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(card or dataset_card(by_split, report, config), encoding="utf-8")
    save_run_metadata(config, folder)


def _to_dataset(rows: list[dict], jsonl: Path):
    """`Dataset.from_list(rows)`, at a third of the cost: pyarrow converts the rows, and the
    fingerprint is the hash of the split's JSONL rather than `datasets` hashing the whole table."""
    import pyarrow as pa
    from datasets import Dataset

    try:
        table = pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return Dataset.from_list(rows)  # mixed column types, which `datasets` knows how to widen
    return Dataset(table, fingerprint=file_digest(jsonl, hashlib.blake2b(digest_size=8)).hexdigest())


def dataset_card(by_split: dict[str, list[dict]], report: BuildReport, config: DataConfig, matches: Sequence[dict] = ()) -> str:
    rows = [s for split in by_split.values() for s in split]
    classes = collections.Counter(s["bug_class"] for s in rows)
    lengths = collections.Counter(min(s["fixed"].count("\n") // 10 * 10, 40) for s in rows)
    lines = [
        "# codemend bug dataset",
        "",
        f"Built from {', '.join(config.source) or 'the Python standard library'} with seed {config.seed}: "
        f"{report.files} files, {report.functions} functions, {len(rows)} samples in {report.seconds} s.",
        "Splits are by file, so no function appears in two splits.",
        *([f"Module-level code (`--module_code`): {sum(is_module_code(s['function']) for s in rows)} of the samples are "
           "bugs in runs of top-level statements, counted among the functions."] if config.module_code else []),
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
        *_hygiene_card(report, config, matches),
    ]
    return "\n".join(lines)


def _hygiene_card(report: BuildReport, config: DataConfig, matches: Sequence[dict]) -> list[str]:
    hygiene, dropped = report.hygiene, report.dropped
    if config.near_dup_threshold > 0:
        lines = [f"Near-duplicates: {hygiene.get('near_duplicate_functions', 0)} function(s) "
                 f"({dropped.get('near_duplicate', 0)} samples) left out as near-copies of an earlier function "
                 f"(MinHash LSH, Jaccard >= {config.near_dup_threshold} on token 3-grams).", ""]
    else:
        lines = ["Near-duplicates: not checked (--near_dup_threshold 0).", ""]
    if not config.benchmark:
        return lines + ["Benchmark contamination: not checked (no --benchmark).", ""]
    found = hygiene.get("contaminated_functions", 0)
    action = {"drop": f"dropped ({dropped.get('contaminated', 0)} samples)", "report": "kept and listed"}
    outcome = f"{found} corpus function(s) matched, {action.get(config.contamination, '')}" if found else "no corpus function matched"
    how = f"exact copies or Jaccard >= {config.near_dup_threshold}" if config.near_dup_threshold > 0 else "exact copies"
    checked = f"{', '.join(config.benchmark)} ({hygiene.get('benchmark_functions', 0)} functions, {how})"
    lines += [f"Benchmark contamination against {checked}: {outcome}; see contamination.json.", ""]
    if matches:
        lines += ["| function | benchmark | Jaccard |", "|---|---|---|",
                  *[f"| {m['file']}::{m['function']} | {', '.join(m['benchmark'][:3])} | {m['jaccard']} |" for m in matches[:20]],
                  *([f"| ... {len(matches) - 20} more | | |"] if len(matches) > 20 else []), ""]
    return lines
