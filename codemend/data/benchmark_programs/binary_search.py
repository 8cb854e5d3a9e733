def binary_search(items, target):
    """Index of target in the ascending list items, or -1 when it is absent."""
    lo, hi = 0, len(items) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


# --- tests ---
assert binary_search([], 3) == -1
assert binary_search([5], 5) == 0
assert binary_search([5], 4) == -1
assert binary_search([5], 6) == -1
assert binary_search([1, 2], 1) == 0
assert binary_search([1, 2], 2) == 1
assert binary_search([1, 3, 5, 7, 9], 1) == 0
assert binary_search([1, 3, 5, 7, 9], 3) == 1
assert binary_search([1, 3, 5, 7, 9], 7) == 3
assert binary_search([1, 3, 5, 7, 9], 9) == 4
assert binary_search([1, 3, 5, 7, 9], 4) == -1
assert binary_search([1, 3, 5, 7, 9], 0) == -1
assert binary_search([1, 3, 5, 7, 9], 10) == -1
evens = list(range(0, 100, 2))
assert all(binary_search(evens, value) == value // 2 for value in evens)
assert all(binary_search(evens, value) == -1 for value in range(-1, 101, 2))
