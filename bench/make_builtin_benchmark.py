"""Regenerate the operator-injected part of the built-in bug benchmark (deterministic for a seed).

    .venv/bin/python bench/make_builtin_benchmark.py              # seed 0, 3 mutants per program
    .venv/bin/python bench/make_builtin_benchmark.py --check      # rebuild in memory, compare, write nothing
    .venv/bin/python bench/make_builtin_benchmark.py --part dev   # the development set (4 mutants per program)

`--part dev` builds codemend/data/benchmark_dev.jsonl (`builtin:dev`) from the other programs in
codemend/data/dev_programs/: ranking and template choices are made on it, so that the benchmark
stays a measurement.

The committed benchmark_operator.jsonl is frozen: since it was written, `toggle_plus_one` draws another
sign for three of its items (`x - 1` for the file's `x + 1`, KNOWN_DRIFT), which `--check` names and lets pass;
the measurements stay on the file as it is.

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
    BUILTIN_FILES, DEV_PROGRAMS_DIR, PROGRAMS_DIR, build_operator_items, format_summary, list_programs, load_benchmark,
    save_benchmark,
)

PARTS = {"operator": (PROGRAMS_DIR, "op"), "dev": (DEV_PROGRAMS_DIR, "dev")}  # programs folder, id prefix
# Dev programs written for `builtin:dev-handwritten`'s bugs (bench/make_dev_handwritten.py) after `builtin:dev`
# was built: their operator items are left out, so `builtin:dev` stays the 168 items docs/measured.md's earlier
# decisions were measured on. A new dev program goes here or into `builtin:dev` (rebuild it), by choice.
HANDWRITTEN_ONLY = frozenset({
    "build_dispatch", "count_long_words", "drop_short_words", "first_negative_index", "format_cents", "gradebook", "is_weekend",
    "make_grid", "paired_stats", "request_log", "reverse_words", "row_sums", "running_totals", "tally_words", "thermostat",
})


# Items of the frozen benchmark_operator.jsonl that a fresh build now draws otherwise (`toggle_plus_one` takes the
# other sign: `x - 1` for the file's `x + 1`): --check names them and still says up to date for them alone.
KNOWN_DRIFT = frozenset({"op/count_change_ways/toggle_plus_one", "op/knapsack/toggle_plus_one", "op/primes_up_to/toggle_plus_one"})
PER_PROGRAM = {"operator": 3, "dev": 4}  # the mutants kept per program each committed file was built with
MAX_BYTES = 2 * 1024 * 1024  # the file is committed; keep diffs reviewable
SHOWN = 10  # differing items --check names


def part_programs(part: str) -> list[str]:
    """The programs a part's operator items are injected into."""
    folder, _ = PARTS[part]
    return [name for name in list_programs(folder) if part != "dev" or name not in HANDWRITTEN_ONLY]


def differences(on_disk: list[dict], built: list[dict]) -> list[tuple[str, str]]:
    """What a fresh build changes, as (item id, what): only on disk, only built, or the fields that differ; ("", what)
    for the same items in another order, or rows that differ though their ids match (an id given twice)."""
    old, new = {row["id"]: row for row in on_disk}, {row["id"]: row for row in built}
    lines = [(key, "only in the file") for key in old if key not in new]
    lines += [(key, "only in the fresh build") for key in new if key not in old]
    lines += [(key, ", ".join(field for field in {**old[key], **new[key]} if old[key].get(field) != new[key].get(field)) + " differ")
              for key in old if key in new and old[key] != new[key]]
    if not lines and list(old) != list(new):
        lines.append(("", "the same items in another order"))
    elif not lines and on_disk != built:
        lines.append(("", f"{len(on_disk)} rows in the file, {len(built)} built: an id given twice"))
    return lines


def report_check(out: Path, changes: list[tuple[str, str]]) -> int:
    """Print what --check found; 1 when anything but KNOWN_DRIFT differs."""
    unknown = [change for change in changes if change[0] not in KNOWN_DRIFT]
    known = len(changes) - len(unknown)
    print(f"{out}: {'DIFFERS from a fresh build' if unknown else 'up to date'}" + (f" (but for {known} known item(s), KNOWN_DRIFT)" if known else ""))
    for key, what in changes[:SHOWN]:
        print(f"  {key + ': ' if key else ''}{what}{' (known)' if key in KNOWN_DRIFT else ''}")
    if len(changes) > SHOWN:
        print(f"  ... and {len(changes) - SHOWN} more")
    return 1 if unknown else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per_program", type=int, default=None, help="mutants kept per program (default: 3 for operator, 4 for dev)")
    parser.add_argument("--part", choices=sorted(PARTS), default="operator", help="which item file to build")
    parser.add_argument("--out", type=Path, default=None, help="default: the part's file in codemend/data/")
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    args.out = args.out or BUILTIN_FILES[args.part]
    args.per_program = args.per_program or PER_PROGRAM[args.part]
    folder, prefix = PARTS[args.part]
    if args.check and not args.out.is_file():
        # Before the build (minutes): afterwards load_benchmark would end the run in a traceback.
        print(f"error: --check: {args.out} does not exist; run without --check to write it", file=sys.stderr)
        return 1
    start = time.monotonic()
    items, drops = build_operator_items(seed=args.seed, per_program=args.per_program, programs=part_programs(args.part),
                                        folder=folder, prefix=prefix)
    print(format_summary(items, title=f"operator items (seed {args.seed})"))
    print(f"dropped: {json.dumps(drops)}")
    print(f"built in {time.monotonic() - start:.1f} s")

    if args.check:
        on_disk = [item.to_dict() for item in load_benchmark(str(args.out))]
        return report_check(args.out, differences(on_disk, [item.to_dict() for item in items]))
    save_benchmark(items, args.out)
    size = args.out.stat().st_size
    print(f"wrote {args.out}: {len(items)} items, {size / 1024:.0f} KiB")
    if size > MAX_BYTES:
        print(f"error: {args.out} is over {MAX_BYTES // 1024} KiB; lower --per_program", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
