def flatten(nested):
    """One flat list of the items of arbitrarily nested lists and tuples (strings stay whole)."""
    flat = []
    for item in nested:
        if isinstance(item, (list, tuple)):
            flat.extend(flatten(item))
        else:
            flat.append(item)
    return flat


# --- tests ---
assert flatten([]) == []
assert flatten([[]]) == []
assert flatten([1, 2, 3]) == [1, 2, 3]
assert flatten([1, [2, 3]]) == [1, 2, 3]
assert flatten([[1, [2, [3, [4]]]], 5]) == [1, 2, 3, 4, 5]
assert flatten([(1, 2), [3, (4,)]]) == [1, 2, 3, 4]
assert flatten(["ab", ["cd"]]) == ["ab", "cd"]
assert flatten([[], [[], []], 0]) == [0]
assert flatten([None, [False]]) == [None, False]
assert flatten([{"k": 1}, [{2}]]) == [{"k": 1}, {2}]
assert flatten([1, [2]]) == [1, 2]
