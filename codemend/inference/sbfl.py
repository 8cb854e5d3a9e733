"""Spectrum-based fault localization: Ochiai suspiciousness over per-test line coverage.

    from codemend.inference.sbfl import coverage_for_benchmark, coverage_for_command, ochiai, rank_lines
    coverages = coverage_for_benchmark(module_code, test_code)        # one TestCoverage per assert
    coverages = coverage_for_command("repo", "pytest -q tests/test_x.py", "pkg/x.py")  # one per test id
    rank_lines(ochiai(coverages))[:3]   # [(line, suspiciousness), ...], most suspicious first

The coverage itself is measured by `codemend.testcov` (coverage.py inside the sandbox).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

from codemend.testcov import (
    TestCommand, TestCoverage, coverage_for_benchmark, coverage_for_command, coverage_for_files, parse_test_command, plan_benchmark_tests,
)

__all__ = ["TestCommand", "TestCoverage", "coverage_for_benchmark", "coverage_for_command", "coverage_for_files", "ochiai",
           "parse_test_command", "plan_benchmark_tests", "rank_lines"]


# ----------------------------------------------------------------------------- Ochiai


def ochiai(coverages: Sequence[TestCoverage]) -> dict[int, float]:
    """line -> ef / sqrt((ef + nf) * (ef + ep)) over the covered lines.

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
    scores: dict[int, float] = {}
    for line in failed_at.keys() | passed_at.keys():
        ef, ep = failed_at.get(line, 0), passed_at.get(line, 0)
        scores[line] = ef / math.sqrt(total_failed * (ef + ep)) if ef else 0.0
    return scores


def rank_lines(scores: Mapping[int, float], restrict_to: Collection[int] | None = None) -> list[tuple[int, float]]:
    """(line, score) sorted by score descending, then line ascending; only `restrict_to` lines if given."""
    keep = None if restrict_to is None else set(restrict_to)
    items = [(line, score) for line, score in scores.items() if keep is None or line in keep]
    return sorted(items, key=lambda item: (-item[1], item[0]))
