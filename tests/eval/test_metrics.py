"""Hand-computed values for every metric in codemend.eval.metrics.

    pytest tests/eval/test_metrics.py -q
"""

from __future__ import annotations

import math
from statistics import fmean, median

import pytest

from codemend.eval.metrics import (
    ast_equivalent,
    bootstrap_ci,
    corpus_bleu,
    exact_match,
    mean_pass_at_k,
    normalize_code,
    pass_at_k,
    patch_outcomes,
    topk_localization_accuracy,
)

FIXED = "def area(w, h):\n    return w * h\n"
REFORMATTED = "def area(w,h):   # rectangle\n\n    return (w*h)  # product\n"


# ------------------------------------------------------------------ normalize / exact match / AST


def test_normalize_code_ignores_comments_blank_lines_and_spacing():
    assert normalize_code(REFORMATTED) == normalize_code(FIXED) == "def area(w, h):\n    return w * h"


def test_normalize_code_keeps_docstrings_and_string_contents():
    with_doc = 'def f():\n    """Doc."""\n    return "a  # not a comment"\n'
    assert "Doc." in normalize_code(with_doc)
    assert "a  # not a comment" in normalize_code(with_doc)


def test_normalize_code_falls_back_to_tokens_for_unparseable_code():
    broken_a = "def f(x)  :   # comment\n    return   x+1 +\n\n    # trailing comment\n"
    broken_b = "def f(x):\n    return x + 1+\n"
    assert normalize_code(broken_a) == normalize_code(broken_b) == "def f(x):\n    return x+1+"
    bad_dedent_a = "if x :\n    y=1 # c\n  z = 2\n"
    bad_dedent_b = "if x:\n    y = 1\n  z=2\n"
    assert normalize_code(bad_dedent_a) == normalize_code(bad_dedent_b)
    assert normalize_code("return (x +\n") == normalize_code("return (x  +\n")  # cannot tokenize at all


def test_exact_match_raw_ignores_only_trailing_whitespace():
    assert exact_match(FIXED, FIXED)
    assert exact_match("x = 1   \ny = 2\n\n\n", "x = 1\ny = 2")
    assert exact_match("a\r\nb\r\n", "a\nb")
    assert not exact_match("x = 1", "x  = 1")
    assert not exact_match("x = 1  # set x", "x = 1")
    assert not exact_match("\nx = 1", "x = 1")  # leading blank lines are not trailing
    assert not exact_match("    x = 1", "x = 1")


def test_exact_match_normalized_ignores_comments_and_spacing_but_not_meaning():
    assert not exact_match(REFORMATTED, FIXED)
    assert exact_match(REFORMATTED, FIXED, normalize=True)
    assert not exact_match("def area(w, h):\n    return w + h\n", FIXED, normalize=True)


def test_ast_equivalent():
    assert ast_equivalent(REFORMATTED, FIXED)
    assert not ast_equivalent("x = 1\n", "x = 2\n")
    assert not ast_equivalent("a + b\n", "b + a\n")
    assert not ast_equivalent('def f():\n    """doc"""\n', "def f():\n    pass\n")  # docstrings count
    assert not ast_equivalent("def f(:\n", "def f(:\n")  # unparseable is never equivalent
    assert not ast_equivalent("x = 1\0", "x = 1")


# ------------------------------------------------------------------ localization


def test_topk_localization_accuracy_hand_computed():
    ranked = [[3, 5, 9], [7, 2, 1], [4], [8, 6, 3]]
    truth = [3, {1, 10}, 5, [6, 12]]
    assert topk_localization_accuracy(ranked, truth, k=1) == 0.25  # only item 0
    assert topk_localization_accuracy(ranked, truth, k=2) == 0.5  # + item 3 (6 at rank 2)
    assert topk_localization_accuracy(ranked, truth, k=3) == 0.75  # + item 1 (1 at rank 3)
    assert topk_localization_accuracy(ranked, truth, k=10) == 0.75  # item 2 never hits


def test_topk_localization_accuracy_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one item"):
        topk_localization_accuracy([], [], k=1)
    with pytest.raises(ValueError, match="2 items"):
        topk_localization_accuracy([[1], [2]], [1], k=1)
    with pytest.raises(ValueError, match="k must be"):
        topk_localization_accuracy([[1]], [1], k=0)
    with pytest.raises(ValueError, match=r"true_lines\[0\] is empty"):
        topk_localization_accuracy([[1]], [set()], k=1)


# ------------------------------------------------------------------ pass@k


def test_pass_at_k_hand_computed():
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    # 1 - C(7,5)/C(10,5) = 1 - 21/252
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - 21 / 252)
    assert pass_at_k(10, 0, 5) == 0.0
    assert pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(10, 6, 5) == 1.0  # n - c = 4 < k: every 5-subset holds a correct sample
    assert pass_at_k(1, 1, 1) == 1.0


def test_pass_at_k_matches_the_binomial_formula_and_stays_finite_for_large_n():
    for n, c, k in [(20, 4, 3), (50, 1, 10), (100, 37, 25)]:
        assert pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k))
    assert 0.0 < pass_at_k(10_000, 3, 100) < 1.0


@pytest.mark.parametrize("n, c, k", [(10, 3, 11), (10, 11, 1), (10, -1, 1), (0, 0, 1), (10, 3, 0)])
def test_pass_at_k_rejects_impossible_arguments(n, c, k):
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def test_mean_pass_at_k():
    assert mean_pass_at_k([(10, 3), (10, 0), (10, 10)], k=1) == pytest.approx((0.3 + 0 + 1) / 3)
    with pytest.raises(ValueError):
        mean_pass_at_k([], k=1)


# ------------------------------------------------------------------ patch outcomes


def test_patch_outcomes_hand_computed():
    plausible = [True, True, True, False, True]
    correct = [True, False, True, False, False]
    outcome = patch_outcomes(plausible, correct)
    assert outcome["n"] == 5
    assert (outcome["plausible"], outcome["correct"], outcome["overfitting"]) == (4, 2, 2)
    assert outcome["plausible_rate"] == pytest.approx(0.8)
    assert outcome["correct_rate"] == pytest.approx(0.4)
    assert outcome["overfitting_rate"] == pytest.approx(0.5)  # 2 of the 4 plausible ones


def test_patch_outcomes_overfitting_undefined_without_plausible_patches():
    assert math.isnan(patch_outcomes([False, False], [False, False])["overfitting_rate"])


def test_patch_outcomes_validates_input():
    with pytest.raises(ValueError, match="indices \\[1\\]"):
        patch_outcomes([True, False], [True, True])
    with pytest.raises(ValueError):
        patch_outcomes([True], [True, False])
    with pytest.raises(ValueError):
        patch_outcomes([], [])


# ------------------------------------------------------------------ bootstrap and BLEU


def test_bootstrap_ci_is_deterministic_and_contains_the_mean():
    values = [0.0, 1.0] * 20 + [1.0] * 10  # mean 0.6
    first = bootstrap_ci(values, seed=7)
    assert first == bootstrap_ci(values, seed=7)
    assert first != bootstrap_ci(values, seed=8)
    low, high = first
    assert low < fmean(values) < high
    assert 0.0 <= low and high <= 1.0


def test_bootstrap_ci_narrows_with_more_data():
    small = [0.0, 1.0] * 10
    large = [0.0, 1.0] * 500
    small_low, small_high = bootstrap_ci(small)
    large_low, large_high = bootstrap_ci(large)
    assert large_high - large_low < (small_high - small_low) / 3  # width ~ 1/sqrt(n)


def test_bootstrap_ci_custom_statistic_and_validation():
    low, high = bootstrap_ci([1.0, 2.0, 3.0, 4.0, 100.0], statistic=median, n_resamples=200)
    assert 1.0 <= low <= high <= 100.0
    assert bootstrap_ci([5.0]) == (5.0, 5.0)
    with pytest.raises(ValueError):
        bootstrap_ci([])
    with pytest.raises(ValueError):
        bootstrap_ci([1.0], confidence=1.0)
    with pytest.raises(ValueError):
        bootstrap_ci([1.0], n_resamples=0)


def test_corpus_bleu():
    code = ["def area(w, h):\n    return w * h", "x = 1"]
    assert corpus_bleu(code, code) == pytest.approx(100.0)
    assert corpus_bleu(["a b"], ["a b"]) == pytest.approx(100.0)  # shorter than 4 tokens
    assert corpus_bleu(["completely different words here"], ["def area(w, h): return w * h"]) < 10
    with pytest.raises(ValueError):
        corpus_bleu(["a"], ["a", "b"])


def test_the_ranked_metrics_never_read_what_was_found_after_the_ranking():
    # A top-level or wide fix is looked for because the tests failed every ranked candidate: it is what a user with
    # tests is shown first, not part of the ranking's plausible@k, pass@k or correct@1.
    from codemend.eval.benchmark_runner import ItemResult
    from codemend.eval.report import item_values

    found_after = ItemResult("a", "t", "s", "scored", plausible=[False, False, True], correct=[False, False, True], ranked=2)
    values = item_values(found_after, n=10)
    assert values["plausible@10"] == values["pass@10"] == values["correct@1"] == 0.0
    assert values["plausible_validated"] == values["correct@1_validated"] == 1.0
    nothing_ranked = ItemResult("b", "t", "s", "scored", plausible=[True], correct=[True], ranked=0)
    assert item_values(nothing_ranked, n=10)["correct@1"] == item_values(nothing_ranked, n=10)["plausible@1"] == 0.0
    old_run = ItemResult("c", "t", "s", "scored", plausible=[False, True], correct=[False, True])  # no `ranked`: all read
    assert item_values(old_run, n=10)["plausible@10"] == 1.0


# ------------------------------------------------------------------ the benchmark report's numbers


def _scored(item_id: str, ranked_lines: list[int], plausible: list[bool], bug_line: int = 4):
    from codemend.eval.benchmark_runner import ItemResult

    return ItemResult(item_id, "c", "operator", "scored", bug_line=bug_line, ranked_lines=ranked_lines, plausible=plausible,
                      correct=list(plausible), ranked=len(plausible))


def test_an_item_ranked_no_line_of_is_a_localization_miss_not_left_out():
    from codemend.eval.report import summarize

    # A buggy module that does not parse: scored, with a bug line, and no line ranked (QA: 100% over 1 item, not 50% over 2).
    metrics = summarize([_scored("a", [4, 2], [True]), _scored("c", [], [False])], n=10)
    assert metrics["headline"]["localization@1"]["value"] == 0.5 and metrics["localization_curve"][1] == 0.5
    assert metrics["localization_by_signal"]["combined"]["items"] == 2
    # Another system's --predictions rank no lines at all: no localization numbers, not 0%.
    predicted = summarize([_scored("a", [], [True]), _scored("c", [], [False])], n=10, localizes=False)
    assert "localization@1" not in predicted["headline"] and "localization_curve" not in predicted


def test_plausible_and_pass_at_k_above_n_are_not_measured():
    from codemend.eval.report import markdown, summarize

    # --n 1 with a ranking of 5 whose second passed: plausible@5 was "0.0%" (the first n read as the first 5).
    results = [_scored("a", [4], [False, True, False, False, False])]
    one = summarize(results, n=1)["headline"]
    assert one["plausible@1"]["value"] == 0.0 and one["pass@1"]["value"] == 0.0
    assert all(one[name]["value"] is None for name in ("plausible@5", "plausible@10", "pass@5", "pass@10"))
    ten = summarize(results, n=10)["headline"]
    assert ten["plausible@5"]["value"] == ten["plausible@10"]["value"] == 1.0 and ten["pass@5"]["value"] == 1.0  # 5 tries take all 5
    assert ten["pass@1"]["value"] == pytest.approx(0.2)
    metrics = summarize(results, n=1)
    metrics.update(benchmark="b.jsonl", model="none")
    assert "| plausible@10 | n/a |" in markdown(metrics)


def test_an_evaluation_is_the_same_configuration_only_from_the_same_folder(tmp_path, monkeypatch):
    from codemend.config import EvalConfig, save_run_metadata
    from codemend.eval.report import same_config

    config = EvalConfig(benchmark="b.jsonl", model="runs/m", out=str(tmp_path / "ev"))
    monkeypatch.chdir(tmp_path)
    save_run_metadata(config, tmp_path / "ev")
    assert same_config(tmp_path / "ev" / "config.yaml", config)
    assert not same_config(tmp_path / "ev" / "config.yaml", EvalConfig(benchmark="b.jsonl", model="runs/n", out=str(tmp_path / "ev")))
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "other")  # `runs/m` from another project is another model
    assert not same_config(tmp_path / "ev" / "config.yaml", config)
    assert not same_config(tmp_path / "missing.yaml", config)
