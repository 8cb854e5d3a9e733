def first_negative_index(values):
    """Index of the first negative number in values, or -1 when there is none."""
    for index, value in enumerate(values):
        if value < 0:
            return index
    return -1


# --- tests ---
assert first_negative_index([3, 1, -2, -5]) == 2
assert first_negative_index([-1]) == 0
assert first_negative_index([0, 4]) == -1
assert first_negative_index([]) == -1
assert first_negative_index([1, 2, 3, -0.5]) == 3
assert first_negative_index([0, -0.0]) == -1
