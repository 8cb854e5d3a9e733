def rotate_list(items, k):
    """A new list: items rotated right by k places (left for negative k)."""
    if not items:
        return []
    k %= len(items)
    if k == 0:
        return list(items)
    return items[-k:] + items[:-k]


# --- tests ---
assert rotate_list([], 3) == []
assert rotate_list([1], 5) == [1]
assert rotate_list([1, 2, 3], 0) == [1, 2, 3]
assert rotate_list([1, 2, 3], 1) == [3, 1, 2]
assert rotate_list([1, 2, 3], 2) == [2, 3, 1]
assert rotate_list([1, 2, 3], 3) == [1, 2, 3]
assert rotate_list([1, 2, 3], 4) == [3, 1, 2]
assert rotate_list([1, 2, 3], -1) == [2, 3, 1]
assert rotate_list([1, 2, 3, 4, 5], 7) == [4, 5, 1, 2, 3]
original = [1, 2, 3]
rotated = rotate_list(original, 3)
rotated.append(4)
assert original == [1, 2, 3]
assert rotate_list(["a", "b"], -3) == ["b", "a"]
