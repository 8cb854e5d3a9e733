def drop_rare(counts, min_count):
    """Remove, in place, the keys of counts whose count is below min_count; return them sorted."""
    rare = [key for key, count in counts.items() if count < min_count]
    for key in rare:
        del counts[key]
    return sorted(rare)


# --- tests ---
counts = {}
assert drop_rare(counts, 1) == [] and counts == {}
counts = {"a": 1}
assert drop_rare(counts, 1) == [] and counts == {"a": 1}
counts = {"a": 1}
assert drop_rare(counts, 2) == ["a"] and counts == {}
counts = {"the": 10, "cat": 2, "sat": 1, "mat": 3}
assert drop_rare(counts, 3) == ["cat", "sat"]
assert counts == {"the": 10, "mat": 3}
counts = {"z": 0, "y": 5, "x": 0}
assert drop_rare(counts, 1) == ["x", "z"]
assert counts == {"y": 5}
counts = {"keep": 4, "also": 4}
assert drop_rare(counts, 4) == [] and counts == {"keep": 4, "also": 4}
