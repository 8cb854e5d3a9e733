from collections import Counter


def count_pairs_with_difference(values, k):
    """Number of index pairs i < j with abs(values[i] - values[j]) == k.

    k must be non-negative; equal values at different indices form separate pairs."""
    if k < 0:
        raise ValueError("k must be non-negative")
    counts = Counter(values)
    total = 0
    if k == 0:
        for count in counts.values():
            total += count * (count - 1) // 2
        return total
    for value, count in counts.items():
        partner = value + k
        if partner in counts:
            total += count * counts[partner]
    return total


# --- tests ---
assert count_pairs_with_difference([], 1) == 0
assert count_pairs_with_difference([], 0) == 0
assert count_pairs_with_difference([1], 0) == 0
assert count_pairs_with_difference([7], 7) == 0
assert count_pairs_with_difference([1, 5, 3, 4, 2], 2) == 3
assert count_pairs_with_difference([1, 1, 1], 0) == 3
assert count_pairs_with_difference([0, 0, 0, 0], 0) == 6
assert count_pairs_with_difference([1, 1, 2], 1) == 2
assert count_pairs_with_difference([1, 2, 2, 3], 1) == 4
assert count_pairs_with_difference([1, 3, 1, 5, 4], 0) == 1
assert count_pairs_with_difference([1, 3, 1, 5, 4], 2) == 3
assert count_pairs_with_difference([5, 1], 4) == 1
assert count_pairs_with_difference([1, 5], 4) == 1
assert count_pairs_with_difference([1, 2, 3], 5) == 0
assert count_pairs_with_difference([-1, -3, 2], 2) == 1
assert count_pairs_with_difference([1, 2, 3, 4], 3) == 1
assert count_pairs_with_difference([10, 20, 20, 30, 30, 30], 10) == 8
try:
    count_pairs_with_difference([1, 2], -1)
    negative_ok = True
except ValueError:
    negative_ok = False
assert not negative_ok
