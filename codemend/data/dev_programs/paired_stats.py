def paired_stats(names, scores):
    """The best-scoring name and the mean score, from two lists of the same length ((None, 0.0) when empty)."""
    if len(names) != len(scores):
        raise ValueError("names and scores differ in length")
    pairs = [(name, float(score)) for name, score in zip(names, scores)]
    if not pairs:
        return None, 0.0
    best = max(pairs, key=lambda pair: pair[1])[0]
    mean = sum(score for _, score in pairs) / len(pairs)
    return best, mean


# --- tests ---
assert paired_stats(["ann", "bob", "cy"], [3, 9, 6]) == ("bob", 6.0)
assert paired_stats(["solo"], [4]) == ("solo", 4.0)
assert paired_stats([], []) == (None, 0.0)
assert paired_stats(["a", "b"], ["1.5", 2.5]) == ("b", 2.0)
assert paired_stats(["x", "y", "z"], [5, 5, 1])[0] == "x"
assert isinstance(paired_stats(["q"], [1])[1], float)
try:
    paired_stats(["a"], [])
    raise AssertionError("lengths differ")
except ValueError:
    pass
