def moving_average(values, window):
    """Mean of each run of window consecutive values, kept up to date with a running sum."""
    if window < 1 or window > len(values):
        return []
    total = sum(values[:window])
    averages = [total / window]
    for i in range(window, len(values)):
        total += values[i] - values[i - window]
        averages.append(total / window)
    return averages


# --- tests ---
assert moving_average([], 1) == []
assert moving_average([1, 2], 3) == []
assert moving_average([1, 2], 0) == []
assert moving_average([4], 1) == [4.0]
assert moving_average([1, 2, 3, 4], 1) == [1.0, 2.0, 3.0, 4.0]
assert moving_average([1, 2, 3, 4], 2) == [1.5, 2.5, 3.5]
assert moving_average([1, 2, 3, 4], 4) == [2.5]
assert moving_average([2, 4, 6, 8, 10], 3) == [4.0, 6.0, 8.0]
assert moving_average([1, 0, 0, 0, 1], 2) == [0.5, 0.0, 0.0, 0.5]
assert moving_average([10, -10, 10, -10], 2) == [0.0, 0.0, 0.0]
assert moving_average([3, 5, 1], 2) == [4.0, 3.0]
