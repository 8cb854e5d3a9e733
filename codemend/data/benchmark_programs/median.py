def median(values):
    """Median of a non-empty list of numbers (mean of the middle two for an even count)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 1:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


# --- tests ---
assert median([5]) == 5
assert median([1, 2]) == 1.5
assert median([2, 1]) == 1.5
assert median([3, 1, 2]) == 2
assert median([4, 1, 3, 2]) == 2.5
assert median([7, 7, 7, 7]) == 7
assert median([1, 100, 2]) == 2
assert median([-5, 5]) == 0
assert median([10, 2, 38, 23, 38, 23, 21]) == 23
assert median([1, 3, 5, 7, 9, 11]) == 6
data = [9, 1, 8, 2]
assert median(data) == 5 and data == [9, 1, 8, 2]
