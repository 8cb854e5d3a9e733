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
