def quickselect(items, k):
    """The k-th smallest item of items, counting from k = 0."""
    if not 0 <= k < len(items):
        raise IndexError("k out of range")
    pivot = items[len(items) // 2]
    lows = [x for x in items if x < pivot]
    pivots = [x for x in items if x == pivot]
    highs = [x for x in items if x > pivot]
    if k < len(lows):
        return quickselect(lows, k)
    if k < len(lows) + len(pivots):
        return pivot
    return quickselect(highs, k - len(lows) - len(pivots))


# --- tests ---
assert quickselect([7], 0) == 7
assert quickselect([3, 1, 2], 0) == 1
assert quickselect([3, 1, 2], 1) == 2
assert quickselect([3, 1, 2], 2) == 3
data = [9, 4, 7, 1, 8, 2, 2, 6, 5, 3]
assert [quickselect(data, k) for k in range(len(data))] == sorted(data)
same = [5, 5, 5, 5]
assert [quickselect(same, k) for k in range(4)] == same
assert quickselect([10, -3, 0, 22, -3], 4) == 22
for bad in (-1, 3):
    try:
        quickselect([1, 2, 3], bad)
    except IndexError:
        pass
    else:
        raise AssertionError(f"k={bad} should raise IndexError")
try:
    quickselect([], 0)
except IndexError:
    pass
else:
    raise AssertionError("empty input should raise IndexError")
