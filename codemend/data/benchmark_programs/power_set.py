def power_set(items):
    """All subsets of the list items, each keeping item order; those without items[0] come first."""
    if not items:
        return [[]]
    rest = power_set(items[1:])
    return rest + [[items[0]] + subset for subset in rest]


# --- tests ---
assert power_set([]) == [[]]
assert power_set([1]) == [[], [1]]
assert power_set([1, 2]) == [[], [2], [1], [1, 2]]
assert power_set([1, 2, 3]) == [[], [3], [2], [2, 3], [1], [1, 3], [1, 2], [1, 2, 3]]
assert len(power_set(list(range(6)))) == 64
assert sorted(map(len, power_set(list("abcd")))) == [0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4]
assert ["b", "c"] in power_set(["a", "b", "c"])
assert ["c", "b"] not in power_set(["a", "b", "c"])
