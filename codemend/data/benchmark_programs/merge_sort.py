def merge(left, right):
    """Merge two ascending lists into one ascending list (left wins ties)."""
    merged = []
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged


def merge_sort(items):
    """A new ascending list with the items of items."""
    if len(items) <= 1:
        return list(items)
    middle = len(items) // 2
    return merge(merge_sort(items[:middle]), merge_sort(items[middle:]))


# --- tests ---
assert merge([], []) == []
assert merge([1, 4], []) == [1, 4]
assert merge([], [2, 3]) == [2, 3]
assert merge([1, 3, 5], [2, 4, 6, 8]) == [1, 2, 3, 4, 5, 6, 8]
assert merge_sort([]) == []
assert merge_sort([1]) == [1]
assert merge_sort([2, 1]) == [1, 2]
assert merge_sort([3, 1, 2]) == [1, 2, 3]
assert merge_sort([5, -2, 9, 0, -2, 7, 3]) == [-2, -2, 0, 3, 5, 7, 9]
assert merge_sort(list(range(20, 0, -1))) == list(range(1, 21))
original = [4, 2, 3]
assert merge_sort(original) == [2, 3, 4] and original == [4, 2, 3]
