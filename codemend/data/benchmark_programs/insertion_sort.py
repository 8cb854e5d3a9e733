def insertion_sort(items, key=None):
    """A new list of items in ascending order of key(item); equal keys keep their order."""
    if key is None:
        key = lambda item: item
    result = list(items)
    for i in range(1, len(result)):
        current = result[i]
        j = i - 1
        while j >= 0 and key(result[j]) > key(current):
            result[j + 1] = result[j]
            j -= 1
        result[j + 1] = current
    return result


# --- tests ---
assert insertion_sort([]) == []
assert insertion_sort([7]) == [7]
assert insertion_sort([2, 1]) == [1, 2]
assert insertion_sort([1, 2, 3, 4]) == [1, 2, 3, 4]
assert insertion_sort([4, 3, 2, 1]) == [1, 2, 3, 4]
assert insertion_sort([3, -1, 2, -1, 0]) == [-1, -1, 0, 2, 3]
assert insertion_sort([5, 1, 4, 1, 5, 9, 2, 6]) == [1, 1, 2, 4, 5, 5, 6, 9]
assert insertion_sort("banana") == ["a", "a", "a", "b", "n", "n"]
original = [3, 1, 2]
assert insertion_sort(original) == [1, 2, 3] and original == [3, 1, 2]
pairs = [(1, "b"), (0, "a"), (1, "a"), (0, "z")]
assert insertion_sort(pairs, key=lambda pair: pair[0]) == [(0, "a"), (0, "z"), (1, "b"), (1, "a")]
assert insertion_sort(["ccc", "a", "bb"], key=len) == ["a", "bb", "ccc"]
