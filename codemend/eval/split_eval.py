"""`codemend eval`: exact-match fix accuracy and line localization of a model on a dataset split.

    codemend eval --model runs/model --data runs/data --split test --limit 200

Writes OUT/metrics.json, OUT/predictions.jsonl and the resolved OUT/config.yaml, and returns the
numbers for the CLI to print as a table.
"""

from __future__ import annotations

import collections
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

from codemend.config import EvalConfig, save_run_metadata
from codemend.eval.benchmark_runner import model_key
from codemend.eval.report import clear_earlier_outputs
from codemend.errors import CodemendError
from codemend.eval.metrics import corpus_bleu, exact_match, topk_localization_accuracy
from codemend.io import read_jsonl, write_jsonl
from codemend.task import FormatError, apply_output, build_source, compute_edit
from codemend.training.checkpoint import load_checkpoint, inference_precision
from codemend.training.generation import generate

logger = logging.getLogger(__name__)


def load_split(config: EvalConfig) -> list[dict]:
    path = Path(config.data) / f"{config.split}.jsonl"
    if not path.is_file():
        raise CodemendError(f"--data {config.data}: no {config.split}.jsonl; build a dataset with `codemend data build --out {config.data}`")
    rows = read_jsonl(path, ("buggy", "fixed", "line"), ("buggy", "fixed"))
    if not rows:
        larger = f" or a larger --{config.split}_fraction" if config.split != "train" else ""
        raise CodemendError(f"{path} has no samples; rebuild the dataset with more source files{larger}")
    return spread(rows, config.samples)


def spread(rows: list, limit: int) -> list:
    """At most `limit` rows evenly spread over the split (0: all): splits are ordered by file, so the
    first `limit` rows would all come from a handful of modules."""
    if not limit or len(rows) <= limit:
        return rows
    return [rows[i * len(rows) // limit] for i in range(limit)]


def score_prediction(sample: dict, output: str, output_format: str) -> dict:
    """Per-sample verdicts: does the output apply, fix the bug exactly, and name the right line?"""
    try:
        patch = apply_output(sample["buggy"], output, output_format)
    except FormatError as err:
        return {"applies": False, "exact": False, "exact_normalized": False, "line": None, "error": str(err), "patched": sample["buggy"]}
    return {
        "applies": True,
        "patched": patch.patched,
        "exact": exact_match(patch.patched, sample["fixed"]),
        "exact_normalized": exact_match(patch.patched, sample["fixed"], normalize=True),
        "line": patch.line,
        "error": "",
    }


def truth_lines(sample: dict) -> set[int]:
    """The sample's buggy lines (1-based, in the buggy function); empty when the fix is not one hunk.

    Rows without `line` (imported pairs) get it from the diff, as the dataset builder would.
    """
    if sample.get("line") is not None:
        return set(range(sample["line"], (sample.get("line_end") or sample["line"]) + 1))
    edit = compute_edit(sample["buggy"], sample["fixed"])
    return set(range(edit.start, max(edit.start, edit.end) + 1)) if edit else set()


def summarize(rows: list[dict], truth: list[set[int]]) -> dict:
    n = len(rows)
    ranked = [[r["line"]] if r["line"] is not None else [] for r in rows]
    by_class = collections.defaultdict(list)
    for r in rows:
        by_class[r["bug_class"]].append(r["exact"])
    return {
        "samples": n,
        "exact_match": sum(r["exact"] for r in rows) / n,
        "exact_match_normalized": sum(r["exact_normalized"] for r in rows) / n,
        "localization_top1": topk_localization_accuracy(ranked, truth, k=1),
        "well_formed": sum(r["applies"] for r in rows) / n,
        "stopped_with_eos": sum(r["stopped"] for r in rows) / n,
        "per_bug_class": {name: {"samples": len(v), "exact_match": sum(v) / len(v)} for name, v in sorted(by_class.items())},
    }


def run(config: EvalConfig) -> dict:
    samples = load_split(config)
    model, tokenizer, spec = load_checkpoint(config.model, config.precision, config.engine)
    out = Path(config.out_folder)
    started = time.perf_counter()
    if config.mode == "repair":
        rows = repair_rows(samples, model, tokenizer, spec, config)
    else:
        rows = generate_rows(samples, model, tokenizer, spec, config)
    seconds = time.perf_counter() - started
    truth = [truth_lines(s) for s in samples]
    metrics = summarize(rows, truth)
    # BLEU is a side column only: copying the buggy input already scores high, so print that too.
    metrics["bleu"] = corpus_bleu([r["patched"] for r in rows], [s["fixed"] for s in samples])
    metrics["bleu_copy_input_baseline"] = corpus_bleu([s["buggy"] for s in samples], [s["fixed"] for s in samples])
    metrics.update({"model": config.model, "precision": inference_precision(config.precision), "engine": config.engine, "data": config.data, "split": config.split, "mode": config.mode,
                    "seconds": round(seconds, 1), "seconds_per_sample": round(seconds / len(samples), 3)})
    out.mkdir(parents=True, exist_ok=True)
    key = model_key(config.model)
    clear_earlier_outputs(out, config, inputs=(str(Path(config.data) / f"{config.split}.jsonl"),), model_key=key)
    write_jsonl(out / "predictions.jsonl", rows)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    save_run_metadata(config, out, model_key=key)
    metrics["out"] = str(out)
    return metrics


def generate_rows(samples: list[dict], model, tokenizer, spec, config: EvalConfig) -> list[dict]:
    """The model's top beam per sample, scored."""
    sources = [
        build_source(s["buggy"], context=s.get("context", "") if spec.include_context else "",
                     trace=s.get("trace", "") if spec.include_trace else "")
        for s in samples
    ]
    generations = generate(model, tokenizer, sources, spec.arch, spec.max_target_tokens, num_beams=config.num_beams, batch_size=config.batch_size)
    rows = []
    for sample, (best, *_rest) in zip(samples, generations):
        verdict = score_prediction(sample, best.text, spec.output_format)
        rows.append({"id": sample.get("id"), "operator": sample.get("operator"), "bug_class": sample.get("bug_class", "unknown"),
                     "true_line": sample["line"], "output": best.text, "score": best.score, "stopped": best.stopped, **verdict})
    return rows


def sample_function(sample: dict):
    """A dataset sample's buggy function as the repair pipeline takes one (a whole file holds it, from line 1);
    module-level code (`data build --module_code`) by its name, `<module> lines A-B`."""
    from codemend.data.corpus import Function, is_module_code

    code, name = sample["buggy"], sample.get("function", "f")
    return Function(code, name, sample.get("file", ""), 1, code.count("\n"), sample.get("context", ""), "",
                    module_level=is_module_code(name))


def repair_rows(samples: list[dict], model, tokenizer, spec, config: EvalConfig) -> list[dict]:
    """What `codemend fix` would suggest first for each sample, without tests, scored.

    The localization verdict is the top line of the combined line ranking, the fix verdict the
    top candidate; a function with no candidate at all counts as a miss on both.
    """
    from codemend.inference.debugger import Debugger

    if config.naturalness_weight >= 0:
        spec = replace(spec, naturalness_weight=config.naturalness_weight)
    debugger = Debugger(model, tokenizer, spec, config.model)
    return [repair_row(sample, debugger, config.num_beams if config.num_beams > 1 else 0) for sample in samples]


def repair_row(sample: dict, debugger, beams: int = 0) -> dict:
    """One sample's row for `repair_rows`: `fix`'s first suggestion without tests, and its verdicts.
    Training's `--train.eval_mode repair` scores its validation samples with it too."""
    from codemend.inference.repair import repair_function

    func = sample_function(sample)
    report = repair_function(func, debugger, sbfl={}, n=beams)
    best = report.candidates[0] if report.candidates else None
    patched = best.patched if best else func.code
    return {"id": sample.get("id"), "operator": sample.get("operator"), "bug_class": sample.get("bug_class", "unknown"),
            "true_line": sample.get("line"), "output": best.target if best else "", "score": best.score if best else None,
            "stopped": True, "applies": best is not None, "patched": patched,
            "exact": exact_match(patched, sample["fixed"]), "exact_normalized": exact_match(patched, sample["fixed"], normalize=True),
            "line": report.ranking.ranked[0][0] if report.ranking.ranked else None, "error": "" if best else "no candidate",
            "origin": "+".join(sorted(best.origin)) if best else ""}


def format_table(metrics: dict) -> str:
    lines = [
        f"{'metric':<28}{'value':>10}",
        f"{'samples':<28}{metrics['samples']:>10}",
        f"{'exact-match fix accuracy':<28}{metrics['exact_match']:>10.1%}",
        f"{'  after normalisation':<28}{metrics['exact_match_normalized']:>10.1%}",
        f"{'line localization (top-1)':<28}{metrics['localization_top1']:>10.1%}",
        f"{'well-formed outputs':<28}{metrics['well_formed']:>10.1%}",
        f"{'outputs ending with EOS':<28}{metrics['stopped_with_eos']:>10.1%}",
        f"{'BLEU (side column)':<28}{metrics['bleu']:>10.1f}",
        f"{'  copy-the-input baseline':<28}{metrics['bleu_copy_input_baseline']:>10.1f}",
    ]
    width = max([len("bug class"), *map(len, metrics["per_bug_class"])]) + 2  # whole names: they are what a user looks up
    lines += ["", f"{'bug class':<{width}}{'samples':>8}{'exact':>8}"]
    for name, row in metrics["per_bug_class"].items():
        lines.append(f"{name:<{width}}{row['samples']:>8}{row['exact_match']:>8.1%}")
    return "\n".join(lines)
