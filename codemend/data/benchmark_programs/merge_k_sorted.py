import heapq


def merge_k_sorted(lists):
    """One ascending list from several ascending lists, using a heap of the lists' heads."""
    heap = [(items[0], index, 0) for index, items in enumerate(lists) if items]
    heapq.heapify(heap)
    merged = []
    while heap:
        value, index, position = heapq.heappop(heap)
        merged.append(value)
        if position + 1 < len(lists[index]):
            heapq.heappush(heap, (lists[index][position + 1], index, position + 1))
    return merged


# --- tests ---
assert merge_k_sorted([]) == []
assert merge_k_sorted([[]]) == []
assert merge_k_sorted([[], []]) == []
assert merge_k_sorted([[1, 2, 3]]) == [1, 2, 3]
assert merge_k_sorted([[1, 4, 5], [1, 3, 4], [2, 6]]) == [1, 1, 2, 3, 4, 4, 5, 6]
assert merge_k_sorted([[], [2], [], [1]]) == [1, 2]
assert merge_k_sorted([[5, 6], [1, 2], [3, 4]]) == [1, 2, 3, 4, 5, 6]
assert merge_k_sorted([[1, 1], [1]]) == [1, 1, 1]
assert merge_k_sorted([[-3, 0, 9], [-5, 10]]) == [-5, -3, 0, 9, 10]
assert merge_k_sorted([[7], [3], [5]]) == [3, 5, 7]
