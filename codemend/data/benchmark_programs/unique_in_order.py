def unique_in_order(items):
    """items without repeats, keeping the first occurrence of each in order (hashable items)."""
    seen = set()
    result = []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result


# --- tests ---
assert unique_in_order([]) == []
assert unique_in_order([1]) == [1]
assert unique_in_order([1, 1, 1]) == [1]
assert unique_in_order([3, 1, 3, 2, 1]) == [3, 1, 2]
assert unique_in_order([5, 4, 3, 2, 1]) == [5, 4, 3, 2, 1]
assert unique_in_order("mississippi") == ["m", "i", "s", "p"]
assert unique_in_order([None, 0, None, False]) == [None, 0]
assert unique_in_order([(1, 2), (2, 1), (1, 2)]) == [(1, 2), (2, 1)]
assert unique_in_order(x % 3 for x in range(10)) == [0, 1, 2]
