def hamming_distance(a, b, ignore_case=False):
    """Number of positions at which the sequences a and b differ.

    Works for strings, lists and tuples. With ignore_case=True both strings
    are lowercased first. Raises ValueError when the lengths differ.
    """
    if len(a) != len(b):
        raise ValueError(
            "length mismatch: %d != %d" % (len(a), len(b)))
    if ignore_case:
        a, b = a.lower(), b.lower()
    distance = 0
    for x, y in zip(a, b):
        if x != y:
            distance += 1
    return distance


# --- tests ---
assert hamming_distance("", "") == 0
assert hamming_distance("a", "a") == 0
assert hamming_distance("a", "b") == 1
assert hamming_distance("karolin", "kathrin") == 3
assert hamming_distance("1011101", "1001001") == 2
assert hamming_distance("abc", "xyz") == 3
assert hamming_distance("abcd", "abcx") == 1
assert hamming_distance("xbcd", "abcd") == 1
assert hamming_distance("Hello", "hello") == 1
assert hamming_distance("Hello", "hello", ignore_case=True) == 0
assert hamming_distance("ABC", "abd", True) == 1
assert hamming_distance([1, 2, 3], [1, 0, 3]) == 1
assert hamming_distance((0, 0), (1, 1)) == 2
for left, right in [("abc", "ab"), ("", "x"), ([1], [])]:
    try:
        hamming_distance(left, right)
    except ValueError:
        pass
    else:
        assert False, "length mismatch must raise ValueError"
try:
    hamming_distance("ab", "abc", ignore_case=True)
except ValueError as exc:
    assert str(exc) == "length mismatch: 2 != 3"
else:
    assert False, "length mismatch must raise ValueError"
