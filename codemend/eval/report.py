"""Benchmark numbers people read: headline metrics with 95% bootstrap intervals, per-class tables,
a Markdown report, metrics.json, per-item results and PNG plots; `compare` puts two runs side by side.

    codemend eval compare runs/bench-a runs/bench-b --out runs/compare
"""

from __future__ import annotations

import collections
import json
import logging
import os
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from codemend.eval.metrics import bootstrap_ci, corpus_bleu, pass_at_k, patch_outcomes, topk_localization_accuracy
from codemend.io import copy_to_backup, own_jsonl_lines

logger = logging.getLogger(__name__)

KS = (1, 5, 10)
HEADLINE = ("plausible@1", "plausible@5", "plausible@10", "correct@1", "plausible_validated", "correct@1_validated", "pass@1", "pass@5", "pass@10", "localization@1", "localization@5")


def _pass_at(n: int, c: int, k: int) -> float:
    """Unbiased pass@k; with fewer than k candidates (a ranking shorter than k), whether any passed: k tries take them all."""
    return pass_at_k(n, c, k) if n >= k else float(c > 0)


def ranked_verdicts(result, n: int) -> list[bool]:
    """Whether each of the ranking's first `n` candidates passed: not those found after it (`ItemResult.ranked`)."""
    return result.plausible[: n if result.ranked is None else min(n, result.ranked)]


def item_values(result, n: int) -> dict[str, float | None]:
    """Per-item 0/1 (or fractional pass@k) values, averaged into the headline numbers.

    plausible@k and pass@k read the ranking's first `n` candidates (never those of the top-level code or the
    wide space, looked for only because tests failed the ranked ones: `ItemResult.ranked`); the `_validated`
    values read every validated one (validation went past `n` only when none of the first `n` was plausible).
    The correct@1 values are None for an item without a reference fix: nothing to be correct
    against, so it counts in neither the numerator nor the denominator.
    """
    ranked = ranked_verdicts(result, n)
    # Above `n` (`--n`), plausible@k and pass@k are not measured: None, "n/a" in the report, not the first n's value.
    values = {f"plausible@{k}": float(any(ranked[:k])) if k <= n else None for k in KS}
    values.update({f"pass@{k}": (_pass_at(len(ranked), sum(ranked), k) if ranked else 0.0) if k <= n else None for k in KS})
    values["correct@1"] = float(bool(ranked) and result.correct[0])
    # What a user with tests is shown first: the first plausible candidate, if any.
    first = next((i for i, ok in enumerate(result.plausible) if ok), None)
    values["plausible_validated"] = float(first is not None)
    values["correct@1_validated"] = float(first is not None and result.correct[first])
    if not getattr(result, "has_reference", True):
        values["correct@1"] = values["correct@1_validated"] = None
    return values


def mean(values) -> float | None:
    """Mean of the values that are not None (None when there are none)."""
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _with_ci(values: Sequence[float | None], seed: int) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"value": None, "ci95": None}
    low, high = bootstrap_ci(values, seed=seed)
    return {"value": sum(values) / len(values), "ci95": [low, high]}


def summarize(results: Sequence, n: int, seed: int = 0, references: dict[str, tuple[str, str]] | None = None,
              localizes: bool = True) -> dict:
    """Headline numbers with bootstrap CIs; `references` maps id -> (buggy, fixed) for the BLEU side column.
    `localizes`: whether the system ranks lines (another system's `--predictions` do not: no localization numbers)."""
    scored = [r for r in results if r.state == "scored"]
    per_item = [item_values(r, n) for r in scored]
    metrics: dict = {
        "items": len(results), "scored": len(scored),
        "broken": [r.id for r in results if r.state == "broken"],
        "not_failing": [r.id for r in results if r.state == "not_failing"],
        "candidates_per_item": n,
    }
    headline = {name: _with_ci([v[name] for v in per_item], seed) for name in HEADLINE if not name.startswith("localization")}
    located = [r for r in scored if r.bug_line] if localizes else []  # an item the run ranked no line of is a miss
    for k in (1, 3, 5):
        if located:
            hits = [float(topk_localization_accuracy([r.ranked_lines], [r.bug_line], k=k)) for r in located]
            headline[f"localization@{k}"] = _with_ci(hits, seed)
    metrics["localization_by_signal"] = localization_by_signal(located)
    metrics["with_reference"] = sum(v["correct@1"] is not None for v in per_item)
    shown = [(any(r.plausible), values["correct@1_validated"] == 1.0) for r, values in zip(scored, per_item)
             if values["correct@1_validated"] is not None]
    if shown:
        metrics["patch_outcomes"] = patch_outcomes([p for p, _ in shown], [c for _, c in shown])
    metrics["headline"] = headline
    if references:
        with_ref = [r for r in scored if references.get(r.id, ("", ""))[1]]
        top1 = [r.candidates[0].patched if ranked_verdicts(r, 1) else references[r.id][0] for r in with_ref]
        if with_ref:
            metrics["bleu_top1"] = corpus_bleu(top1, [references[r.id][1] for r in with_ref])
            metrics["bleu_copy_input_baseline"] = corpus_bleu([references[r.id][0] for r in with_ref], [references[r.id][1] for r in with_ref])
    metrics["per_bug_class"] = _grouped(scored, per_item, lambda r: r.bug_type)
    metrics["per_source"] = _grouped(scored, per_item, lambda r: r.source or "unknown")
    metrics["pass_at_k_curve"] = {k: sum(_pass_at(len(v), sum(v), k) if (v := ranked_verdicts(r, n)) else 0.0 for r in scored) / max(len(scored), 1) for k in range(1, n + 1)}
    if located:
        metrics["localization_curve"] = {k: topk_localization_accuracy([r.ranked_lines for r in located], [r.bug_line for r in located], k=k) for k in range(1, 11)}
    return metrics


def localization_by_signal(located: Sequence) -> dict:
    """Top-1/3/5 line accuracy of each localization signal alone and of their combination."""
    table = {}
    names = sorted({name for r in located for name in r.signal_lines} | {"combined"})
    for name in names:
        rows = [r for r in located if name == "combined" or r.signal_lines.get(name)]
        if not rows:
            continue
        ranked = [r.ranked_lines if name == "combined" else r.signal_lines[name] for r in rows]
        table[name] = {"items": len(rows), **{f"top{k}": topk_localization_accuracy(ranked, [r.bug_line for r in rows], k=k) for k in (1, 3, 5)}}
    return table


def _grouped(scored, per_item, key) -> dict:
    groups = collections.defaultdict(list)
    for result, values in zip(scored, per_item):
        groups[key(result)].append(values)
    return {name: {"items": len(rows), **{m: mean(r[m] for r in rows) for m in ("plausible@1", "plausible@10", "correct@1", "plausible_validated")}}
            for name, rows in sorted(groups.items())}


def _share(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value:.1%}"


def _fmt(entry: dict) -> str:
    if entry.get("value") is None:
        return "n/a"
    low, high = entry["ci95"]
    return f"{entry['value']:.1%} [{low:.1%}, {high:.1%}]"


def markdown(metrics: dict) -> str:
    lines = [
        "# codemend benchmark report", "",
        f"Benchmark `{metrics.get('benchmark')}`, "
        + (f"predictions `{metrics['predictions']}`" if metrics.get("predictions") else f"model `{metrics.get('model')}`") + ".",
        *([f"The first {metrics['items']} of its {metrics['benchmark_items']} items (`--limit`)."]
          if metrics.get("benchmark_items", metrics["items"]) > metrics["items"] else []),
        f"{metrics['scored']} items scored of {metrics['items']}; broken (reference fails its tests, not counted): "
        f"{len(metrics['broken'])}; tests already pass on the buggy code (not counted): {len(metrics['not_failing'])}.",
        "Sandbox isolation: " + "; ".join(f"{part}: {metrics.get('isolation', {}).get(part, 'unknown')}" for part in ("network", "filesystem", "user")) + ".",
        *([f"Skipped benchmark lines ({len(metrics['skipped_lines'])}): " + "; ".join(metrics["skipped_lines"][:5])] if metrics.get("skipped_lines") else []),
        f"plausible@k, correct@1 and pass@k read the ranking's first {metrics['candidates_per_item']} candidates, before any test runs; "
        f"plausible_validated and correct@1_validated read the first plausible one found by validating down the ranking"
        + (f" (at most {metrics['validate_top']} of the given predictions, in their order)." if metrics.get("predictions") and metrics.get("validate_top")
           else f" (at most {metrics['validate_top']} candidates, then those of the file's top-level code when the tests fail or error,"
                f" then up to {metrics.get('wide', 0)} edits of the mistake templates and {metrics.get('wide', 0)} of the wide space),"
                f" what `codemend fix` with tests shows first."
           if metrics.get("validate_top") else "."),
        *([f"correct@1, correct@1_validated and the patch outcomes read only the {metrics['with_reference']} of "
           f"{metrics['scored']} items that give a reference fix (`fixed_code`)."]
          if metrics.get("with_reference", metrics["scored"]) < metrics["scored"] else []),
        "",
        "| metric | value [95% bootstrap CI] |", "|---|---|",
        *[f"| {name} | {_fmt(entry)} |" for name, entry in metrics["headline"].items()], "",
    ]
    if "bleu_top1" in metrics:
        lines += [f"BLEU of the top-1 candidate (side column only): {metrics['bleu_top1']:.1f}; copying the buggy input scores {metrics['bleu_copy_input_baseline']:.1f}.", ""]
    if "patch_outcomes" in metrics:
        outcomes = metrics["patch_outcomes"]
        rate = lambda v: f"{v:.1%}" if v == v else "n/a"  # noqa: E731 - NaN when nothing is plausible
        lines += [f"Patch outcomes (the first plausible fix per item): plausible {rate(outcomes['plausible_rate'])}, "
                  f"correct {rate(outcomes['correct_rate'])}, overfitting (plausible but not correct, of plausible) "
                  f"{rate(outcomes['overfitting_rate'])}.", ""]
    if metrics.get("localization_by_signal"):
        lines += ["| localization signal | items | top-1 | top-3 | top-5 |", "|---|---|---|---|---|"]
        lines += [f"| {name} | {row['items']} | {row['top1']:.1%} | {row['top3']:.1%} | {row['top5']:.1%} |"
                  for name, row in metrics["localization_by_signal"].items()]
        lines.append("")
    for title, key in (("bug class", "per_bug_class"), ("source", "per_source")):
        lines += [f"| {title} | items | plausible@1 | plausible@10 | correct@1 | plausible after validation |", "|---|---|---|---|---|---|"]
        lines += [f"| {name} | {row['items']} | {_share(row['plausible@1'])} | {_share(row['plausible@10'])} | {_share(row['correct@1'])} | {_share(row.get('plausible_validated'))} |"
                  for name, row in metrics[key].items()]
        lines.append("")
    return "\n".join(lines)


# Every file an evaluation writes in its --out (benchmark and split runs alike), for `clear_earlier_outputs`.
EVAL_OUTPUTS = ("report.md", "metrics.json", "results.jsonl", "predictions.jsonl", "items.jsonl", "cache.jsonl",
                "per_bug_class.png", "pass_at_k.png", "localization_topk.png")


def clear_earlier_outputs(out: Path, config, keep: Sequence[str] = (), inputs: Sequence[str] = (), model_key: str = "") -> list[str]:
    """Remove an earlier evaluation's outputs from `out` (except `keep`: a benchmark run's resume state, and the
    files this run reads, `inputs`: `--predictions runs/x/predictions.jsonl --out runs/x`), so a run stopped part
    way, or of the other kind (a split after a benchmark), never leaves the old report beside its own as if it
    were current. A finished evaluation of another `config` (another model, benchmark, kind) is copied to
    OUT.bak-TIMESTAMP first: rerunning the same command needs no copy, as it gives the same report, unless the
    model's weights changed in place (`model_key`, which the earlier run's meta.json names). Returns the names removed."""
    read = {Path(path).resolve() for path in inputs if path}
    removed = [name for name in EVAL_OUTPUTS if name not in keep and (out / name).is_file() and (out / name).resolve() not in read]
    if "metrics.json" in removed and not same_config(out / "config.yaml", config, model_key):
        kept = [name for name in (*EVAL_OUTPUTS, "config.yaml", "meta.json") if (out / name).is_file()]
        logger.warning("%s held a finished evaluation of another configuration: copied to %s before it is replaced", out,
                       copy_to_backup(out, kept))
    for name in removed:
        (out / name).unlink()
    return removed


def same_config(path: Path, config, model_key: str = "") -> bool:
    """Whether the config.yaml at `path` (`save_run_metadata`) is `config`'s, run from the same folder (`--model runs/m`
    from another project names another model), with the same weights when the meta.json beside it names them (a
    model trained again into the same folder is another model under the same name)."""
    from codemend.config import config_text

    try:
        if path.read_text(encoding="utf-8") != config_text(config):
            return False
    except (OSError, UnicodeDecodeError):
        return False
    try:
        earlier = json.loads((path.parent / "meta.json").read_text(encoding="utf-8")).get("model_key", "")
    except (OSError, ValueError, AttributeError):
        earlier = ""
    return not (model_key and earlier) or earlier == model_key


def write_report(out: Path, metrics: dict, results: Sequence) -> None:
    out = Path(out)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown(metrics), encoding="utf-8")
    with open(out / "results.jsonl", "w", encoding="utf-8") as handle:
        for result in results:
            handle.write(json.dumps(asdict(result)) + "\n")
    plot_report(out, metrics)


def _pyplot():
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_report(out: Path, metrics: dict) -> None:
    plt = _pyplot()
    classes = metrics["per_bug_class"]
    if classes:
        fig, ax = plt.subplots(figsize=(8, max(3, 0.3 * len(classes))))
        names = list(classes)
        if all(classes[c]["plausible@10"] is not None for c in names):  # None: --n below 10
            ax.barh(names, [classes[c]["plausible@10"] for c in names], color="#4a90d9", label="plausible@10")
        ax.barh(names, [classes[c]["plausible@1"] for c in names], color="#1f4e79", label="plausible@1")
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of items")
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(out / "per_bug_class.png", dpi=100)
        plt.close(fig)
    for name, key, xlabel in (("pass_at_k.png", "pass_at_k_curve", "k (candidates)"), ("localization_topk.png", "localization_curve", "k (lines)")):
        curve = metrics.get(key)
        if not curve:
            continue
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot([int(k) for k in curve], list(curve.values()), marker="o")
        ax.set_ylim(0, 1)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(key.replace("_curve", "").replace("_", " "))
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(out / name, dpi=100)
        plt.close(fig)


def _scored_ids(path: Path) -> tuple[dict[str, str] | None, bool]:
    """A run's items (results.jsonl): id -> content digest ("" from runs before 2026-12-06), or None when unreadable;
    and whether its plausible@k may count candidates found after the ranking (a run before 2026-12-07, whose
    scored items do not say how many the ranking gave: `ItemResult.ranked`)."""
    try:
        rows = [json.loads(line) for line in own_jsonl_lines(path)]
        ids = {row["id"]: row.get("item_digest", "") for row in rows}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return None, False
    return ids, any(row.get("state") == "scored" and row.get("ranked") is None for row in rows)  # null: an old item resumed


def _benchmark_files(name: str | None) -> tuple[str, ...]:
    """The files a run's --benchmark names (`builtin:dev` and its path, `./b.jsonl` and `b.jsonl` alike)."""
    from codemend.data.benchmark import benchmark_paths
    from codemend.errors import CodemendError

    try:
        return tuple(str(path.resolve()) for path in benchmark_paths(str(name)))
    except CodemendError:
        return (str(name),)


def _comparability(a: str | Path, b: str | Path, runs: list[dict], ids: list[dict[str, str] | None],
                   unranked: list[bool]) -> list[str]:
    """What makes two runs' numbers differ besides the models or settings: another benchmark, other items,
    items of the same ids edited between the runs, or plausible@k counted two ways (`_scored_ids`)."""
    notes = []
    if unranked[0] != unranked[1]:
        old = a if unranked[0] else b
        notes.append(f"{old} was written before plausible@k and pass@k read only the ranking's candidates (2026-12-07): its "
                     f"numbers may count fixes of the top-level code or the wide space in the first k; rerun it to compare")
    if _benchmark_files(runs[0].get("benchmark")) != _benchmark_files(runs[1].get("benchmark")):
        notes.append(f"the runs scored different benchmarks ({runs[0].get('benchmark')} and {runs[1].get('benchmark')}): "
                     f"their differences are not one model against another")
    elif ids[0] is not None and ids[1] is not None:
        if ids[0].keys() != ids[1].keys():
            notes.append(f"the runs scored different items ({a}: {len(ids[0])}, {b}: {len(ids[1])}, {len(ids[0].keys() & ids[1].keys())} "
                         f"in both; another --limit?): the differences mix item sets; rerun both on the same items")
        edited = sorted(i for i in ids[0].keys() & ids[1].keys() if ids[0][i] and ids[1][i] and ids[0][i] != ids[1][i])
        if edited:
            notes.append(f"{len(edited)} item(s) changed between the runs under the same id ({', '.join(edited[:3])}): the benchmark "
                         f"file was edited; rerun both on the same file")
    return notes


def compare(a: str | Path, b: str | Path, out: str | Path) -> str:
    """Side-by-side headline numbers of two benchmark runs (Markdown + PNG); returns the Markdown."""
    from codemend.errors import CodemendError

    runs, ids, unranked = [], [], []
    for folder in (Path(a), Path(b)):
        path = folder / "metrics.json"
        if not path.is_file():
            raise CodemendError(f"{folder}: no metrics.json; pass two folders written by `codemend eval --benchmark`")
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise CodemendError(f"{path}: not a metrics file codemend wrote ({err}); pass two `codemend eval --benchmark` folders") from None
        if not isinstance(run, dict) or not isinstance(run.get("headline"), dict):
            raise CodemendError(f"{folder}: not a benchmark run (a split evaluation's metrics have no pass@k); compare folders "
                                f"written by `codemend eval --benchmark`")
        runs.append(run)
        items, before_ranked = _scored_ids(folder / "results.jsonl")
        ids.append(items)
        unranked.append(before_ranked)
    names = [name for name in runs[0]["headline"] if name in runs[1]["headline"]]
    notes = _comparability(a, b, runs, ids, unranked)
    for note in notes:
        logger.warning("%s", note)
    lines = [*(f"> {note}\n" for note in notes), f"| metric | {a} | {b} | difference |", "|---|---|---|---|"]
    for name in names:
        va, vb = runs[0]["headline"][name]["value"], runs[1]["headline"][name]["value"]
        diff = f"{vb - va:+.1%}" if va is not None and vb is not None else "n/a"
        lines.append(f"| {name} | {_fmt(runs[0]['headline'][name])} | {_fmt(runs[1]['headline'][name])} | {diff} |")
    text = "\n".join(lines) + "\n"
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.md").write_text(text, encoding="utf-8")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.4
    for offset, (label, run) in zip((-width / 2, width / 2), ((str(a), runs[0]), (str(b), runs[1]))):
        values = [run["headline"][n]["value"] for n in names]  # None (plausible@k above --n): no bar, not a 0 one
        ax.bar([i + offset for i, v in enumerate(values) if v is not None], [v for v in values if v is not None], width, label=label)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_ylim(0, 1)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "compare.png", dpi=100)
    plt.close(fig)
    return text
