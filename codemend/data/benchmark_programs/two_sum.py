def two_sum(numbers, target):
    """Indices (i, j), i < j, with numbers[i] + numbers[j] == target: the pair with the smallest j,
    and for that j the smallest i; None when there is no pair."""
    seen = {}
    for j, number in enumerate(numbers):
        if target - number in seen:
            return seen[target - number], j
        seen.setdefault(number, j)
    return None


# --- tests ---
assert two_sum([], 0) is None
assert two_sum([5], 10) is None
assert two_sum([1, 2], 3) == (0, 1)
assert two_sum([2, 7, 11, 15], 9) == (0, 1)
assert two_sum([3, 2, 4], 6) == (1, 2)
assert two_sum([3, 3], 6) == (0, 1)
assert two_sum([3, 4], 6) is None
assert two_sum([2, 2, 5], 7) == (0, 2)
assert two_sum([1, 4, 3, 3], 6) == (2, 3)
assert two_sum([-1, -2, -3, -4], -7) == (2, 3)
assert two_sum([0, 4, 0], 0) == (0, 2)
assert two_sum([1, 2, 3], 7) is None
