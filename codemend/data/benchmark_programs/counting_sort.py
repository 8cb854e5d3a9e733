def counting_sort(values):
    """Sort non-negative integers in O(n + max(values)) time."""
    if not values:
        return []
    counts = [0] * (max(values) + 1)
    for value in values:
        counts[value] += 1
    result = []
    for value, count in enumerate(counts):
        result.extend([value] * count)
    return result


# --- tests ---
assert counting_sort([]) == []
assert counting_sort([0]) == [0]
assert counting_sort([5]) == [5]
assert counting_sort([3, 0, 2]) == [0, 2, 3]
assert counting_sort([1, 1, 1]) == [1, 1, 1]
assert counting_sort([4, 1, 3, 4, 0, 1]) == [0, 1, 1, 3, 4, 4]
assert counting_sort([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]) == list(range(10))
assert counting_sort([2, 0, 2, 0]) == [0, 0, 2, 2]
assert len(counting_sort([7, 7, 3])) == 3
