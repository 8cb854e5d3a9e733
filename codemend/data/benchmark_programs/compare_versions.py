def compare_versions(a, b):
    """-1, 0 or 1 as the dotted version a is lower than, equal to or higher than b.

    Missing parts count as 0, so '1.2' == '1.2.0'.
    """
    left = [int(part) for part in a.split(".")]
    right = [int(part) for part in b.split(".")]
    for i in range(max(len(left), len(right))):
        x = left[i] if i < len(left) else 0
        y = right[i] if i < len(right) else 0
        if x != y:
            return -1 if x < y else 1
    return 0


# --- tests ---
assert compare_versions("1", "1") == 0
assert compare_versions("1", "2") == -1
assert compare_versions("2", "1") == 1
assert compare_versions("1.2", "1.10") == -1
assert compare_versions("1.10", "1.2") == 1
assert compare_versions("1.2", "1.2.0") == 0
assert compare_versions("1.2.0.0", "1.2") == 0
assert compare_versions("1.2", "1.2.1") == -1
assert compare_versions("1.2.1", "1.2") == 1
assert compare_versions("0.9.9", "1.0") == -1
assert compare_versions("2.1000", "2.1000") == 0
assert compare_versions("2.1000", "2.999") == 1
assert compare_versions("3.0.300", "3.0.300.0") == 0
