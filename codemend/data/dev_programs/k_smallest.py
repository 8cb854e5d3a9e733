import heapq


def k_smallest(items, k):
    """Return the k smallest numbers of items in ascending order.

    Uses a max-heap (stored negated) of size at most k, so the input is
    scanned once. k <= 0 gives []; k >= len(items) gives all items sorted.
    Duplicates are kept.
    """
    if k <= 0:
        return []
    heap = []
    for x in items:
        if len(heap) < k:
            heapq.heappush(heap, -x)
        elif x < -heap[0]:
            heapq.heapreplace(heap, -x)
    result = [-v for v in heap]
    result.sort()
    return result


# --- tests ---
assert k_smallest([], 3) == []
assert k_smallest([5, 1, 4], 0) == []
assert k_smallest([5, 1, 4], -2) == []
assert k_smallest([5, 1, 4], 1) == [1]
assert k_smallest([5, 1, 4], 2) == [1, 4]
assert k_smallest([5, 1, 4], 3) == [1, 4, 5]
assert k_smallest([5, 1, 4], 10) == [1, 4, 5]
assert k_smallest([9, 8, 7, 6, 5, 4, 3, 2, 1], 3) == [1, 2, 3]
assert k_smallest([1, 2, 3, 4, 5, 6, 7, 8, 9], 3) == [1, 2, 3]
assert k_smallest([4, 1, 4, 1, 4], 3) == [1, 1, 4]
assert k_smallest([2, 2, 2], 2) == [2, 2]
assert k_smallest([3, -1, 0, -7, 2], 2) == [-7, -1]
assert k_smallest([10, 20, 5, 15, 5], 4) == [5, 5, 10, 15]
assert k_smallest(iter([6, 3, 8]), 2) == [3, 6]
assert k_smallest([1.5, 0.5, 2.5], 2) == [0.5, 1.5]
data = [3, 1, 2]
assert k_smallest(data, 2) == [1, 2]
assert data == [3, 1, 2]
