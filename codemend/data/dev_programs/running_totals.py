def running_totals(values, start=0):
    """Return the running sums of values, each including start: [1, 2, 3] -> [1, 3, 6]."""
    result = []
    total = start
    for value in values:
        total += value
        result.append(total)
    return result


# --- tests ---
assert running_totals([1, 2, 3]) == [1, 3, 6]
assert running_totals([]) == []
assert running_totals([5]) == [5]
assert running_totals([1, -1, 4], start=10) == [11, 10, 14]
assert running_totals([0, 0]) == [0, 0]
assert running_totals([2.5, 0.5]) == [2.5, 3.0]
