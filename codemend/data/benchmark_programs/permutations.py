def permutations(items):
    """Every ordering of the list items, in the order of the positions they take first."""
    if len(items) <= 1:
        return [list(items)]
    result = []
    for i, item in enumerate(items):
        for rest in permutations(items[:i] + items[i + 1:]):
            result.append([item] + rest)
    return result


# --- tests ---
assert permutations([]) == [[]]
assert permutations([1]) == [[1]]
assert permutations([1, 2]) == [[1, 2], [2, 1]]
assert permutations([1, 2, 3]) == [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]]
assert len(permutations(list(range(5)))) == 120
assert len({tuple(p) for p in permutations(list("abcd"))}) == 24
assert permutations(["x", "x"]) == [["x", "x"], ["x", "x"]]
assert all(sorted(p) == [1, 2, 3, 4] for p in permutations([4, 3, 2, 1]))
assert permutations([3, 1])[0] == [3, 1]
