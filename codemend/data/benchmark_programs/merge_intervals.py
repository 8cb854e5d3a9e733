def merge_intervals(intervals):
    """Merge overlapping or touching [start, end] intervals; the result is sorted by start."""
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


# --- tests ---
assert merge_intervals([]) == []
assert merge_intervals([[1, 3]]) == [[1, 3]]
assert merge_intervals([[1, 3], [2, 6], [8, 10], [15, 18]]) == [[1, 6], [8, 10], [15, 18]]
assert merge_intervals([[1, 4], [4, 5]]) == [[1, 5]]
assert merge_intervals([[1, 4], [5, 6]]) == [[1, 4], [5, 6]]
assert merge_intervals([[8, 10], [1, 3], [2, 6]]) == [[1, 6], [8, 10]]
assert merge_intervals([[1, 10], [2, 3], [4, 5]]) == [[1, 10]]
assert merge_intervals([[5, 7], [1, 2], [2, 5]]) == [[1, 7]]
assert merge_intervals([[0, 0], [0, 0]]) == [[0, 0]]
assert merge_intervals([(3, 4), (1, 2)]) == [[1, 2], [3, 4]]
assert merge_intervals([[1, 5], [2, 3], [6, 8], [7, 12], [13, 13]]) == [[1, 5], [6, 12], [13, 13]]
