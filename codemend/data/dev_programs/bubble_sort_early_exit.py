def bubble_sort_early_exit(items):
    """Sort a copy of items ascending with bubble sort.

    Returns (sorted_list, passes) where passes counts the outer passes made;
    sorting stops early after the first pass that makes no swap.
    The input list is never modified.
    """
    result = list(items)
    n = len(result)
    passes = 0
    for i in range(n - 1):
        passes += 1
        swapped = False
        for j in range(n - 1 - i):
            if result[j] > result[j + 1]:
                result[j], result[j + 1] = result[j + 1], result[j]
                swapped = True
        if not swapped:
            break
    return result, passes


# --- tests ---
assert bubble_sort_early_exit([]) == ([], 0)
assert bubble_sort_early_exit([7]) == ([7], 0)
assert bubble_sort_early_exit([1, 2]) == ([1, 2], 1)
assert bubble_sort_early_exit([2, 1]) == ([1, 2], 1)
assert bubble_sort_early_exit([1, 2, 3, 4, 5]) == ([1, 2, 3, 4, 5], 1)
assert bubble_sort_early_exit([4, 3, 2, 1]) == ([1, 2, 3, 4], 3)
assert bubble_sort_early_exit([1, 2, 4, 3]) == ([1, 2, 3, 4], 2)
assert bubble_sort_early_exit([3, 1, 2]) == ([1, 2, 3], 2)
assert bubble_sort_early_exit([2, 3, 4, 5, 1]) == ([1, 2, 3, 4, 5], 4)
assert bubble_sort_early_exit([5, 1, 2, 3, 4]) == ([1, 2, 3, 4, 5], 2)
assert bubble_sort_early_exit([2, 1, 2, 1]) == ([1, 1, 2, 2], 3)
assert bubble_sort_early_exit([3, 3, 3]) == ([3, 3, 3], 1)
assert bubble_sort_early_exit([0, -5, 10, -5]) == ([-5, -5, 0, 10], 3)
assert bubble_sort_early_exit(["pear", "apple", "fig"]) == (["apple", "fig", "pear"], 2)
assert bubble_sort_early_exit((9, 8)) == ([8, 9], 1)
data = [3, 2, 1]
assert bubble_sort_early_exit(data) == ([1, 2, 3], 2)
assert data == [3, 2, 1]
