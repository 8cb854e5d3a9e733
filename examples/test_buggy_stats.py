"""Tests for examples/buggy_stats.py: `codemend fix examples/buggy_stats.py --test_cmd "python -m pytest -q examples/test_buggy_stats.py"`."""

from buggy_stats import max_index, mean, variance


def test_mean():
    assert mean([1, 2, 3]) == 2


def test_variance():
    assert variance([1, 1, 1]) == 0
    assert variance([1, 3]) == 1


def test_max_index():
    assert max_index([3, 9, 2]) == 1
    assert max_index([5]) == 0
    assert max_index([1, 2, 7]) == 2
