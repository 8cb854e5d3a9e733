def partition_three_way(items, pivot):
    """Reorder items in place into < pivot, == pivot, > pivot; return (lt_end, gt_start)."""
    low, mid, high = 0, 0, len(items) - 1
    while mid <= high:
        if items[mid] < pivot:
            items[low], items[mid] = items[mid], items[low]
            low += 1
            mid += 1
        elif items[mid] > pivot:
            items[mid], items[high] = items[high], items[mid]
            high -= 1
        else:
            mid += 1
    return low, high + 1


# --- tests ---
def check(values, pivot):
    items = list(values)
    lt_end, gt_start = partition_three_way(items, pivot)
    assert sorted(items) == sorted(values)
    assert all(x < pivot for x in items[:lt_end])
    assert all(x == pivot for x in items[lt_end:gt_start])
    assert all(x > pivot for x in items[gt_start:])
    return lt_end, gt_start


assert check([], 1) == (0, 0)
assert check([1], 1) == (0, 1)
assert check([0], 1) == (1, 1)
assert check([2], 1) == (0, 0)
assert check([2, 0, 1, 2, 0, 1], 1) == (2, 4)
assert check([5, 4, 3, 2, 1], 3) == (2, 3)
assert check([3, 3, 3], 3) == (0, 3)
assert check([9, 9, 0, 0], 5) == (2, 2)
assert check([1, 7, 2, 8, 3, 9, 4, 5, 5], 5) == (4, 6)
