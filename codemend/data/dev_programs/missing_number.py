def missing_number(numbers):
    """Return the single value of 0..n absent from numbers, where n = len(numbers).

    Raises ValueError for values outside 0..n and for duplicates."""
    n = len(numbers)
    seen = set()
    result = n
    for index, value in enumerate(numbers):
        if value < 0 or value > n:
            raise ValueError("value out of range: %d" % value)
        if value in seen:
            raise ValueError("duplicate value: %d" % value)
        seen.add(value)
        result ^= index ^ value
    return result


# --- tests ---
assert missing_number([]) == 0
assert missing_number([0]) == 1
assert missing_number([1]) == 0
assert missing_number([3, 0, 1]) == 2
assert missing_number([0, 1, 2]) == 3
assert missing_number([1, 2, 3]) == 0
assert missing_number([2, 0]) == 1
assert missing_number([1, 0]) == 2
assert missing_number([9, 6, 4, 2, 3, 5, 7, 0, 1]) == 8
assert missing_number(list(range(100, 0, -1))) == 0
assert missing_number([i for i in range(51) if i != 37]) == 37
errors = 0
for bad in [[-1], [2], [0, 0], [1, 1], [5, 0, 1], [0, 3, 3], [0, -2, 1]]:
    try:
        missing_number(bad)
    except ValueError:
        errors += 1
assert errors == 7
