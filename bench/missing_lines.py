"""How well a model writes missing lines: the bug class no repair template reaches (18.7% of stdlib
validation bugs, none fixed by the shipped stage 9).

    python bench/missing_lines.py --model default --data runs/stdlib/data --split validation --limit 300

For each missing-line bug among the split's first --limit samples (spread over the split as `codemend
eval --limit` picks them; never a benchmark: benchmarks are for evaluation only), the model reads the
function and gives every insertion point K its probability of starting the fix (`insert K`, then no
further digit); after each of the --points likeliest points it writes --beams lines by beam search.
The table: how often the true point is among those points (against choosing as many at random), how
often the exact fix is among the beams, and how often the right line text is, at any of the points.
Where the point is found and the text is not, the model knows where a line is missing but cannot
write it: training, not inference, is what would close that gap.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from codemend.config import SPLIT_SAMPLES
from codemend.training.checkpoint import PRECISIONS

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: machine.py beside it
import machine  # noqa: E402


def point_logprobs(debugger, prompt, n_lines: int) -> dict[int, float]:
    """log p(the fix starts `insert K`) for K in 1..n_lines + 1: `insert K` and then anything but a digit."""
    from codemend.training.generation import summed_logprobs

    tokenizer = debugger.tokenizer
    digits = [tokenizer(str(d), add_special_tokens=False)["input_ids"] for d in range(10)]
    if any(len(ids) != 1 for ids in digits):
        raise SystemExit("this tokenizer does not write each digit as one token; the point probabilities assume it does")
    rows, heads = [], {}
    for k in range(1, n_lines + 2):
        head = tokenizer(f"insert {k}", add_special_tokens=False)["input_ids"]
        heads[k] = len(rows)
        rows += [head] + [head + digit for digit in digits]
    sums = summed_logprobs(debugger.model, prompt, rows)
    found = {}
    for k, at in heads.items():
        longer = sum(math.exp(sums[at + 1 + d] - sums[at]) for d in range(10))
        found[k] = sums[at] + math.log(max(1e-12, 1.0 - longer))
    return found


def written_lines(debugger, prompt, k: int, beams: int) -> list[str]:
    """The fixes (edit text) the model writes once told the fix is `insert k`."""
    import torch

    from codemend.training.generation import Prompt, generate_from

    head = debugger.tokenizer(f"insert {k}", add_special_tokens=False)["input_ids"]
    ids = torch.cat([prompt.input_ids, torch.tensor([head], device=prompt.input_ids.device)], dim=1)
    told = Prompt(ids, torch.ones_like(ids), None)
    return [f"insert {k}{g.text}" for g in generate_from(debugger.model, debugger.tokenizer, told, "causal", debugger.spec.max_target_tokens,
                                                           num_beams=beams, num_return=beams)]


def line_text(edit: str) -> str:
    return edit.split("\n", 1)[1].strip() if "\n" in edit else ""


def measure(debugger, sample: dict, points: int, beams: int) -> dict:
    from codemend.eval.metrics import exact_match
    from codemend.eval.split_eval import sample_function
    from codemend.task import FormatError, apply_output
    from codemend.training.generation import read_prompt

    func = sample_function(sample)
    n_lines = func.code.count("\n") or 1
    prompt = read_prompt(debugger.model, debugger.tokenizer, debugger.source(func.code, func.context), "causal")
    ranked = sorted(point_logprobs(debugger, prompt, n_lines).items(), key=lambda kv: -kv[1])[:points]
    exact = text = False
    for k, _ in ranked:
        for edit in written_lines(debugger, prompt, k, beams):
            text = text or line_text(edit) == line_text(sample["edit"])
            try:
                exact = exact or exact_match(apply_output(func.code, edit, "edit").patched, sample["fixed"])
            except FormatError:
                continue
    return {"point": sample["line"] in [k for k, _ in ranked], "chance": min(1.0, points / (n_lines + 1)), "exact": exact, "text": text}


def _looked_at(limit: int) -> str:
    """The samples `--limit` picks, in words (as `codemend eval --limit`: 0 all, -1 200, spread over the split)."""
    return "all samples" if limit == 0 else f"up to {SPLIT_SAMPLES if limit < 0 else limit} samples spread over the split"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="default", help="checkpoint folder, or default (the shipped model); a causal model")
    parser.add_argument("--data", default="runs/stdlib/data", help="dataset folder written by codemend data build")
    parser.add_argument("--split", default="validation", choices=("validation", "test"))
    parser.add_argument("--limit", type=int, default=300, help="samples of the split to look through, as codemend eval --limit picks them (0: all)")
    parser.add_argument("--points", type=int, default=3, help="likeliest insertion points the model writes at")
    parser.add_argument("--beams", type=int, default=4, help="beams written at each point")
    parser.add_argument("--precision", default="fp32", choices=PRECISIONS)
    args = parser.parse_args()

    from codemend.config import EvalConfig
    from codemend.eval.split_eval import load_split
    from codemend.inference.debugger import Debugger

    samples = [s for s in load_split(EvalConfig(model=args.model, data=args.data, split=args.split, limit=args.limit))
               if s.get("operator") == "missing_line"]
    if not samples:
        raise SystemExit(f"no missing-line bug among {_looked_at(args.limit)} of {args.data} {args.split}")
    debugger = Debugger.load(args.model, precision=args.precision)
    if debugger.spec.arch != "causal" or debugger.spec.output_format != "edit":
        raise SystemExit(f"--model {args.model}: needs a causal model that writes edits")
    started = time.perf_counter()
    rows = [measure(debugger, sample, args.points, args.beams) for sample in samples]
    seconds = time.perf_counter() - started
    n = len(rows)
    print(machine.header())
    print(f"model {args.model} ({args.precision}), {args.split} ({_looked_at(args.limit)}): {n} missing-line bugs, "
          f"{args.points} points x {args.beams} beams, {seconds:.0f} s")
    print(f"{'measure':<48}{'bugs':>6}{'share':>8}")
    for name, key in (("true insertion point among the points", "point"), ("exact fix among the beams", "exact"),
                      ("right line text at any point", "text")):
        hits = sum(r[key] for r in rows)
        print(f"{name:<48}{hits:>6}{hits / n:>8.1%}")
    chance = sum(r["chance"] for r in rows)
    print(f"{'  the point, choosing as many at random':<48}{chance:>6.1f}{chance / n:>8.1%}")


if __name__ == "__main__":
    main()
