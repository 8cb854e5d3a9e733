def dedupe_by_key(items, key=None, keep="first"):
    """Remove duplicates from an iterable while preserving order.

    Two items are duplicates when key(item) is equal (the item itself when
    key is None). keep="first" keeps the first occurrence, keep="last" the
    last one; unhashable keys are compared by equality.
    """
    if keep not in ("first", "last"):
        raise ValueError("keep must be 'first' or 'last'")
    sequence = list(items)
    if keep == "last":
        sequence.reverse()
    seen_hashable = set()
    seen_other = []
    result = []
    for item in sequence:
        marker = item if key is None else key(item)
        try:
            if marker in seen_hashable:
                continue
            seen_hashable.add(marker)
        except TypeError:
            if marker in seen_other:
                continue
            seen_other.append(marker)
        result.append(item)
    if keep == "last":
        result.reverse()
    return result


# --- tests ---
data = [1, 2, 1, 3, 2]
assert dedupe_by_key([]) == []
assert dedupe_by_key(data) == [1, 2, 3]
assert dedupe_by_key(data, keep="last") == [1, 3, 2]
assert data == [1, 2, 1, 3, 2]
assert dedupe_by_key([4, 5, 6]) == [4, 5, 6]
assert dedupe_by_key(["a", "A", "b", "B", "a"], key=str.lower) == ["a", "b"]
assert dedupe_by_key(["a", "A", "b", "B", "a"], str.lower, "last") == ["B", "a"]
assert dedupe_by_key([1, -1, 2, -2, 3], key=abs) == [1, 2, 3]
assert dedupe_by_key(["aa", "b", "cc", "d"], key=len) == ["aa", "b"]
assert dedupe_by_key([[1], [2], [1]]) == [[1], [2]]
assert dedupe_by_key([[1], [2], [1], [2]], keep="last") == [[1], [2]]
assert dedupe_by_key([1, [1], 1, [1]]) == [1, [1]]
assert dedupe_by_key(x % 3 for x in range(7)) == [0, 1, 2]
assert dedupe_by_key([0, 0, 0]) == [0]
try:
    dedupe_by_key([1], keep="middle")
    assert False
except ValueError:
    pass
