def max_subarray(values):
    """Largest sum of a non-empty run of consecutive values (Kadane's algorithm)."""
    best = current = values[0]
    for value in values[1:]:
        current = max(value, current + value)
        best = max(best, current)
    return best


# --- tests ---
assert max_subarray([5]) == 5
assert max_subarray([-5]) == -5
assert max_subarray([1, 2, 3]) == 6
assert max_subarray([-3, -1, -2]) == -1
assert max_subarray([-2, 1, -3, 4, -1, 2, 1, -5, 4]) == 6
assert max_subarray([2, -1, 2]) == 3
assert max_subarray([2, -5, 2]) == 2
assert max_subarray([-1, 0, -2]) == 0
assert max_subarray([4, -1, -1, 4]) == 6
assert max_subarray([-2, -3, 4, -1, -2, 1, 5, -3]) == 7
assert max_subarray([1, -2, 3, -2, 5]) == 6
