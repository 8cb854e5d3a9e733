"""Tune how a causal model ranks repair candidates: edit likelihood + w x naturalness delta.

    python bench/tune_ranking.py --model runs/default/model --data runs/data --split validation --n 150 [--write]

For each sample of a validation split (never a benchmark: benchmarks are for evaluation only),
every inverse-operator candidate of the buggy function (above repair.MAX_SCORED candidates, those
on the most suspicious lines, as repair keeps them: repair.scored_space) is scored twice by the model: the mean
log-probability of writing its edit (Debugger.edit_scores) and the naturalness delta of its edited
lines (Debugger.naturalness). The script prints top-1 exact match and top-1 line localization of
the candidate ranking for each weight w, then, at the checkpoint's own w, how many of the candidates with the best edit
likelihood naturalness should re-rank (Debugger.score's SHORTLIST), and with --write stores the best w in the checkpoint's
codemend.json, where `codemend fix` and `codemend eval` read it.

Before --write, confirm a new weight with `codemend eval --mode repair --naturalness_weight W` on more
of the split (stage 7: 0.5 led here by 2 of 150 bugs when spaces over MAX_SCORED still counted as
misses; on 300 validation bugs, 0.2 fixed 4 that 0.05 missed and missed 9 that 0.05 fixed, so 0.05 stayed).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from codemend.training.checkpoint import PRECISIONS

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package: machine.py beside it
import machine  # noqa: E402

SHORTLISTS = (2, 3, 4, 6, 8, 16)
WEIGHTS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, None)  # None: naturalness alone


def score_samples(debugger, rows: list[dict]) -> list[dict]:
    """Per sample: candidates' edit scores, naturalness deltas, and which candidate is the true fix."""
    from codemend.eval.metrics import exact_match
    from codemend.eval.split_eval import sample_function
    from codemend.inference.candidates import operator_candidates
    from codemend.inference.repair import scored_space
    from codemend.task import compute_edit

    scored = []
    for row in rows:
        func = sample_function(row)
        candidates = [c for c in scored_space(func, operator_candidates(func.code, debugger), debugger, {}) if c.target]
        if not candidates:
            scored.append({"edit": [], "nat": [], "hit": [], "line_ok": []})
            continue
        truth = compute_edit(row["buggy"], row["fixed"])
        scored.append({
            "edit": debugger.edit_scores(row["buggy"], candidates, row.get("context", "")),
            "nat": debugger.naturalness(row["buggy"], candidates),
            "hit": [exact_match(c.patched, row["fixed"], normalize=True) for c in candidates],
            "line_ok": [truth is not None and c.line == truth.start for c in candidates],
        })
    return scored


def accuracy(scored: list[dict], weight: float | None, shortlist: int = 0) -> tuple[float, float]:
    """(top-1 exact, top-1 line) of the ranking edit + weight x naturalness (naturalness alone if None)
    on the `shortlist` best by edit likelihood (0: Debugger.score's SHORTLIST)."""
    from codemend.inference.debugger import SHORTLIST, rerank, shortlist_of

    exact = line = 0
    for sample in scored:
        if not sample["hit"]:
            continue
        if weight is None:
            best = max(range(len(sample["nat"])), key=sample["nat"].__getitem__)
        else:  # exactly as Debugger.score ranks
            short = shortlist_of(sample["edit"], shortlist or SHORTLIST)
            scores = rerank(sample["edit"], {i: sample["nat"][i] for i in short}, weight)
            best = max(range(len(scores)), key=scores.__getitem__)
        exact += sample["hit"][best]
        line += sample["line_ok"][best]
    return exact / len(scored), line / len(scored)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="validation", choices=("train", "validation"))
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="store the best weight in MODEL/codemend.json")
    parser.add_argument("--precision", default="auto", choices=PRECISIONS, help="the model's weights (auto: bf16 where faster on this CPU, else fp32, as `codemend fix` loads it)")
    args = parser.parse_args()

    import torch

    from codemend.inference.debugger import Debugger
    from codemend.io import read_jsonl

    torch.manual_seed(args.seed)
    rows = read_jsonl(Path(args.data) / f"{args.split}.jsonl", ("buggy", "fixed"))
    random.Random(args.seed).shuffle(rows)
    rows = rows[: args.n]
    debugger = Debugger.load(args.model, args.precision)
    started = time.perf_counter()
    scored = score_samples(debugger, rows)
    seconds = time.perf_counter() - started
    in_space = sum(any(s["hit"]) for s in scored) / len(scored)

    print(machine.header())
    print(f"{len(rows)} {args.split} samples, {seconds / len(rows):.2f} s per sample; true fix in the candidate space: {in_space:.1%}")
    print(f"{'weight':>10} {'top-1 exact':>12} {'top-1 line':>11}")
    results = {}
    for weight in WEIGHTS:
        results[weight] = accuracy(scored, weight)
        label = "nat only" if weight is None else f"{weight:g}"
        print(f"{label:>10} {results[weight][0]:>12.1%} {results[weight][1]:>11.1%}")
    best = max((w for w in WEIGHTS if w is not None), key=lambda w: results[w])
    print(f"best weight: {best:g}")
    # Naturalness costs a read of each shortlisted candidate's lines: the shortest list that ranks as well is best.
    weight = debugger.spec.naturalness_weight or best  # the weight `fix` uses now
    print(f"{'shortlist':>10} {'top-1 exact':>12} {'top-1 line':>11}   (weight {weight:g})")
    for size in SHORTLISTS:
        exact, line = accuracy(scored, weight, size)
        print(f"{size:>10} {exact:>12.1%} {line:>11.1%}")
    if args.write:
        spec_file = Path(args.model) / "codemend.json"
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
        spec["naturalness_weight"] = best
        spec_file.write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
        print(f"wrote naturalness_weight {best:g} into {spec_file}")


if __name__ == "__main__":
    main()
