def longest_streak(items):
    """Return (value, length) of the longest run of equal adjacent items.

    Ties go to the earliest run; an empty list gives (None, 0).
    """
    if not items:
        return (None, 0)
    best_value, best_len = items[0], 1
    current_len = 1
    for i in range(1, len(items)):
        if items[i] == items[i - 1]:
            current_len += 1
        else:
            current_len = 1
        if current_len > best_len:
            best_value, best_len = items[i], current_len
    return (best_value, best_len)


# --- tests ---
assert longest_streak([]) == (None, 0)
assert longest_streak([7]) == (7, 1)
assert longest_streak([3, 4, 5]) == (3, 1)
assert longest_streak([1, 1, 2, 2, 2, 1]) == (2, 3)
assert longest_streak([1, 1, 2, 2]) == (1, 2)
assert longest_streak([1, 2, 2, 1, 1]) == (2, 2)
assert longest_streak([1, 2, 2, 2]) == (2, 3)
assert longest_streak([5, 5, 5, 1]) == (5, 3)
assert longest_streak([0, 0]) == (0, 2)
assert longest_streak([-1, -1, -1, 0, 0]) == (-1, 3)
assert longest_streak(list("aabbbcc")) == ("b", 3)
assert longest_streak([1, 2, 1, 2, 1]) == (1, 1)
assert longest_streak([4, 4, 3, 4, 4, 4, 4]) == (4, 4)
assert longest_streak([9, 8, 8]) == (8, 2)
