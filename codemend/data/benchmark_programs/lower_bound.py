def lower_bound(items, target):
    """First index i with items[i] >= target in the ascending list items (len(items) if none)."""
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


# --- tests ---
assert lower_bound([], 5) == 0
assert lower_bound([3], 2) == 0
assert lower_bound([3], 3) == 0
assert lower_bound([3], 4) == 1
values = [1, 2, 2, 2, 5, 8, 8, 13]
assert lower_bound(values, 0) == 0
assert lower_bound(values, 1) == 0
assert lower_bound(values, 2) == 1
assert lower_bound(values, 3) == 4
assert lower_bound(values, 5) == 4
assert lower_bound(values, 8) == 5
assert lower_bound(values, 13) == 7
assert lower_bound(values, 14) == 8
assert [lower_bound([1, 1, 1, 1], t) for t in (0, 1, 2)] == [0, 0, 4]
