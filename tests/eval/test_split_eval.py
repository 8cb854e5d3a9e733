"""The buggy lines a split's sample is scored against."""

from codemend.eval.split_eval import truth_lines

BUGGY = "def f(a):\n    b = a\n    c = 2\n    return b + c\n"


def test_truth_lines_from_the_sample_or_from_the_diff():
    assert truth_lines({"buggy": BUGGY, "fixed": BUGGY, "line": 2, "line_end": 3}) == {2, 3}
    assert truth_lines({"buggy": BUGGY, "fixed": BUGGY, "line": 3}) == {3}
    fixed = BUGGY.replace("b + c", "b - c")
    assert truth_lines({"buggy": BUGGY, "fixed": fixed, "line": None}) == {4}  # imported pair: from the diff
    two_hunks = fixed.replace("b = a", "b = -a")  # lines 2 and 4: two hunks
    assert truth_lines({"buggy": BUGGY, "fixed": two_hunks}) == set()


def test_repair_mode_scores_the_top_suggestion_of_the_repair_pipeline(causal_model, tiny_dataset, tmp_path):
    """--mode repair: the prediction is repair_function's best candidate; verdicts follow from it."""
    import json

    from codemend.cli import main
    from codemend.eval.metrics import exact_match
    from codemend.io import read_jsonl

    out = tmp_path / "eval"
    assert main(["-q", "eval", "--model", str(causal_model), "--data", str(tiny_dataset), "--mode", "repair",
                 "--num_beams", "1", "--limit", "6", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["mode"] == "repair" and metrics["samples"] == 6
    rows = read_jsonl(out / "predictions.jsonl")
    samples = {s["id"]: s for s in read_jsonl(tiny_dataset / "test.jsonl")}
    for row in rows:
        fixed = samples[row["id"]]["fixed"]
        assert row["exact_normalized"] == exact_match(row["patched"], fixed, normalize=True)
        assert row["applies"] == (row["patched"] != samples[row["id"]]["buggy"])
        assert row["origin"] in ("", "operator")  # no beams were asked for
    assert metrics["exact_match_normalized"] == sum(r["exact_normalized"] for r in rows) / 6
    from codemend.eval.benchmark_runner import model_key

    assert json.loads((out / "meta.json").read_text())["model_key"] == model_key(str(causal_model))  # weights retrained in place read apart


def test_spread_takes_evenly_spaced_rows_in_order():
    from codemend.eval.split_eval import spread

    rows = list(range(10))
    assert spread(rows, 0) == rows and spread(rows, 20) == rows
    assert spread(rows, 5) == [0, 2, 4, 6, 8]
    assert spread(rows, 3) == [0, 3, 6]


def test_repair_mode_takes_a_naturalness_weight_over_the_models_own(causal_model, tiny_dataset, tmp_path):
    """--naturalness_weight replaces the checkpoint's weight in the ranking: a huge weight changes the scores."""
    from codemend.cli import main
    from codemend.io import read_jsonl

    scores = {}
    for weight in ("0", "1000"):
        out = tmp_path / weight
        assert main(["-q", "eval", "--model", str(causal_model), "--data", str(tiny_dataset), "--mode", "repair",
                     "--num_beams", "1", "--limit", "4", "--naturalness_weight", weight, "--out", str(out)]) == 0
        assert f"naturalness_weight: {float(weight)}" in (out / "config.yaml").read_text()
        scores[weight] = [row["score"] for row in read_jsonl(out / "predictions.jsonl")]
    assert scores["0"] != scores["1000"]


def test_naturalness_weight_is_checked_against_the_mode():
    from codemend.config import EvalConfig

    assert EvalConfig(mode="repair", naturalness_weight=0.2).validate() == []
    assert any("-1 for the model's own" in p for p in EvalConfig(mode="repair", naturalness_weight=-0.5).validate())
    assert any("--mode repair" in p for p in EvalConfig(naturalness_weight=0.2).validate())
    assert any("--mode repair" in p for p in EvalConfig(mode="repair", benchmark="builtin", naturalness_weight=0.2).validate())


def test_the_printed_table_gives_each_bug_class_its_whole_name():
    from codemend.eval.split_eval import format_table

    long = "augmented assignment instead of plain assignment"  # was cut to "augmented assignment instead of plain a"
    metrics = {"samples": 3, "exact_match": 0.5, "exact_match_normalized": 0.5, "localization_top1": 1.0, "well_formed": 1.0,
               "stopped_with_eos": 1.0, "bleu": 50.0, "bleu_copy_input_baseline": 40.0,
               "per_bug_class": {long: {"samples": 2, "exact_match": 0.5}, "x": {"samples": 1, "exact_match": 1.0}}}
    rows = format_table(metrics).splitlines()[-2:]
    assert rows[0].startswith(long + "  ") and rows[0].split()[-2:] == ["2", "50.0%"]
    assert rows[1].split() == ["x", "1", "100.0%"] and len(rows[0]) == len(rows[1])
