"""Line localization: combining signals, and ranking candidates by log p(line) + the model's score."""

import math

import pytest

from codemend.inference.debugger import Candidate
from codemend.inference.localize import LINE_FLOOR, combine, factored_scores, model_signal


def test_model_signal_is_the_probability_of_each_lines_best_candidate():
    candidates = [Candidate("", 2, "", score=math.log(3)), Candidate("", 2, "", score=0.0), Candidate("", 5, "", score=0.0),
                  Candidate("", 7, "", score=-math.inf)]
    assert model_signal(candidates) == pytest.approx({2: 0.6, 5: 0.2})


def test_many_weak_candidates_on_a_line_do_not_outrank_the_models_favourite():
    # Line 3 holds the single most likely fix; line 7 has six weaker ones whose summed mass is larger.
    candidates = [Candidate("", 3, "", score=math.log(0.4))] + [Candidate("", 7, "", score=math.log(0.1)) for _ in range(6)]
    signal = model_signal(candidates)
    assert signal[3] > signal[7]
    assert combine({"model": signal}, 8).top(1) == [3]


def test_combine_scales_each_signal_by_its_maximum_and_weights_them():
    ranking = combine({"sbfl": {1: 0.5, 2: 1.0}, "model": {1: 0.9, 3: 0.1}}, 3, weights={"sbfl": 1.0, "model": 2.0})
    assert ranking.ranked == [(1, pytest.approx(2.5)), (2, pytest.approx(1.0)), (3, pytest.approx(2 * 0.1 / 0.9))]
    assert ranking.top(1) == [1]


def test_coverage_decides_the_line_and_the_model_the_fix_at_it():
    # The model slightly prefers the edit at line 9, but the failing tests point at line 4.
    scores, lines = [-1.0, -1.2, -1.4, -0.9], [4, 4, 4, 9]
    factored = factored_scores(scores, lines, {4: 1.0, 9: 0.1})
    order = sorted(range(4), key=lambda i: -factored[i])
    assert order == [0, 1, 2, 3]
    # log p(line) + the model's own score: per line the model's order and its gaps are kept.
    assert factored[0] == pytest.approx(math.log(1.0 / 1.1) - 1.0)
    assert factored[3] == pytest.approx(math.log(0.1 / 1.1) - 0.9)
    assert factored[0] - factored[1] == pytest.approx(0.2)


def test_a_weak_guess_at_the_likeliest_line_does_not_outrank_a_strong_one_nearby():
    # Line 4 holds one candidate the model finds unlikely; line 9, half as suspicious, one it likes.
    # Normalised per line, line 4's only candidate would score as if certain and come first.
    factored = factored_scores([-3.0, -0.5], [4, 9], {4: 1.0, 9: 0.5})
    assert factored[1] > factored[0]


def test_unsuspicious_lines_keep_a_floor_and_unscored_candidates_stay_last():
    factored = factored_scores([-1.0, -2.0, -math.inf], [4, 12, 4], {4: 1.0, 5: 0.0}, prior=0.5)
    assert factored[2] == -math.inf
    # Line 12 is not in the ranking (an inserted line past the end): it gets the floor, not zero.
    total = 1.0 + 2 * LINE_FLOOR
    assert math.exp(factored[1]) == pytest.approx(0.5 * LINE_FLOOR / total * math.exp(-2.0))
    assert math.exp(factored[0]) == pytest.approx(0.5 * 1.0 / total * math.exp(-1.0))


def test_a_less_suspicious_function_ranks_its_fixes_lower():
    same = ([-1.0], [3], {3: 1.0})
    assert factored_scores(*same, prior=1.0)[0] > factored_scores(*same, prior=0.2)[0]
    assert factored_scores(*same, prior=0.0)[0] == pytest.approx(math.log(LINE_FLOOR) - 1.0)


def test_a_function_shares_the_suspicion_of_its_most_suspicious_line():
    from codemend.inference.repair import _function_share, select_functions

    text = "def f(x):\n    return x + 1\n\n\ndef g(y):\n    return y * 2\n"
    f, g = select_functions(text, "m.py")
    ochiai = {2: 0.5, 6: 1.0, 1: 0.2}
    assert (_function_share(f, ochiai), _function_share(g, ochiai)) == (0.5, 1.0)
    assert _function_share(f, {}) == 1.0  # no coverage: no reason to prefer a function


def test_narrowing_a_large_space_fills_its_budget_past_lines_without_candidates():
    from codemend.inference.localize import LineRanking
    from codemend.inference.repair import on_suspicious_lines

    # Lines 1-2 (say, comments) rank first and hold nothing; lines 3, 5 and 6 hold 2, 3 and 4 candidates.
    found = [Candidate("", line, "") for line in (3, 3, 5, 5, 5, 6, 6, 6, 6)]
    ranking = LineRanking([(1, 0.9), (2, 0.8), (6, 0.5), (5, 0.4), (3, 0.1), (4, 0.05)])
    assert [c.line for c in on_suspicious_lines(found, ranking, min_lines=2, budget=6)] == [5, 5, 5, 6, 6, 6, 6]
    assert [c.line for c in on_suspicious_lines(found, ranking, min_lines=2, budget=0)] == []
    # The top lines are kept whatever the budget: it only adds lines.
    assert [c.line for c in on_suspicious_lines(found, ranking, min_lines=4, budget=1)] == [5, 5, 5, 6, 6, 6, 6]
    # A final `return` inserted past the last line: no ranking holds its line, and it was never scored.
    ending = found + [Candidate("", 7, "")] * 2
    assert [c.line for c in on_suspicious_lines(ending, ranking, min_lines=2, budget=0, last=6)] == [7, 7]
    assert [c.line for c in on_suspicious_lines(ending, ranking, min_lines=2, budget=6, last=6)] == [5, 5, 5, 6, 6, 6, 6, 7, 7]


def test_a_long_functions_missing_final_return_is_scored():
    from codemend.inference.candidates import operator_candidates
    from codemend.inference.repair import MAX_SCORED, scored_space, select_functions

    code = (
        "def walk(values, limit):\n"
        "    result, stack, node = [], [], None\n"
        "    for value in values:\n"
        "        if value > limit and value % 2 == 0 or value < -limit:\n"
        "            stack.append(value * 2 + 1)\n"
        "        elif value == limit - 1 and not stack:\n"
        "            result.append(value - 3)\n"
        "        else:\n"
        "            node = stack.pop() if stack else value + 1\n"
        "            result.append(node)\n"
    )
    (func,) = select_functions(code, "walk.py")
    found = operator_candidates(func.code, None)
    assert len(found) > MAX_SCORED and any(c.operator == "return_any_local" for c in found)
    kept = scored_space(func, found, None, {4: 1.0, 5: 0.9, 6: 0.8})  # coverage points at the loop's first lines
    assert {4, 5}.issubset({c.line for c in kept}) and len(kept) < len(found)
    assert "    return result" in {c.patched.splitlines()[-1] for c in kept if c.line == 11}


def test_a_final_return_is_offered_at_the_last_line_without_a_model():
    from codemend.inference.repair import repair_function, select_functions

    code = "def total(items):\n    result = 0\n    for item in items:\n        result += item\n"
    (func,) = select_functions(code, "t.py")
    fixed = code + "    return result\n"
    # Pinned to the last line (--line), or with the tests' coverage pointing there: the fix goes in after it.
    assert fixed in [c.patched for c in repair_function(func, None, sbfl={}, line=4).candidates]
    assert fixed in [c.patched for c in repair_function(func, None, sbfl={4: 1.0, 3: 0.5}, top_lines=1).candidates]
    assert fixed not in [c.patched for c in repair_function(func, None, sbfl={}, line=3).candidates]
