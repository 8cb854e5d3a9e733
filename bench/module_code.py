"""How `fix` ranks fixes in module-level code (a script's statements) against functions of the same split.

    python bench/module_code.py --model default --data runs/stdlib/data --split test validation --n 100

The corpus and the training data hold functions only, so module-level code is new to the model. From the
split's files (held out by file, as `codemend data build` split them: never a benchmark), every run of
top-level statements between definitions that holds a compound statement (if, for, while, with, try;
3-40 lines, `corpus.module_code`) gets one bug from the data pipeline's operators (seeded), and is ranked
as `codemend fix SCRIPT` ranks a script without tests: the run alone, its file's imports as the context.
The baseline, in the same run with the same model: as many of the split's own function bugs, ranked the
same way (`repair_function`, no tests, no beams). The table: the true fix first (exact after
normalisation), among the first 10, the top-1 line, the fix in the candidate space at all, seconds per item.
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

def module_runs(root: Path, files: list[str]) -> list:
    """Each file's runs of top-level statements that hold a compound statement (`corpus.module_runs`)."""
    from codemend.data.corpus import module_runs as runs_of

    return [run for file in files if (root / file).is_file() for run in runs_of((root / file).read_bytes(), file)]


def module_bugs(runs: list, n: int, seed: int) -> list[dict]:
    """Up to `n` samples (as the dataset writes them) of one operator bug each in a run, in a seeded order."""
    from codemend.data.operators import inject

    rng = random.Random(seed)
    runs = sorted(runs, key=lambda run: (run.file, run.start_line))
    rng.shuffle(runs)
    samples = []
    for run in runs:
        for buggy, operator in inject(run.code, rng, k=1):
            samples.append({"buggy": buggy, "fixed": run.code, "context": run.context, "operator": operator,
                            "function": run.name, "file": run.file})
        if len(samples) == n:
            break
    return samples


def rank(sample: dict, debugger) -> dict:
    """`fix`'s ranking of one sample without tests, and whether the true fix and its line came first."""
    from codemend.eval.metrics import exact_match
    from codemend.eval.split_eval import sample_function, truth_lines
    from codemend.inference.repair import repair_function

    func = sample_function(sample)
    report = repair_function(func, debugger, sbfl={}, n=0, module=sample.get("context", ""))
    hits = [exact_match(c.patched, sample["fixed"], normalize=True) for c in report.candidates]
    line = report.ranking.ranked[0][0] if report.ranking.ranked else None
    return {"top1": bool(hits[:1] and hits[0]), "top10": any(hits[:10]), "space": any(hits), "line": line in truth_lines(sample)}


def measure(samples: list[dict], debugger) -> tuple[dict, float]:
    started = time.perf_counter()
    rows = [rank(sample, debugger) for sample in samples]
    seconds = (time.perf_counter() - started) / max(1, len(samples))
    return {key: sum(row[key] for row in rows) / max(1, len(rows)) for key in ("top1", "top10", "line", "space")}, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser, n=100, n_help="bugs of each kind (at most)")
    args = parser.parse_args()

    import torch

    from codemend.inference.debugger import Debugger

    torch.manual_seed(args.seed)
    rows, files, root = rows_and_files(args)
    runs = module_runs(root, files)
    module = module_bugs(runs, args.n, args.seed)
    random.Random(args.seed).shuffle(rows)
    functions = rows[: len(module)]
    if not module:
        raise SystemExit(f"no module-level code with an operator bug in the {len(files)} files of the {'+'.join(args.split)} split")
    debugger = Debugger.load(args.model, args.precision)
    results = {"module-level code": measure(module, debugger), "functions (baseline)": measure(functions, debugger)}

    print(machine.header())
    print(f"{len(files)} {'+'.join(args.split)} files, {len(runs)} runs of module-level code, {len(module)} bugs of each kind")
    print(f"{'kind':<22} {'items':>5} {'top-1 exact':>12} {'top-10 exact':>13} {'top-1 line':>11} {'in space':>9} {'s/item':>7}")
    sizes = {"module-level code": len(module), "functions (baseline)": len(functions)}  # fewer functions than module bugs, maybe
    for kind, (rates, seconds) in results.items():
        print(f"{kind:<22} {sizes[kind]:>5} {rates['top1']:>12.1%} {rates['top10']:>13.1%} {rates['line']:>11.1%} {rates['space']:>9.1%} {seconds:>7.2f}")
    (mod, _), (base, _) = results.values()
    ratio = mod["top1"] / base["top1"] if base["top1"] else float("nan")
    print(f"top-1 exact, module-level code / functions: {ratio:.2f}")


if __name__ == "__main__":
    main()
