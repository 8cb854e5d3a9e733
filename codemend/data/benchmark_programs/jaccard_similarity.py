def jaccard_similarity(a, b):
    """Size of the intersection over size of the union of the distinct items of a and b.

    Two empty collections are identical, so their similarity is 1.0.
    """
    left, right = set(a), set(b)
    union = left | right
    if not union:
        return 1.0
    return len(left & right) / len(union)


# --- tests ---
assert jaccard_similarity([], []) == 1.0
assert jaccard_similarity([1], []) == 0.0
assert jaccard_similarity([], [1]) == 0.0
assert jaccard_similarity([1, 2], [1, 2]) == 1.0
assert jaccard_similarity([1, 2], [3, 4]) == 0.0
assert jaccard_similarity([1, 2, 3], [2, 3, 4]) == 0.5
assert jaccard_similarity("night", "nacht") == 3 / 7
assert jaccard_similarity([1, 1, 2], [1]) == 0.5
assert jaccard_similarity({1, 2, 3, 4}, {4}) == 0.25
assert jaccard_similarity(["a", "b", "c"], ["a"]) == 1 / 3
