"""What reading a long docstring as its first line (`inference/docstrings.py`) costs and saves, against reading it whole.

    python bench/long_docstrings.py --model default --data runs/stdlib/data --n 40

From the held-out files of a `codemend data build` folder (its test and validation splits: never a
benchmark), every function whose own docstring spans at least ELIDE_FROM lines gets one bug from the
data pipeline's operators (seeded; bugs inside the docstring are skipped: no test sees them). Each is
ranked as `codemend fix FILE --function NAME` ranks it without tests (`repair`, no beams) twice in the
same process, with the docstring cut and read whole, in alternating order. The table: the true fix
first, among the first 10, the top-1 line, and seconds per function; the last line the speed-up.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: its shared helpers
import machine  # noqa: E402
from heldout import add_arguments, rows_and_files  # noqa: E402


def long_docstring_functions(root: Path, files: list[str], max_lines: int) -> list:
    """The files' functions whose own docstring spans at least ELIDE_FROM lines, with the docstring's lines."""
    from codemend.data.corpus import extract_functions
    from codemend.inference.docstrings import elide

    found = []
    for file in files:
        if (root / file).is_file():
            functions, _ = extract_functions((root / file).read_bytes(), file, max_lines=max_lines)
            found += [(func, view) for func in functions if (view := elide(func)) is not None]
    return found


def bugs(functions: list, n: int, seed: int) -> list[dict]:
    """Up to `n` functions with one operator bug each outside the docstring, in a seeded order."""
    from codemend.data.operators import inject

    rng = random.Random(seed)
    functions = sorted(functions, key=lambda pair: (pair[0].file, pair[0].start_line))
    rng.shuffle(functions)
    samples = []
    for func, view in functions:
        for buggy, operator in inject(func.code, rng, k=1):
            changed = [k for k, (a, b) in enumerate(zip(func.code.splitlines(), buggy.splitlines()), 1) if a != b]
            inside = changed and view.first <= changed[0] <= view.last + view.removed  # the docstring's lines in the function as it is
            if changed and not inside and buggy.count("\n") == func.code.count("\n"):
                samples.append({"buggy": buggy, "fixed": func.code, "line": changed[0], "name": func.name.split(".")[-1], "operator": operator})
        if len(samples) == n:
            break
    return samples


def rank(sample: dict, debugger, cut: bool) -> dict:
    from codemend.eval.metrics import exact_match
    from codemend.inference import docstrings
    from codemend.inference.repair import repair

    docstrings.ELIDE_FROM, before = (docstrings.ELIDE_FROM if cut else 10**9), docstrings.ELIDE_FROM
    try:
        started = time.perf_counter()
        result = repair(sample["buggy"], debugger=debugger, path="bug.py", function=sample["name"], n=0)
        seconds = time.perf_counter() - started
    finally:
        docstrings.ELIDE_FROM = before
    hits = [exact_match(s.patched_source, sample["fixed"], normalize=True) for s in result.suggestions]
    first_line = result.suggestions[0].line if result.suggestions else None
    return {"top1": bool(hits[:1] and hits[0]), "top10": any(hits[:10]), "line": first_line == sample["line"], "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser, n=40, n_help="functions (at most)")
    parser.add_argument("--max_lines", type=int, default=150, help="longest function taken, docstring included")
    args = parser.parse_args()

    import torch

    from codemend.inference.debugger import Debugger

    torch.manual_seed(args.seed)
    _, files, root = rows_and_files(args)
    functions = long_docstring_functions(root, files, args.max_lines)
    samples = bugs(functions, args.n, args.seed)
    if not samples:
        raise SystemExit(f"no function with a long docstring and an operator bug in the {len(files)} files of the {'+'.join(args.split)} split")
    debugger = Debugger.load(args.model, args.precision)
    rows = {True: [], False: []}
    for k, sample in enumerate(samples):
        for cut in ((True, False) if k % 2 else (False, True)):
            rows[cut].append(rank(sample, debugger, cut))

    print(machine.header())
    print(f"{len(files)} {'+'.join(args.split)} files, {len(functions)} functions with a docstring of >= ELIDE_FROM lines, {len(samples)} bugs")
    print(f"{'docstring':<10} {'items':>5} {'top-1 exact':>12} {'top-10 exact':>13} {'top-1 line':>11} {'median s':>9} {'total s':>8}")
    totals = {}
    for cut, label in ((False, "whole"), (True, "cut")):
        got = rows[cut]
        rate = lambda key: sum(row[key] for row in got) / len(got)  # noqa: E731
        seconds = sorted(row["seconds"] for row in got)
        totals[cut] = sum(seconds)
        print(f"{label:<10} {len(got):>5} {rate('top1'):>12.1%} {rate('top10'):>13.1%} {rate('line'):>11.1%} {seconds[len(seconds) // 2]:>9.2f} {totals[cut]:>8.1f}")
    print(f"speed-up, whole / cut (total seconds): {totals[False] / totals[True]:.2f}x")


if __name__ == "__main__":
    main()
