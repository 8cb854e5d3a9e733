from collections import deque


def sliding_window_max(values, k):
    """Maximum of every run of k consecutive values, in O(len(values)) time."""
    if k < 1:
        raise ValueError("k must be >= 1")
    window = deque()
    maxima = []
    for i, value in enumerate(values):
        while window and values[window[-1]] <= value:
            window.pop()
        window.append(i)
        if window[0] <= i - k:
            window.popleft()
        if i >= k - 1:
            maxima.append(values[window[0]])
    return maxima


# --- tests ---
assert sliding_window_max([], 2) == []
assert sliding_window_max([5], 1) == [5]
assert sliding_window_max([1, 2], 3) == []
assert sliding_window_max([1, 3, 2], 1) == [1, 3, 2]
assert sliding_window_max([1, 3, -1, -3, 5, 3, 6, 7], 3) == [3, 3, 5, 5, 6, 7]
assert sliding_window_max([9, 8, 7, 6, 5], 2) == [9, 8, 7, 6]
assert sliding_window_max([1, 2, 3, 4, 5], 2) == [2, 3, 4, 5]
assert sliding_window_max([4, 4, 4, 1], 2) == [4, 4, 4]
assert sliding_window_max([2, 1, 5, 1, 1, 1, 0], 3) == [5, 5, 5, 1, 1]
assert sliding_window_max([3, 1, 2], 3) == [3]
try:
    sliding_window_max([1, 2], 0)
except ValueError:
    pass
else:
    raise AssertionError("k=0 should raise ValueError")
