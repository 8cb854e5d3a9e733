def majority_element(values):
    """The value occurring more than len(values) / 2 times, or None (Boyer-Moore voting)."""
    candidate, count = None, 0
    for value in values:
        if count == 0:
            candidate = value
        count += 1 if value == candidate else -1
    if values and values.count(candidate) * 2 > len(values):
        return candidate
    return None


# --- tests ---
assert majority_element([]) is None
assert majority_element([7]) == 7
assert majority_element([1, 2]) is None
assert majority_element([2, 2]) == 2
assert majority_element([3, 2, 3]) == 3
assert majority_element([2, 2, 1, 1, 1, 2, 2]) == 2
assert majority_element([1, 2, 3, 4]) is None
assert majority_element([1, 1, 2, 2]) is None
assert majority_element([5, 1, 5, 2, 5, 3, 5]) == 5
assert majority_element([1, 2, 3, 3, 3]) == 3
assert majority_element(["a", "b", "a"]) == "a"
assert majority_element([4, 4, 4, 1, 2, 3]) is None
assert majority_element([0, 0, 1]) == 0
assert majority_element([2, 2, 1]) == 2
