"""Spectrum-based fault localization: Ochiai suspiciousness over per-test line coverage.

    from codemend.inference.sbfl import coverage_for_benchmark, coverage_for_command, ochiai, rank_lines
    coverages = coverage_for_benchmark(module_code, test_code)        # one TestCoverage per assert
    coverages = coverage_for_command("repo", "pytest -q tests/test_x.py", "pkg/x.py")  # one per test id
    rank_lines(ochiai(coverages))[:3]   # [(line, suspiciousness), ...], most suspicious first

The coverage itself is measured by `codemend.testcov` (coverage.py inside the sandbox).
"""

from __future__ import annotations

import ast
import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from codemend.testcov import (
    TestCommand, TestCoverage, coverage_for_benchmark, coverage_for_command, coverage_for_files, parse_test_command, plan_benchmark_tests,
)

__all__ = ["IMPORT_ONLY_WEIGHT", "RAISED_WEIGHT", "TestCommand", "TestCoverage", "coverage_for_benchmark", "coverage_for_command", "coverage_for_files",
           "hang_loops", "line_suspicion", "ochiai", "parse_test_command", "plan_benchmark_tests", "raised_lines", "rank_lines", "with_hang_loops",
           "with_raised_lines"]


# ----------------------------------------------------------------------------- Ochiai


IMPORT_ONLY_WEIGHT = 0.5
"""What Ochiai's score counts for a line that ran before every test and in none (`TestCoverage.imported`: at
import, or in setup before the first test): every test shares it, so it scores sqrt(failed / all) whatever it
does, and with several bugs (failing tests that each run another function) that is above each bug's line (a
decorator's body at 0.89, four bugs at 0.5). Halved, it stays in the ranking (`CONST = compute()`: a bug there
runs only at import) below the lines the failing tests run themselves. A setup statement between tests is not
shared by the tests before it, so its lines count in full."""


def ochiai(coverages: Sequence[TestCoverage]) -> dict[int, float]:
    """line -> ef / sqrt((ef + nf) * (ef + ep)) over the covered lines, times IMPORT_ONLY_WEIGHT for the
    lines that ran before every test (at import, in setup) and in none (`imported` by all).

    ef/ep: failing/passing tests that execute the line; ef + nf is the number of failing tests.
    0 when no failing test covers a line; lines no test covers are absent.
    """
    total_failed = sum(1 for coverage in coverages if not coverage.passed)
    failed_at: dict[int, int] = {}
    passed_at: dict[int, int] = {}
    for coverage in coverages:
        counts = passed_at if coverage.passed else failed_at
        for line in coverage.lines:
            counts[line] = counts.get(line, 0) + 1
    measured = [coverage.imported for coverage in coverages if coverage.lines]  # a killed test's empty record says nothing
    before_all = frozenset.intersection(*measured) if measured else frozenset()
    scores: dict[int, float] = {}
    for line in failed_at.keys() | passed_at.keys():
        ef, ep = failed_at.get(line, 0), passed_at.get(line, 0)
        weight = IMPORT_ONLY_WEIGHT if line in before_all else 1.0
        scores[line] = weight * ef / math.sqrt(total_failed * (ef + ep)) if ef else 0.0
    return scores


def rank_lines(scores: Mapping[int, float], restrict_to: Collection[int] | None = None) -> list[tuple[int, float]]:
    """(line, score) sorted by score descending, then line ascending; only `restrict_to` lines if given."""
    keep = None if restrict_to is None else set(restrict_to)
    items = [(line, score) for line, score in scores.items() if keep is None or line in keep]
    return sorted(items, key=lambda item: (-item[1], item[0]))


# ----------------------------------------------------------------------------- where tests raised


RAISED_WEIGHT = 0.5
"""What a line adds to its Ochiai score, as a share of the file's top score, when every failing test's exception
came up through it (`raised_lines`; a line half of them came through adds half of it). Ochiai ties the lines
that exactly the failing tests run; the lines an exception came from break the tie."""


def raised_lines(coverages: Sequence[TestCoverage]) -> dict[int, float]:
    """line -> share of the failing tests whose exception came up through it: the lines of the target file on
    its stack (`TestCoverage.raised_at`), the one that raised it and the calls it came up through (a bad
    argument is passed at a call, and the helper called raises). A failed assertion in a test raises in the
    test, and tests the coverage run stopped are `hang_loops`' to read: neither counts here, though both
    count as failing."""
    failed = [coverage for coverage in coverages if not coverage.passed]
    raised = Counter(line for coverage in failed if not coverage.stopped for line in set(coverage.raised_at))
    return {line: count / len(failed) for line, count in raised.items()}


def with_raised_lines(scores: Mapping[int, float], coverages: Sequence[TestCoverage], weight: float = RAISED_WEIGHT) -> dict[int, float]:
    """`scores` (Ochiai's) with each line's `raised_lines` share of `weight` x the top score added."""
    raised = raised_lines(coverages)
    top = max(scores.values(), default=0.0) or 1.0
    return {line: scores.get(line, 0.0) + weight * top * raised.get(line, 0.0) for line in scores.keys() | raised.keys()}


# ----------------------------------------------------------------------------- where tests hung


def hang_loops(coverages: Sequence[TestCoverage], text: str) -> list[tuple[int, int]]:
    """The loops (first and last line) the tests the coverage run stopped were spinning in, in order of
    first appearance: for each stopped test, the innermost loop around the innermost line of its stack
    (`TestCoverage.hung_at`) that is in a loop. A loop that never ends is where the bug is, or what it
    feeds: its condition or its update (boltons' backoff_iter with `i -= 1`, stopped in its `while`,
    called from `backoff`, whose lines the same tests run)."""
    if not any(coverage.stopped and coverage.hung_at for coverage in coverages):
        return []  # nothing hung: the file is not parsed (every repair with tests comes here)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    loops = [(node.lineno, node.end_lineno or node.lineno) for node in ast.walk(tree)
             if isinstance(node, (ast.For, ast.AsyncFor, ast.While))]
    found: list[tuple[int, int]] = []
    for coverage in coverages:
        for line in reversed(coverage.hung_at if coverage.stopped else ()):
            around = [loop for loop in loops if loop[0] <= line <= loop[1]]
            if around:
                innermost = max(around)  # nested loops start later
                found += [innermost] if innermost not in found else []
                break
    return found


def with_hang_loops(scores: Mapping[int, float], loops: Collection[tuple[int, int]]) -> dict[int, float]:
    """`scores` with the lines of `loops` (`hang_loops`) above every other line, in their own order."""
    top = max(scores.values(), default=0.0) or 1.0
    return {line: score + top if any(start <= line <= end for start, end in loops) else score for line, score in scores.items()}


# ----------------------------------------------------------------------------- all of it


def line_suspicion(coverages: Sequence[TestCoverage], text: str) -> tuple[dict[int, float], list[tuple[int, int]]]:
    """(line -> suspicion, the hang loops) of the file `text` from its tests' coverage: Ochiai, raised where the
    failing tests' exceptions came up through (`with_raised_lines`), and the loops hanging tests spun in above
    every other line (`hang_loops`, returned too: a run says where they are)."""
    loops = hang_loops(coverages, text)
    return with_hang_loops(with_raised_lines(ochiai(coverages), coverages), loops), loops
