"""Ochiai from per-test coverage measured by coverage.py inside the sandbox."""

import math
import sys

import pytest

from codemend.inference.sbfl import TestCoverage, coverage_for_benchmark, coverage_for_command, ochiai, pytest_arguments, rank_lines
from codemend.sandbox import Limits

BUGGY = "def max_index(items):\n    best = 0\n    for i in range(1, len(items)):\n        if items[i] < items[best]:\n            best = i\n    return best\n"
TESTS = "assert max_index([3, 9, 2]) == 1\nassert max_index([5]) == 0\nassert max_index([1, 2, 7]) == 2\n"


def test_ochiai_hand_computed():
    tests = [
        TestCoverage("f1", False, frozenset({1, 2, 3})),
        TestCoverage("f2", False, frozenset({1, 3})),
        TestCoverage("p1", True, frozenset({1, 2})),
        TestCoverage("p2", True, frozenset({1})),
        TestCoverage("p3", True, frozenset({1, 4})),
    ]
    scores = ochiai(tests)
    assert scores[3] == pytest.approx(1.0)  # covered by every failing test and no passing one
    assert scores[1] == pytest.approx(2 / math.sqrt(2 * 5))
    assert scores[2] == pytest.approx(1 / math.sqrt(2 * 2))
    assert scores[4] == 0.0 and 5 not in scores
    assert rank_lines(scores)[0] == (3, pytest.approx(1.0))
    assert all(v == 0 for v in ochiai([TestCoverage("p", True, frozenset({1, 2}))]).values())


@pytest.mark.sandbox
def test_benchmark_coverage_ranks_the_buggy_line_first():
    coverages = coverage_for_benchmark(BUGGY, TESTS)
    assert [c.passed for c in coverages] == [False, True, False]
    assert "AssertionError" in coverages[0].error
    assert rank_lines(ochiai(coverages))[0][0] == 4


@pytest.mark.sandbox
def test_import_errors_and_hanging_tests_are_contained():
    (only,) = coverage_for_benchmark("raise RuntimeError('boom')\n", TESTS)
    assert not only.passed and "RuntimeError: boom" in only.error
    looping = BUGGY + "\n\ndef spin():\n    while True:\n        pass\n"
    coverages = coverage_for_benchmark(looping, "assert max_index([5]) == 0\nassert spin() == 1\n", limits=Limits(wall_s=4))
    assert [c.passed for c in coverages] == [True, False] and "TimeoutError" in coverages[1].error


@pytest.mark.sandbox
def test_pytest_command_coverage_per_test_and_tree_untouched(tmp_path):
    (tmp_path / "stats.py").write_text(BUGGY)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_stats.py").write_text(
        "import sys, os\nsys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))\nfrom stats import max_index\n\n"
        "def test_single():\n    assert max_index([5]) == 0\n\n"
        "def test_middle():\n    assert max_index([3, 9, 2]) == 1\n\n"
        "def test_first():\n    assert max_index([4, 4]) == 0\n"
    )
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    coverages = coverage_for_command(tmp_path, f"{sys.executable} -m pytest -q tests/test_stats.py", "stats.py")
    outcome = {c.name.split("::")[-1]: c.passed for c in coverages}
    assert outcome == {"test_single": True, "test_middle": False, "test_first": True}
    assert rank_lines(ochiai(coverages))[0][0] in (4, 5)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_only_pytest_commands_have_per_test_coverage():
    assert pytest_arguments("pytest -q tests") == ["-q", "tests"]
    assert pytest_arguments("python3 -m pytest -x") == ["-x"]
    with pytest.raises(ValueError, match="needs a pytest command"):
        pytest_arguments("make test")
