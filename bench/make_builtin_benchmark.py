"""Regenerate the operator-injected part of the built-in bug benchmark (deterministic for a seed).

    .venv/bin/python bench/make_builtin_benchmark.py              # seed 0, 3 mutants per program
    .venv/bin/python bench/make_builtin_benchmark.py --check      # rebuild in memory, compare, write nothing
    .venv/bin/python bench/make_builtin_benchmark.py --part dev --per_program 4   # the development set

`--part dev` builds codemend/data/benchmark_dev.jsonl (`builtin:dev`) from the other programs in
codemend/data/dev_programs/: ranking and template choices are made on it, so that the benchmark
stays a measurement.

Writes codemend/data/benchmark_operator.jsonl: for every program in
codemend/data/benchmark_programs/, up to `--per_program` mutants from
`codemend.data.operators.inject` that the program's tests catch in the sandbox (verdict "failed"
or "error"). Takes a few minutes: one sandboxed run per reference and per tried mutant, and
mutants that loop forever cost the whole 5 s limit before they are dropped.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from codemend.data.benchmark import (
    BUILTIN_FILES, DEV_PROGRAMS_DIR, PROGRAMS_DIR, build_operator_items, format_summary, load_benchmark, save_benchmark,
)

PARTS = {"operator": (PROGRAMS_DIR, "op"), "dev": (DEV_PROGRAMS_DIR, "dev")}  # programs folder, id prefix

MAX_BYTES = 2 * 1024 * 1024  # the file is committed; keep diffs reviewable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per_program", type=int, default=3)
    parser.add_argument("--part", choices=sorted(PARTS), default="operator", help="which item file to build")
    parser.add_argument("--out", type=Path, default=None, help="default: the part's file in codemend/data/")
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    args.out = args.out or BUILTIN_FILES[args.part]
    folder, prefix = PARTS[args.part]
    if args.check and not args.out.is_file():
        # Before the build (minutes): afterwards load_benchmark would end the run in a traceback.
        print(f"error: --check: {args.out} does not exist; run without --check to write it", file=sys.stderr)
        return 1
    start = time.monotonic()
    items, drops = build_operator_items(seed=args.seed, per_program=args.per_program, folder=folder, prefix=prefix)
    print(format_summary(items, title=f"operator items (seed {args.seed})"))
    print(f"dropped: {json.dumps(drops)}")
    print(f"built in {time.monotonic() - start:.1f} s")

    if args.check:
        on_disk = [item.to_dict() for item in load_benchmark(str(args.out))]
        same = on_disk == [item.to_dict() for item in items]
        print(f"{args.out}: {'up to date' if same else 'DIFFERS from a fresh build'}")
        return 0 if same else 1
    save_benchmark(items, args.out)
    size = args.out.stat().st_size
    print(f"wrote {args.out}: {len(items)} items, {size / 1024:.0f} KiB")
    if size > MAX_BYTES:
        print(f"error: {args.out} is over {MAX_BYTES // 1024} KiB; lower --per_program", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
