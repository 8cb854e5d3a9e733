def chunk_list(items, size):
    """Consecutive slices of items with size elements each; the last may be shorter."""
    if size < 1:
        raise ValueError("size must be >= 1")
    return [items[i:i + size] for i in range(0, len(items), size)]


# --- tests ---
assert chunk_list([], 3) == []
assert chunk_list([1], 3) == [[1]]
assert chunk_list([1, 2, 3], 1) == [[1], [2], [3]]
assert chunk_list([1, 2, 3], 3) == [[1, 2, 3]]
assert chunk_list([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]
assert chunk_list([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
assert chunk_list([1, 2, 3, 4, 5, 6, 7], 3) == [[1, 2, 3], [4, 5, 6], [7]]
assert chunk_list([1, 2], 5) == [[1, 2]]
assert chunk_list("abcdefg", 3) == ["abc", "def", "g"]
for bad in (0, -2):
    try:
        chunk_list([1, 2], bad)
    except ValueError:
        pass
    else:
        raise AssertionError(f"size {bad} should be rejected")
