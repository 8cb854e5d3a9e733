"""Spectrum-based fault localization: Ochiai by hand, per-test coverage measured in the sandbox.

    pytest tests/inference/test_sbfl.py            # all (the sandbox ones take a few seconds)
    pytest tests/inference/test_sbfl.py -m "not sandbox"
"""

import itertools
import logging
import math
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codemend import testcov as sbfl  # the measuring internals live in codemend.testcov
from codemend.inference.sbfl import (
    IMPORT_ONLY_WEIGHT,
    TestCoverage,
    coverage_for_benchmark,
    coverage_for_command,
    coverage_for_files,
    hang_loops,
    ochiai,
    parse_test_command,
    plan_benchmark_tests,
    raised_lines,
    rank_lines,
    with_hang_loops,
    with_raised_lines,
)
from codemend.sandbox import Limits, RunResult

# `<` where `>` belongs, on line 4.
MAX_INDEX = (
    "def max_index(items):\n"  # 1
    "    best = 0\n"  # 2
    "    for i in range(1, len(items)):\n"  # 3
    "        if items[i] < items[best]:\n"  # 4  <- bug
    "            best = i\n"  # 5
    "    return best\n"  # 6
)
MAX_INDEX_TESTS = (
    "assert max_index([3, 9, 2]) == 1\n"  # fails: lines 1-6
    "assert max_index([5]) == 0\n"  # passes: 1, 2, 3, 6
    "assert max_index([1, 2, 7]) == 2\n"  # fails: 1, 2, 3, 4, 6
    "assert max_index([4, 4]) == 0\n"  # passes: 1, 2, 3, 4, 6
    "assert max_index([2, 1]) == 0\n"  # fails: 1-6
    "assert max_index([]) == 0\n"  # passes: 1, 2, 3, 6
)
# `hi = mid` where `hi = mid - 1` belongs, on line 8: searching below the middle can loop forever
# or miss; the tests keep it finite.
BINARY_SEARCH = (
    "def search(items, target):\n"  # 1
    "    lo, hi = 0, len(items) - 1\n"  # 2
    "    while lo <= hi:\n"  # 3
    "        mid = (lo + hi) // 2\n"  # 4
    "        if items[mid] < target:\n"  # 5
    "            lo = mid + 1\n"  # 6
    "        elif items[mid] > target:\n"  # 7
    "            hi = mid - 2\n"  # 8  <- bug
    "        else:\n"  # 9
    "            return mid\n"  # 10
    "    return -1\n"  # 11
)
BINARY_SEARCH_TESTS = (
    "data = [1, 3, 5, 7, 9, 11, 13]\n"
    "assert search(data, 7) == 3\n"  # the middle: found at once
    "assert search(data, 11) == 5\n"  # right, then found
    "assert search(data, 20) == -1\n"  # right only, not found
    "assert search(data, 0) == -1\n"  # left through the bug; missing anyway, so it passes
    "assert search(data, 5) == 2\n"  # left: hi = 3 - 2 skips index 2: fails
    "assert search(data, 9) == 4\n"  # right, then left past index 4: fails
)

# ----------------------------------------------------------------------------- Ochiai, by hand


def cov(name, passed, lines):
    return TestCoverage(name, passed, frozenset(lines), "" if passed else "AssertionError")


def test_ochiai_two_failing_three_passing_by_hand():
    tests = [
        cov("f1", False, {1, 2, 3}),
        cov("f2", False, {1, 3, 5}),
        cov("p1", True, {1, 2}),
        cov("p2", True, {1}),
        cov("p3", True, {1, 4}),
    ]
    scores = ochiai(tests)
    assert set(scores) == {1, 2, 3, 4, 5}  # line 6 and beyond: covered by nothing, absent
    assert scores[1] == pytest.approx(2 / math.sqrt(2 * 5))  # ef=2 ep=3: 0.6325
    assert scores[2] == pytest.approx(1 / math.sqrt(2 * 2))  # ef=1 ep=1: 0.5
    assert scores[3] == pytest.approx(1.0)  # every failing test, no passing one
    assert scores[4] == 0.0  # passing tests only
    assert scores[5] == pytest.approx(1 / math.sqrt(2 * 1))  # one of two failing tests only: 0.7071
    assert [line for line, _ in rank_lines(scores)] == [3, 5, 1, 2, 4]


def test_ochiai_without_failing_tests_is_zero_everywhere():
    scores = ochiai([cov("p1", True, {1, 2}), cov("p2", True, {2, 3})])
    assert scores == {1: 0.0, 2: 0.0, 3: 0.0}
    assert ochiai([]) == {}


def test_ochiai_lines_of_failing_tests_only():
    # Covered by the one failing test and no passing one: 1.0, the maximum.
    assert ochiai([cov("f", False, {7}), cov("p", True, {8})]) == {7: 1.0, 8: 0.0}
    # All tests failing: a line every test covers is 1.0, a line half of them cover 1/sqrt(2).
    scores = ochiai([cov("f1", False, {1, 2}), cov("f2", False, {1})])
    assert scores == {1: pytest.approx(1.0), 2: pytest.approx(1 / math.sqrt(2))}


def test_ochiai_halves_the_lines_that_ran_only_before_the_tests():
    # Four bugs, one per decorated function; the decorator's body ran at import, on behalf of every test:
    # counted in full it scored sqrt(4/5) = 0.89, above each bug's line (0.5).
    imported = frozenset({1, 2})
    tests = [TestCoverage(f"f{k}", False, imported | {10 + k}, "AssertionError", imported=imported) for k in range(4)]
    tests.append(TestCoverage("p", True, imported | {20}, "", imported=imported))
    scores = ochiai(tests)
    assert scores[1] == scores[2] == pytest.approx(IMPORT_ONLY_WEIGHT * 4 / math.sqrt(4 * 5))
    assert all(scores[10 + k] == pytest.approx(0.5) for k in range(4)) and scores[20] == 0.0
    assert [line for line, _ in rank_lines(scores)][:4] == [10, 11, 12, 13]
    # A line one test runs itself counts in full, for the tests it ran before too (a helper the import calls).
    tests[0] = TestCoverage("f0", False, imported | {10}, "AssertionError", imported=frozenset({2}))
    assert ochiai(tests)[1] == pytest.approx(4 / math.sqrt(4 * 5)) and ochiai(tests)[2] == scores[2]
    # Only lines that ran before every test are halved; a killed test's empty record does not count.
    killed = TestCoverage("killed", False, frozenset(), "timeout")  # ef = 4 of 5 failing tests, ep = 1
    assert ochiai(tests + [killed])[2] == pytest.approx(IMPORT_ONLY_WEIGHT * 4 / math.sqrt(5 * 5))
    # Without the split (every line the test's own), nothing changes.
    assert ochiai([cov("f", False, {1, 2}), cov("p", True, {1})]) == {1: pytest.approx(1 / math.sqrt(2)), 2: 1.0}


def test_a_test_enters_a_body_it_ran_or_that_ran_before_it_but_for_a_one_line_functions_def():
    at_import = frozenset({1, 4, 5})  # `def add(a, b): return a - b` on line 1, a decorator's body on lines 4-5
    caller = TestCoverage("t_add", False, at_import | {1}, "", imported=frozenset({4, 5}))
    other = TestCoverage("t_other", False, at_import | {9}, "", imported=at_import)
    assert caller.enters({1}, headers={1}) and not other.enters({1}, headers={1})
    assert other.enters({4, 5}, headers={3}) and other.enters({9, 10}, headers={8})  # a decorator's body runs at import
    assert not other.enters({12}, headers={11})
    assert TestCoverage("old", False, frozenset({1}), "").enters({1}, headers={1})  # no split known: every line its own


# A generator that never ends (boltons' backoff_iter with `i -= 1`), its caller, and a helper its loop calls.
HANGING = (
    "def ticks(n):\n"            # 1
    "    i = 0\n"                # 2
    "    while i < n:\n"         # 3
    "        yield step(i)\n"    # 4
    "        for _ in ():\n"     # 5
    "            pass\n"         # 6
    "        i -= 1\n"           # 7
    "\n"
    "def step(i):\n"             # 9
    "    return i * 2\n"         # 10
    "\n"
    "def all_ticks(n):\n"        # 12
    "    return list(ticks(n))\n"  # 13
)


def stopped(*stack: int) -> TestCoverage:
    return TestCoverage("t", False, frozenset(range(1, 14)), "TimeoutError: test still running after 1 s", 1.0, stack)


def test_hang_loops_names_the_innermost_loop_around_where_a_stopped_test_was():
    assert hang_loops([stopped(13, 4)], HANGING) == [(3, 7)]  # the caller's line is in no loop
    assert hang_loops([stopped(13, 6)], HANGING) == [(5, 6)]  # nested: the inner loop
    assert hang_loops([stopped(13, 4, 10)], HANGING) == [(3, 7)]  # in a helper without a loop: the loop calling it
    assert hang_loops([stopped(13, 4), stopped(13, 7), stopped(13, 6)], HANGING) == [(3, 7), (5, 6)]  # each once, in order
    assert hang_loops([stopped(13)], HANGING) == []  # in no loop at all
    failed = TestCoverage("t", False, frozenset({3}), "AssertionError", 1.0, (4,))
    assert hang_loops([failed], HANGING) == []  # only a test the run stopped hung
    assert hang_loops([stopped(13, 4)], "def broken(:\n") == []


def test_with_hang_loops_puts_the_loops_lines_first_in_their_own_order():
    scores = {1: 0.5, 3: 0.4, 4: 0.4, 7: 0.3, 12: 0.5, 13: 0.6}
    boosted = with_hang_loops(scores, [(3, 7)])
    assert [line for line, _ in rank_lines(boosted)] == [3, 4, 7, 13, 1, 12]
    assert {line: boosted[line] for line in (1, 12, 13)} == {1: 0.5, 12: 0.5, 13: 0.6}  # the rest unchanged
    assert with_hang_loops({3: 0.0, 9: 0.0}, [(3, 7)]) == {3: 1.0, 9: 0.0}  # nothing else suspicious: still first
    assert with_hang_loops(scores, []) == scores


def raised(line: int | None, *, passed: bool = False) -> TestCoverage:
    return TestCoverage("t", passed, frozenset({1, 2, 3, 4}), "" if passed else "IndexError", 1.0, (4, line) if line else ())


def test_raised_lines_is_the_share_of_failing_tests_whose_exception_came_up_through_each_line():
    coverages = [raised(2), raised(2), raised(3), raised(None), raised(None, passed=True)]  # 4 failing tests, 3 raised in the file
    assert raised_lines(coverages) == {4: 0.75, 2: 0.5, 3: 0.25}  # every line on the stack; a test's own assertion has none
    assert raised_lines([raised(4)]) == {4: 1.0}  # a recursive call's line counts once per test
    assert raised_lines([stopped(13, 4)]) == {}  # a hang is hang_loops' business
    assert raised_lines([raised(None, passed=True)]) == {} and raised_lines([]) == {}


def test_with_raised_lines_breaks_ochiais_tie_by_where_the_failing_tests_raised():
    scores = {1: 0.5, 2: 1.0, 3: 1.0, 4: 0.2}
    boosted = with_raised_lines(scores, [raised(3), raised(3), raised(2), raised(None)])  # every stack holds line 4 too
    assert boosted == {1: 0.5, 2: pytest.approx(1.125), 3: pytest.approx(1.25), 4: pytest.approx(0.575)}  # + 0.5 x top x share
    assert [line for line, _ in rank_lines(boosted)] == [3, 2, 4, 1]
    assert with_raised_lines(scores, [raised(None)]) == scores
    assert with_raised_lines({}, [raised(3)]) == {3: pytest.approx(0.5), 4: pytest.approx(0.5)}  # no Ochiai score: 1 stands for the top


def test_ochiai_matches_the_textbook_formula_on_random_spectra():
    rng = random.Random(0)
    for _ in range(200):
        tests = [cov(f"t{i}", rng.random() < 0.6, {line for line in range(1, 9) if rng.random() < 0.5}) for i in range(rng.randint(1, 7))]
        scores = ochiai(tests)
        for line in range(1, 9):
            ef = sum(1 for t in tests if not t.passed and line in t.lines)
            nf = sum(1 for t in tests if not t.passed and line not in t.lines)
            ep = sum(1 for t in tests if t.passed and line in t.lines)
            if ef + ep == 0:
                assert line not in scores
            else:
                expected = ef / math.sqrt((ef + nf) * (ef + ep)) if ef else 0.0
                assert scores[line] == pytest.approx(expected)
                assert 0.0 <= scores[line] <= 1.0


def test_rank_lines_sorts_by_score_then_line_and_restricts():
    scores = {9: 0.5, 2: 0.5, 4: 1.0, 1: 0.0}
    assert rank_lines(scores) == [(4, 1.0), (2, 0.5), (9, 0.5), (1, 0.0)]
    assert rank_lines(scores, restrict_to=[1, 9, 30]) == [(9, 0.5), (1, 0.0)]
    assert rank_lines({}) == []


# ----------------------------------------------------------------------------- splitting tests, commands


def test_plan_splits_benchmark_tests_into_setup_and_tests():
    code = (
        "import math\n"
        "def helper(x):\n    assert x\n    return x\n"  # a def holding an assert is still setup
        "data = [1, 2]\n"
        "assert helper(1) == 1\n"
        "check(data)\n"
        "for x in data:\n    assert helper(x)\n"
        "'a docstring'\n"
        "assert helper(2) == 2; assert True\n"
    )
    assert plan_benchmark_tests(code) == [
        ("setup", "setup@line1"),
        ("setup", "setup@line2"),
        ("setup", "setup@line5"),
        ("test", "test1@line6"),
        ("test", "test2@line7"),
        ("test", "test3@line8"),
        ("setup", "setup@line10"),
        ("test", "test4@line11"),
        ("test", "test5@line11"),
    ]
    with pytest.raises(ValueError, match="does not parse"):
        plan_benchmark_tests("assert (\n")


def test_parse_test_command_understands_pytest_and_python():
    assert parse_test_command("pytest -q tests/test_x.py").kind == "pytest"
    assert parse_test_command("pytest -q tests/test_x.py").args == ("-q", "tests/test_x.py")
    assert parse_test_command("python -m pytest -x tests").args == ("-x", "tests")
    assert parse_test_command("/usr/bin/python3.11 -m pytest").kind == "pytest-module"
    env_command = parse_test_command("PYTHONPATH=src python3 -m pytest 'tests/test a.py'")
    assert env_command.env == {"PYTHONPATH": "src"} and env_command.args == ("tests/test a.py",)
    script = parse_test_command("python run_checks.py --fast")
    assert (script.kind, script.program, script.args) == ("script", "run_checks.py", ("--fast",))
    assert parse_test_command("python -m unittest discover").kind == "module"
    for command in ("make test", "tox -e py311", "cd src && pytest", "python -c 'print(1)'", ""):
        with pytest.raises(ValueError, match="per-test coverage needs pytest"):
            parse_test_command(command)


def test_a_pytest_command_is_focused_on_test_ids_keeping_its_options_and_environment(tmp_path):
    from codemend.testcov import focused_command

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("")
    ids = {"tests/test_x.py::test_b", "tests/test_x.py::T::test_a[1-2]"}
    focused = focused_command("PYTHONPATH=src python -m pytest -q -p no:cacheprovider -k 'not slow' tests", ids, tmp_path)
    assert focused == ("PYTHONPATH=src python -m pytest -q -p no:cacheprovider -k 'not slow' "
                       "'tests/test_x.py::T::test_a[1-2]' tests/test_x.py::test_b")
    assert parse_test_command(focused).args[-2:] == ("tests/test_x.py::T::test_a[1-2]", "tests/test_x.py::test_b")
    # a value that is also a path stays with its option; a test id given in the command gives way too
    assert focused_command("pytest --rootdir tests tests/test_x.py::test_c", {"tests/test_x.py::test_b"}, tmp_path) == (
        "pytest --rootdir tests tests/test_x.py::test_b")
    assert focused_command("pytest", {"tests/test_x.py::test_b"}, tmp_path) == "pytest tests/test_x.py::test_b"  # testpaths
    assert focused_command("make test", {"tests/test_x.py::test_b"}, tmp_path) == ""
    assert focused_command("python run_checks.py", {"python run_checks.py"}, tmp_path) == ""
    assert focused_command("pytest -q", set(), tmp_path) == ""


def test_a_unittest_command_becomes_the_pytest_command_that_runs_its_tests_one_by_one(tmp_path):
    from codemend.testcov import unittest_as_pytest

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("")
    assert unittest_as_pytest("python -m unittest -v", tmp_path) == "python -m pytest -q -p no:cacheprovider . -o 'python_files=test*.py'"
    assert unittest_as_pytest("PYTHONPATH=src python3 -m unittest discover -s tests -p 'check_*.py'", tmp_path) == (
        "PYTHONPATH=src python3 -m pytest -q -p no:cacheprovider tests -o 'python_files=check_*.py'")
    assert unittest_as_pytest("python -m unittest discover tests 'x*.py'", tmp_path).endswith(" tests -o 'python_files=x*.py'")
    assert unittest_as_pytest("python -m unittest tests.test_x.T.test_a tests", tmp_path) == (
        "python -m pytest -q -p no:cacheprovider tests/test_x.py::T::test_a tests")
    for command in ("python -m unittest -k fast", "python -m unittest other.module", "python -m unittest discover -x",
                    "python -m pytest -q", "make test"):
        assert unittest_as_pytest(command, tmp_path) == "", command


def test_command_target_must_exist(tmp_path):
    (tmp_path / "mod.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="neither a file"):
        coverage_for_command(tmp_path, "pytest -q", "missing.py")
    with pytest.raises(ValueError, match="needs pytest"):
        coverage_for_command(tmp_path, "make test", "mod.py")


def test_a_killed_run_keeps_the_finished_tests_and_fails_the_running_one():
    token = "@@tok@@"
    stdout = "".join(
        f"{token}{record}\n"
        for record in (
            '{"event": "begin", "name": "t::a"}',
            '{"event": "test", "name": "t::a", "passed": true, "error": "", "lines": [1, 2]}',
            '{"event": "begin", "name": "t::skipped"}',
            '{"event": "end", "name": "t::skipped"}',
            '{"event": "begin", "name": "t::hangs"}',
        )
    )
    result = RunResult("timeout", None, stdout + "not a record\n", "", 7.0, "wall-clock limit of 7 s exceeded")
    records = sbfl._read_records(result, token, Limits(), "`pytest`")
    tests = sbfl._finish(records, result, "`pytest`")
    assert tests == [
        TestCoverage("t::a", True, frozenset({1, 2})),
        TestCoverage("t::hangs", False, frozenset(), "timeout: wall-clock limit of 7 s exceeded"),
    ]
    nothing = RunResult("crash", -9, "", "Fatal Python error\n", 0.1, "killed by SIGKILL")
    with pytest.raises(ValueError, match="no coverage came back.*SIGKILL"):
        sbfl._finish(sbfl._read_records(nothing, token, Limits(), "`pytest`"), nothing, "`pytest`")


# ----------------------------------------------------------------------------- benchmark format, in the sandbox

BODY = range(2, 7)  # max_index's body lines, the ones a fix would touch


@pytest.mark.sandbox
def test_benchmark_coverage_is_per_assert_and_ranks_the_buggy_line_first():
    started = time.perf_counter()
    coverages = coverage_for_benchmark(MAX_INDEX, MAX_INDEX_TESTS)
    elapsed = time.perf_counter() - started
    assert [c.name for c in coverages] == [f"test{i}@line{i}" for i in range(1, 7)]
    assert [c.passed for c in coverages] == [False, True, False, True, False, True]
    assert [sorted(c.lines) for c in coverages] == [
        [1, 2, 3, 4, 5, 6], [1, 2, 3, 6], [1, 2, 3, 4, 6], [1, 2, 3, 4, 6], [1, 2, 3, 4, 5, 6], [1, 2, 3, 6],
    ]
    assert coverages[0].error == "AssertionError" and coverages[1].error == ""
    scores = ochiai(coverages)
    # line 4: ef=3 ep=1 -> 3/sqrt(3*4); line 5: ef=2 ep=0 -> 2/sqrt(3*2); 1, 2, 3, 6: 3/sqrt(3*6)
    assert scores[4] == pytest.approx(math.sqrt(3) / 2) and scores[5] == pytest.approx(math.sqrt(2 / 3))
    assert rank_lines(scores, restrict_to=BODY)[0][0] == 4
    assert elapsed < 10, f"one coverage_for_benchmark call took {elapsed:.1f} s"


@pytest.mark.sandbox
def test_a_benchmark_coverage_run_past_its_whole_limit_runs_once_more_with_more_time(caplog):
    """Each test within its own limit (0.5 s), their sum past the run's (2 x 0.5 + 2 s): slow, not hung. A test
    raising a TimeoutError of its own (a socket's) is no hang."""
    module = "import time\n\ndef slow(x):\n    time.sleep(0.3)\n    return x\n\ndef own():\n    raise TimeoutError('socket')\n"
    tests = "assert own()\n" + "".join(f"assert slow({i}) == {i}\n" for i in range(11))
    with caplog.at_level(logging.INFO, logger="codemend.testcov"):
        coverages = coverage_for_benchmark(module, tests, limits=Limits(wall_s=0.5))
    assert len(coverages) == 12 and all(c.passed and 5 in c.lines for c in coverages[1:])  # none cut off
    assert "running it once more with 6 s" in caplog.text


@pytest.mark.sandbox
@pytest.mark.parametrize("hang", ["while True:\n        pass", "return sum(range(10 ** 13))"], ids=["alarm-stopped", "loop-in-C"])
def test_a_benchmark_coverage_run_that_hangs_is_not_run_again(hang, caplog):
    """A test stopped at its own limit, or one still running long past it (the alarm cannot stop a loop in C)."""
    module = f"import time\n\ndef hang():\n    {hang}\n\ndef slow(x):\n    time.sleep(0.3)\n    return x\n"
    tests = "assert hang()\n" + "".join(f"assert slow({i}) == {i}\n" for i in range(11))
    with caplog.at_level(logging.INFO, logger="codemend.testcov"):
        coverages = coverage_for_benchmark(module, tests, limits=Limits(wall_s=0.5))
    assert not coverages[0].passed and "once more" not in caplog.text and "stopped early" in caplog.text


@pytest.mark.sandbox
def test_benchmark_coverage_ranks_an_off_by_one_in_binary_search_first():
    coverages = coverage_for_benchmark(BINARY_SEARCH, BINARY_SEARCH_TESTS)
    assert [c.passed for c in coverages] == [True, True, True, True, False, False]
    assert 8 in coverages[4].lines and 8 not in coverages[0].lines  # the setup adds no lines of its own
    # line 8: ef=2 ep=1 -> 2/sqrt(2*3); `return -1` (11) and `lo = mid + 1` (6): ef=2 ep=2
    assert rank_lines(ochiai(coverages), restrict_to=range(2, 12))[0] == (8, pytest.approx(math.sqrt(2 / 3)))


@pytest.mark.sandbox
def test_lines_that_ran_at_import_or_in_setup_are_each_tests_and_said_apart():
    module = "def make(n):\n    return [0] * n\n\n\ndef size(xs):\n    return len(xs)\n"
    first, second = coverage_for_benchmark(module, "xs = make(3)\nassert size(xs) == 3\nassert make(2) == [0, 0]\n")
    assert (first.lines, first.imported) == ({1, 2, 5, 6}, {1, 2, 5})  # make's body ran in the setup, before it
    assert (second.lines, second.imported) == ({1, 2, 5}, {1, 5})  # it ran make itself
    # A setup statement between tests is not shared by the tests before it: its lines count in full (halved,
    # the bug in `total`, which only the setup runs, fell below `double`'s correct line).
    module = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x + 1\n    return s\n\ndef double(x):\n    return x * 2\n"
    coverages = coverage_for_benchmark(module, "assert double(2) == 4\nr = total([1, 2])\nassert double(r) == 6\n")
    assert rank_lines(ochiai(coverages))[:4] == [(2, 1.0), (3, 1.0), (4, 1.0), (5, 1.0)]


@pytest.mark.sandbox
def test_a_module_that_fails_at_import_is_one_failing_test():
    (only,) = coverage_for_benchmark("LIMIT = 3\nraise RuntimeError('boom')\n", MAX_INDEX_TESTS)
    assert (only.name, only.passed, only.lines, only.imported) == ("import", False, frozenset({1, 2}), frozenset())  # the import is the test
    assert only.error == "RuntimeError: boom (candidate.py line 2)"
    assert only.raised_at == (2,)
    (syntax,) = coverage_for_benchmark("def f(:\n    pass\n", "assert f()\n")
    assert not syntax.passed and syntax.error.startswith("SyntaxError")


# `items[size]` where `items[size - 1]` belongs, on line 8: the failing tests raise there, through `at`'s line 2.
LAST_OR_FIRST = (
    "def at(items, index):\n"  # 1
    "    return items[index]\n"  # 2
    "\n"  # 3
    "\n"  # 4
    "def last_or_first(items, first):\n"  # 5
    "    if first:\n"  # 6
    "        return at(items, 0)\n"  # 7
    "    size = len(items)\n"  # 8
    "    return at(items, size)\n"  # 9  <- bug
)
LAST_OR_FIRST_TESTS = (
    "assert last_or_first([1, 2], True) == 1\n"  # passes: 2, 6, 7
    "assert last_or_first([1, 2], False) == 2\n"  # IndexError at 2, called from 9
    "assert last_or_first([7], False) == 7\n"  # the same
    "assert last_or_first([3], True) == 4\n"  # fails in the test's own assertion
)


@pytest.mark.sandbox
def test_benchmark_coverage_says_where_each_failing_tests_exception_came_up_through():
    coverages = coverage_for_benchmark(LAST_OR_FIRST, LAST_OR_FIRST_TESTS)
    assert [(c.passed, c.raised_at) for c in coverages] == [(True, ()), (False, (9, 2)), (False, (9, 2)), (False, ())]
    assert coverages[1].error == "IndexError: list index out of range (candidate.py line 2)"
    assert raised_lines(coverages) == {2: pytest.approx(2 / 3), 9: pytest.approx(2 / 3)}  # the stack's lines, the call's too
    scores = ochiai(coverages)
    # Ochiai alone: the `if` every test runs first, the bug's line tied with the one before it, which goes first
    assert [line for line, _ in rank_lines(scores, restrict_to=range(6, 10))] == [6, 8, 9, 7]
    boosted = with_raised_lines(scores, coverages)
    assert [line for line, _ in rank_lines(boosted, restrict_to=range(6, 10))] == [9, 6, 8, 7]
    assert boosted[2] - scores[2] == pytest.approx(boosted[9] - scores[9])  # the same share of the same top score


@pytest.mark.sandbox
def test_a_setup_failure_fails_the_tests_after_it():
    tests = "xs = [3, 9, 2]\nassert max_index([5]) == 0\nys = max_index(None)\nassert max_index(xs) == 1\nassert max_index([]) == 0\n"
    coverages = coverage_for_benchmark(MAX_INDEX, tests)
    assert [(c.name, c.passed) for c in coverages] == [("test1@line2", True), ("test2@line4", False), ("test3@line5", False)]
    assert coverages[1].error == coverages[2].error
    assert coverages[1].error.startswith("TypeError: object of type 'NoneType' has no len() (candidate.py line 3)")
    assert coverages[1].lines == {1, 2, 3}  # what the failed setup ran, on behalf of the tests after it
    assert coverages[1].imported == {1, 2, 3}  # none of it the test's own: it never ran
    assert coverages[1].raised_at == coverages[2].raised_at == (3,)  # where the setup's exception came from
    (last,) = coverage_for_benchmark(MAX_INDEX, "ys = max_index(None)\n")
    assert (last.name, last.passed, last.raised_at) == ("setup@line1", False, (3,))  # nothing after it: the failure still counts


@pytest.mark.sandbox
def test_a_pytest_test_that_hangs_fails_with_its_lines_and_the_tests_after_it_still_run(tmp_path):
    # Killed at the run's limit, the coverage run kept no lines of the hanging test (the failing one: the
    # bug's) and nothing of the tests after it, so Ochiai had no failing test to localize with.
    (tmp_path / "mod.py").write_text("def spin(n):\n    while n != 0:\n        n -= 2\n    return n\n\n\ndef one():\n    return 1\n")
    (tmp_path / "test_mod.py").write_text("from mod import one, spin\n\n\ndef test_spin():\n    assert spin(3) == 0\n\n\n"
                                          "def test_one():\n    assert one() == 1\n")
    started = time.perf_counter()
    tests = coverage_for_command(tmp_path, f"{sys.executable} -m pytest -q -p no:cacheprovider test_mod.py", "mod.py",
                                 limits=Limits(wall_s=5.0))  # a test is stopped after 2 x 0.1 x 5 s
    assert time.perf_counter() - started < 8
    spin, one = tests
    assert (spin.name, spin.passed) == ("test_mod.py::test_spin", False) and spin.error.startswith("TimeoutError: test still running after 1 s")
    assert spin.stopped and {2, 3} <= spin.lines and 1 <= spin.seconds < 3
    assert spin.hung_at in ((2,), (3,)) and one.hung_at == ()  # the line of mod.py it was running
    assert (one.name, one.passed, one.stopped) == ("test_mod.py::test_one", True, False) and 0 <= one.seconds < 1


@pytest.mark.sandbox
def test_a_subtest_that_hangs_after_one_that_failed_is_stopped_too(tmp_path):
    # pytest 9 makes a report for each subtest in the middle of the test's call; the alarm was disarmed at
    # the first, so a later subtest that hung ran to the whole run's limit and every test's lines were lost.
    (tmp_path / "mod.py").write_text("def spin(n):\n    while n != 0:\n        n -= 2\n    return n\n\n\ndef one():\n    return 1\n")
    (tmp_path / "test_mod.py").write_text(
        "from mod import one, spin\n\n\ndef test_both(subtests):\n    with subtests.test(i=0):\n        assert one() == 2\n"
        "    with subtests.test(i=1):\n        assert spin(3) == 0\n\n\ndef test_one():\n    assert one() == 1\n")
    both, one = coverage_for_command(tmp_path, f"{sys.executable} -m pytest -q -p no:cacheprovider test_mod.py", "mod.py",
                                     limits=Limits(wall_s=5.0))  # a test is stopped after 2 x 0.1 x 5 s
    assert (both.name, both.passed) == ("test_mod.py::test_both", False) and {2, 3, 8} <= both.lines
    assert (one.name, one.passed) == ("test_mod.py::test_one", True)


@pytest.mark.sandbox
def test_a_pytest_tests_exception_says_the_lines_of_the_file_it_came_up_through(tmp_path):
    (tmp_path / "mod.py").write_text(LAST_OR_FIRST)
    (tmp_path / "test_mod.py").write_text("from mod import last_or_first\n\n\ndef test_last():\n    assert last_or_first([1, 2], False) == 2\n\n\n"
                                          "def test_first():\n    assert last_or_first([3], True) == 4\n")
    last, first = coverage_for_command(tmp_path, f"{sys.executable} -m pytest -q -p no:cacheprovider test_mod.py", "mod.py")
    assert (last.passed, last.raised_at, last.error) == (False, (9, 2), "IndexError: list index out of range (mod.py line 2)")
    assert (first.passed, first.raised_at) == (False, ())  # the test's own assertion
    assert not last.hung_at  # a failure is not a hang


@pytest.mark.sandbox
def test_a_pytest_tests_stack_is_that_of_the_phase_its_error_comes_from(tmp_path):
    (tmp_path / "mod.py").write_text(LAST_OR_FIRST)
    (tmp_path / "test_mod.py").write_text(
        "import pytest\n\nfrom mod import last_or_first\n\n\n@pytest.fixture\ndef closing():\n    yield\n"
        "    last_or_first([], False)\n\n\ndef test_first(closing):\n    assert last_or_first([3], True) == 4\n")
    (only,) = coverage_for_command(tmp_path, f"{sys.executable} -m pytest -q -p no:cacheprovider test_mod.py", "mod.py")
    # The call failed in the test's own assertion; the teardown's IndexError (through lines 9 and 2) is not its stack.
    assert (only.passed, only.error.startswith("AssertionError"), only.raised_at) == (False, True, ())


@pytest.mark.sandbox
def test_the_per_test_limit_never_stops_pytest_while_it_reports_a_failure(tmp_path):
    # boltons on a loaded machine: a slow test failed just before its limit, the alarm then fired inside
    # pytest's own formatting of the failure (INTERNALERROR, exit status 3), and the whole coverage was lost.
    (tmp_path / "mod.py").write_text("def one():\n    return 1\n")
    (tmp_path / "conftest.py").write_text("import time\n\n\ndef pytest_runtest_logreport(report):\n    if report.failed:\n"
                                          "        time.sleep(2)  # reporting, not the test, outlasts the 1 s limit\n")
    (tmp_path / "test_mod.py").write_text("from mod import one\n\n\ndef test_fails():\n    assert one() == 2\n\n\n"
                                          "def test_one():\n    assert one() == 1\n")
    fails, one = coverage_for_command(tmp_path, f"{sys.executable} -m pytest -q -p no:cacheprovider test_mod.py", "mod.py",
                                      limits=Limits(wall_s=5.0))  # a test is stopped after 2 x 0.1 x 5 s
    assert (fails.name, fails.passed, fails.stopped) == ("test_mod.py::test_fails", False, False) and "AssertionError" in fails.error
    assert (one.name, one.passed) == ("test_mod.py::test_one", True)


@pytest.mark.sandbox
def test_looping_tests_are_contained_failures_not_hangs():
    looping = MAX_INDEX + (
        "\n\ndef spin():\n    while True:\n        pass\n"  # 9-11
        "\n\ndef stubborn():\n    while True:\n        try:\n            sum(range(10000))\n"  # 14-17
        "        except BaseException:\n            pass\n"  # swallows the per-test TimeoutError
    )
    tests = "assert max_index([5]) == 0\nassert spin() == 1\nassert max_index([2, 1]) == 0\nassert stubborn()\nassert True\n"
    started = time.perf_counter()
    coverages = coverage_for_benchmark(looping, tests, limits=Limits(wall_s=0.5))
    assert time.perf_counter() - started < 8
    # spin() fails at the per-test limit and the tests after it still run. stubborn() swallows the
    # TimeoutError, but the alarm repeats: either one lands outside its `try` (stubborn's test fails with
    # it and the last test runs; seen on a loaded machine), or stubborn() outlasts the whole run's wall
    # clock (the tests that finished are kept, the one running fails, the rest are unknown).
    outcomes = [(c.name, c.passed) for c in coverages]
    assert outcomes[:4] == [("test1@line1", True), ("test2@line2", False), ("test3@line3", False), ("test4@line4", False)]
    assert outcomes[4:] in ([], [("test5@line5", True)])
    assert coverages[1].error.startswith("TimeoutError")
    assert coverages[1].error.endswith(("(candidate.py line 10)", "(candidate.py line 11)"))  # inside spin()
    assert coverages[1].hung_at in ((10,), (11,)) and coverages[2].hung_at == ()  # where it was stopped; a failure is not a hang
    assert {1, 9, 10, 11} <= coverages[1].lines
    assert coverages[2].error == "AssertionError"
    assert coverages[3].error.startswith("timeout: wall-clock limit" if len(coverages) == 4 else "TimeoutError")


@pytest.mark.sandbox
def test_the_code_under_test_cannot_garble_the_records(monkeypatch):
    noisy = "import sys\nprint('{\"event\": \"done\"}')\ndef f():\n    sys.stdout.write('x' * 200000)\n    return 1\n"
    coverages = coverage_for_benchmark(noisy, "assert f() == 1\nassert f() == 2, 'two'\n")
    assert [(c.passed, c.error) for c in coverages] == [(True, ""), (False, "AssertionError: two")]
    # Records that do not fit in the captured output are an error, not a silently shorter list.
    monkeypatch.setattr(sbfl, "COVERAGE_OUTPUT_BYTES", 300)
    with pytest.raises(ValueError, match="were cut"):
        coverage_for_benchmark(MAX_INDEX, MAX_INDEX_TESTS, limits=Limits(max_output_bytes=300))


# ----------------------------------------------------------------------------- test commands, in the sandbox

CLAMP_FIXED = "def clamp(x, low, high):\n    if x < low:\n        return low\n    if x > high:\n        return high\n    return x\n"
CLAMP_BUGGY = CLAMP_FIXED.replace("return high", "return low")  # line 5
CLAMP_TESTS = (
    "import pytest\n\nfrom mod import clamp\n\n\n"
    "def test_inside():\n    assert clamp(5, 0, 10) == 5\n\n\n"
    "def test_below():\n    assert clamp(-1, 0, 10) == 0\n\n\n"
    "def test_above():\n    assert clamp(11, 0, 10) == 10\n\n\n"
    "@pytest.mark.skip(reason='not today')\ndef test_skipped():\n    assert clamp(0, 0, 0) == 0\n"
)


def snapshot(root):
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def clamp_repo(tmp_path):
    (tmp_path / "mod.py").write_text(CLAMP_FIXED)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mod.py").write_text(CLAMP_TESTS)
    (tmp_path / "check.py").write_text("import sys\nfrom mod import clamp\nsys.exit(0 if clamp(11, 0, 10) == 10 else 3)\n")
    return tmp_path


@pytest.mark.sandbox
def test_pytest_command_coverage_per_test_with_the_tree_untouched(clamp_repo):
    before = snapshot(clamp_repo)
    started = time.perf_counter()
    # The buggy module comes in as an overlay, as a candidate fix would: the tree keeps the fixed one.
    coverages = coverage_for_command(clamp_repo, "python -m pytest -q tests/test_mod.py", "mod.py",
                                     overlay={"mod.py": CLAMP_BUGGY}, limits=Limits(wall_s=10))
    elapsed = time.perf_counter() - started
    by_name = {c.name: c for c in coverages}
    assert list(by_name) == ["tests/test_mod.py::test_inside", "tests/test_mod.py::test_below", "tests/test_mod.py::test_above"]
    assert [c.passed for c in coverages] == [True, True, False]  # the skipped test is left out
    assert [sorted(c.lines) for c in coverages] == [[1, 2, 4, 6], [1, 2, 3], [1, 2, 4, 5]]
    assert [c.imported for c in coverages] == [{1}] * 3  # the def line ran at import, before every test
    assert by_name["tests/test_mod.py::test_above"].error == "AssertionError: assert 0 == 10"
    scores = ochiai(coverages)
    assert rank_lines(scores) == [(5, 1.0), (4, pytest.approx(1 / math.sqrt(2))), (2, pytest.approx(1 / math.sqrt(3))),
                                  (1, pytest.approx(IMPORT_ONLY_WEIGHT / math.sqrt(3))), (3, 0.0), (6, 0.0)]
    assert snapshot(clamp_repo) == before
    assert elapsed < 20, f"one coverage_for_command call took {elapsed:.1f} s"


@pytest.mark.sandbox
def test_one_run_measures_several_files_as_runs_of_each_would(clamp_repo, monkeypatch):
    (clamp_repo / "other.py").write_text("def double(x):\n    return 2 * x // x\n")
    (clamp_repo / "tests" / "test_other.py").write_text("from other import double\n\n\ndef test_double():\n    assert double(0) == 0\n")
    command = "python -m pytest -q tests"
    both = coverage_for_files(clamp_repo, command, ["mod.py", "other.py"], overlay={"mod.py": CLAMP_BUGGY})
    for name in ("mod.py", "other.py"):
        alone = coverage_for_command(clamp_repo, command, name, overlay={"mod.py": CLAMP_BUGGY})
        assert [(c.name, c.passed, c.lines, c.raised_at) for c in both[name]] == [(c.name, c.passed, c.lines, c.raised_at) for c in alone]
    # Each file's own stack: the ZeroDivisionError came up through other.py's line 2 and no line of mod.py.
    assert [c.raised_at for c in both["other.py"]] == [(), (), (), (2,)] and [c.raised_at for c in both["mod.py"]] == [()] * 4
    # The error names that line whichever file the run measured first (it named the first file's lines only).
    assert both["mod.py"][3].error == both["other.py"][3].error == "ZeroDivisionError: integer division or modulo by zero (other.py line 2)"
    assert {c.name.rsplit("::", 1)[1]: sorted(c.lines) for c in both["other.py"]} == {
        "test_inside": [1], "test_below": [1], "test_above": [1], "test_double": [1, 2]}  # the import's line, then its own
    monkeypatch.setattr(sbfl, "FILES_PER_RUN", 1)  # many files: batches of runs, the same result
    batched = coverage_for_files(clamp_repo, command, ["mod.py", "other.py"], overlay={"mod.py": CLAMP_BUGGY})
    measured = lambda runs: {name: [(c.name, c.passed, c.lines, c.imported, c.raised_at) for c in tests] for name, tests in runs.items()}
    assert measured(batched) == measured(both)


# A stand-in for pytest-xdist as coverage meets it: with -n N > 0, the tests run elsewhere (in its
# workers), and the process that pytest.main runs in sees none of them.
FAKE_XDIST = (
    "def pytest_addoption(parser):\n    parser.getgroup('xdist')._addoption('-n', dest='numprocesses', default='0')\n\n\n"  # as xdist does
    "def pytest_collection_modifyitems(config, items):\n    if config.getoption('numprocesses') != '0':\n        items.clear()\n"
)


# A stand-in for pytest-cov (7.1) as coverage meets it: with --cov (in a project's addopts) and its options'
# no_cov unset, a collector of its own starts over the driver's, and coverage.py's stop asserts on the wrong one.
FAKE_PYTEST_COV = (
    "import coverage\n\n\ndef pytest_addoption(parser):\n    parser.addoption('--cov', action='append', default=[])\n"
    "    parser.addoption('--no-cov', action='store_true')\n\n\n"
    "def pytest_load_initial_conftests(early_config, parser, args):\n    options = early_config.known_args_namespace\n"
    "    if options.cov and not getattr(options, 'no_cov', False):\n"
    "        early_config.own_cov = coverage.Coverage()\n        early_config.own_cov.start()\n"
)


@pytest.mark.sandbox
def test_pytest_cov_in_the_projects_options_does_not_take_the_coverage_away(clamp_repo):
    (clamp_repo / "pytest_cov").mkdir()
    (clamp_repo / "pytest_cov" / "__init__.py").write_text("")
    (clamp_repo / "pytest_cov" / "plugin.py").write_text(FAKE_PYTEST_COV)
    (clamp_repo / "pytest.ini").write_text("[pytest]\naddopts = -p pytest_cov.plugin --cov=mod\n")
    coverages = coverage_for_command(clamp_repo, "python -m pytest -q tests/test_mod.py", "mod.py", overlay={"mod.py": CLAMP_BUGGY})
    assert [(c.name.rsplit("::")[-1], c.passed, sorted(c.lines)) for c in coverages] == [
        ("test_inside", True, [1, 2, 4, 6]), ("test_below", True, [1, 2, 3]), ("test_above", False, [1, 2, 4, 5])]


@pytest.mark.sandbox
def test_pytest_xdist_in_the_command_does_not_hide_the_tests_from_coverage(clamp_repo):
    (clamp_repo / "xdist").mkdir()
    (clamp_repo / "xdist" / "__init__.py").write_text("")
    (clamp_repo / "xdist" / "plugin.py").write_text(FAKE_XDIST)
    command = "python -m pytest -q -p xdist.plugin -n 2 tests/test_mod.py"
    coverages = coverage_for_command(clamp_repo, command, "mod.py", overlay={"mod.py": CLAMP_BUGGY})
    assert [(c.name.rsplit("::")[-1], c.passed) for c in coverages] == [("test_inside", True), ("test_below", True), ("test_above", False)]


@pytest.mark.sandbox
def test_coverage_measures_every_test_of_a_command_that_selects_by_pytests_cache(clamp_repo):
    # coverage turned the cache plugin off, so `--lf` was an unknown option: no coverage at all; and kept,
    # --lf would measure only the tests that failed last (here test_inside): Ochiai needs the passing ones.
    (clamp_repo / ".pytest_cache" / "v" / "cache").mkdir(parents=True)
    (clamp_repo / ".pytest_cache" / "v" / "cache" / "lastfailed").write_text('{"tests/test_mod.py::test_inside": true}')
    command = "python -m pytest -q --lf --lfnf all -p no:randomly tests/test_mod.py"
    coverages = coverage_for_command(clamp_repo, command, "mod.py", overlay={"mod.py": CLAMP_BUGGY})
    assert [(c.name.rsplit("::")[-1], c.passed) for c in coverages] == [("test_inside", True), ("test_below", True), ("test_above", False)]


@pytest.mark.sandbox
def test_a_python_script_command_is_one_test(clamp_repo):
    before = snapshot(clamp_repo)
    (only,) = coverage_for_command(clamp_repo, "python check.py", "mod.py", overlay={"mod.py": CLAMP_BUGGY})
    assert (only.name, only.passed, only.error) == ("python check.py", False, "SystemExit(3)")
    assert only.lines == {1, 2, 4, 5}
    assert snapshot(clamp_repo) == before


@pytest.mark.sandbox
def test_a_collection_error_is_a_failing_test(clamp_repo):
    # Bare `pytest` does not put the current directory on sys.path: `from mod import clamp` fails,
    # as it would for the user.
    (only,) = coverage_for_command(clamp_repo, "pytest -q tests", "mod.py")
    assert (only.name, only.passed) == ("tests/test_mod.py", False)
    assert only.error == "collection error: ModuleNotFoundError: No module named 'mod'"


@pytest.mark.sandbox
def test_a_collection_errors_lines_are_the_imports_none_its_own(clamp_repo):
    # Counted as its own, they made every module-level line "run in a test": nothing was halved, and a
    # one-line function counted as entered by the file that failed to collect.
    (clamp_repo / "tests" / "test_bad.py").write_text("from mod import clamp\nraise RuntimeError('boom')\n")
    command = "python -m pytest -q --continue-on-collection-errors tests"
    coverages = {c.name: c for c in coverage_for_command(clamp_repo, command, "mod.py", overlay={"mod.py": CLAMP_BUGGY})}
    bad = coverages["tests/test_bad.py"]
    assert not bad.passed and bad.error == "collection error: RuntimeError: boom"
    assert bad.lines == bad.imported == coverages["tests/test_mod.py::test_above"].imported == {1}
    assert ochiai(list(coverages.values()))[1] == pytest.approx(IMPORT_ONLY_WEIGHT * 2 / math.sqrt(2 * 4))


@pytest.mark.sandbox
def test_coverage_runs_with_the_commands_own_python_when_it_can(clamp_repo, tmp_path):
    # The project's packages live in its venv only (codemend installed elsewhere, say with pipx): the coverage
    # driver must run there to import them. This venv sees codemend's packages (coverage.py, pytest) through a .pth.
    import sysconfig

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "projdep").mkdir()
    Path(site, "projdep", "__init__.py").write_text("LIMIT = 10\n")  # as pip installs it, in the venv only
    Path(site, "codemend-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (clamp_repo / "tests" / "test_dep.py").write_text("from projdep import LIMIT\nfrom mod import clamp\n\n\n"
                                                      "def test_limit():\n    assert clamp(99, 0, LIMIT) == LIMIT\n")
    command = f"{python} -m pytest -q tests/test_dep.py"
    assert sbfl.measuring_python(command, clamp_repo) == python
    (only,) = coverage_for_command(clamp_repo, command, "mod.py", overlay={"mod.py": CLAMP_BUGGY})
    assert (only.name, only.passed, sorted(only.lines)) == ("tests/test_dep.py::test_limit", False, [1, 2, 4, 5]), only.error
    assert sbfl.measuring_python(f"{sys.executable} -m pytest -q", clamp_repo) == sys.executable


@pytest.mark.sandbox
def test_the_log_names_what_the_commands_python_lacks(clamp_repo, tmp_path, caplog):
    # QA: a project's venv with pytest but coverage.py 6 was said to lack "coverage.py 7 or pytest".
    venv = tmp_path / "old-coverage"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], check=True)
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "coverage").mkdir()
    Path(site, "coverage", "__init__.py").write_text("version_info = (6, 5, 0, 'final', 0)\n")
    Path(site, "pytest.py").write_text("")  # found, whatever it holds: only coverage.py is old
    sbfl.measuring_python.cache_clear()
    with caplog.at_level("INFO", logger="codemend"):
        assert sbfl.measuring_python(f"{venv / 'bin' / 'python'} -m pytest -q", clamp_repo) == sys.executable
    assert "lacks coverage.py 7 (install it there" in caplog.text and "pytest" not in caplog.text.split("lacks")[1].split("(")[0]
