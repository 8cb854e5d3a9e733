def find_peak(values):
    """Return the index of a peak: an element not smaller than its neighbours.

    Uses binary search, treating positions outside the list as minus
    infinity, and returns -1 for an empty list. A strictly increasing list
    peaks at its end, a strictly decreasing one at its start.
    """
    if not values:
        return -1
    low, high = 0, len(values) - 1
    while low < high:
        mid = (low + high) // 2
        if values[mid] < values[mid + 1]:
            low = mid + 1
        else:
            high = mid
    return low


# --- tests ---
def is_peak(values, i):
    left = values[i - 1] if i > 0 else float("-inf")
    right = values[i + 1] if i + 1 < len(values) else float("-inf")
    return values[i] >= left and values[i] >= right


assert find_peak([]) == -1
assert find_peak([5]) == 0
assert find_peak([1, 2]) == 1
assert find_peak([2, 1]) == 0
assert find_peak([1, 2, 3, 1]) == 2
assert find_peak([1, 3, 2, 4, 1]) == 3
assert find_peak([5, 4, 3, 2, 1]) == 0
assert find_peak([1, 2, 3, 4, 5]) == 4
assert find_peak([1, 1, 1]) == 0
assert find_peak([1, 3, 1]) == 1
assert find_peak([3, 1, 2]) == 2
assert find_peak([-3, -1, -2]) == 1
data = [1, 2, 1, 3, 5, 6, 4, 2, 8, 9, 7, 0]
assert is_peak(data, find_peak(data))
assert find_peak(data) == 5
