"""Speed of `codemend data build` on the whole standard library, next to tree-sitter parsing alone.

    python bench/data_build.py                            # 2 workers, the config's defaults
    python bench/data_build.py --workers 1 --mutants_per_function 2 --out runs/bench-data

Times, in the same run and on the same files:

* tree-sitter alone parsing every file, in one process and in a pool of --workers processes
  (the floor: a build cannot be faster than reading and parsing its corpus);
* the whole build (`build_dataset`: parse, inject bugs, label, near-duplicate removal, split,
  write JSONL + Hugging Face dataset + card), with its stage timings.

Prints the machine (platform, CPU count, load average), the command line, a table (wall time,
CPU time, functions/s, samples/s, CPU cores used) and the build/parse ratio, then checks the
target: at least 100,000 samples in under 60 s. On a shared machine read the load average and
"cores used" beside the wall time: below ~1.9 cores, other processes were taking CPU.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from codemend.config import DataConfig
from codemend.data.build import build_dataset
from codemend.data.corpus import iter_python_files, stdlib_root
from codemend.data.parsing import parse

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: machine.py beside it
import machine  # noqa: E402

TARGET_SAMPLES = 100_000
TARGET_SECONDS = 60.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    defaults = DataConfig()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=defaults.workers, help="processes for the build and the parallel parse")
    parser.add_argument("--mutants_per_function", type=int, default=defaults.mutants_per_function)
    parser.add_argument("--near_dup_threshold", type=float, default=getattr(defaults, "near_dup_threshold", 0.0))
    parser.add_argument("--source", nargs="+", default=[str(stdlib_root())], help="default: the standard library")
    parser.add_argument("--out", default="", help="dataset folder (default: a temporary folder, removed afterwards)")
    return parser.parse_args(argv)


def _parse_file(path: str) -> int:
    data = Path(path).read_bytes()
    parse(data)
    return len(data)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children: how many cores a stage kept busy."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_parse(paths: list[str], workers: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to read and parse every file, in `workers` processes."""
    started, cpu = time.perf_counter(), _cpu_seconds()
    if workers == 1:
        for path in paths:
            _parse_file(path)
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(_parse_file, paths, chunksize=8)
    return time.perf_counter() - started, _cpu_seconds() - cpu


def time_build(config: DataConfig):
    started, cpu = time.perf_counter(), _cpu_seconds()
    report = build_dataset(config)
    return report, time.perf_counter() - started, _cpu_seconds() - cpu


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    paths = [str(path) for _, path in iter_python_files(args.source)]
    print(machine.header())
    print(f"corpus: {len(paths)} files under {', '.join(args.source)}")

    parse_one = time_parse(paths, 1)
    parse_many = time_parse(paths, args.workers)
    with tempfile.TemporaryDirectory(prefix="codemend-bench-") as tmp:
        settings = dict(
            source=args.source if args.source != [str(stdlib_root())] else [],
            out=args.out or str(Path(tmp) / "data"), overwrite=bool(args.out), workers=args.workers,
            mutants_per_function=args.mutants_per_function, near_dup_threshold=args.near_dup_threshold,
        )
        # Only the fields this version of DataConfig has, so the same script times older builds.
        known = {f.name for f in dataclasses.fields(DataConfig)}
        report, build_wall, build_cpu = time_build(DataConfig(**{k: v for k, v in settings.items() if k in known}))
    samples = sum(report.samples.values())

    rows = [
        ("tree-sitter parse, 1 process", parse_one, None),
        (f"tree-sitter parse, {args.workers} processes", parse_many, None),
        (f"codemend data build, {args.workers} workers", (build_wall, build_cpu), samples),
    ]
    print()
    print(f"| {'run':<36} | {'wall s':>7} | {'CPU s':>7} | {'functions/s':>11} | {'samples/s':>9} | {'cores used':>10} |")
    print(f"|{'-' * 38}|{'-' * 9}|{'-' * 9}|{'-' * 13}|{'-' * 11}|{'-' * 12}|")
    for name, (wall, cpu), count in rows:
        per_sample = f"{count / wall:>9.0f}" if count else f"{'':>9}"
        print(f"| {name:<36} | {wall:>7.2f} | {cpu:>7.1f} | {report.functions / wall:>11.0f} | {per_sample} | {cpu / wall:>10.2f} |")
    print()
    print(f"build: {report.files} files, {report.functions} functions, {samples} samples "
          f"(mutants_per_function {args.mutants_per_function}); stages (s): {getattr(report, 'timings', 'n/a')}")
    print(f"near-duplicates left out: {getattr(report, 'hygiene', {}).get('near_duplicate_functions', 0)} functions, "
          f"{report.dropped.get('near_duplicate', 0)} samples")
    print(f"ratio build / parse with {args.workers} processes: {build_wall / parse_many[0]:.1f}x; "
          f"build / single-process parse: {build_wall / parse_one[0]:.1f}x")
    met = samples >= TARGET_SAMPLES and build_wall < TARGET_SECONDS
    print(f"target ({TARGET_SAMPLES:,} samples in < {TARGET_SECONDS:.0f} s): {'met' if met else 'missed'} "
          f"({samples:,} samples in {build_wall:.1f} s); load average at end "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
