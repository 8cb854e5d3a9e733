def longest_increasing_subsequence(values):
    """Length of the longest strictly increasing subsequence of values."""
    best = [1] * len(values)
    for i in range(len(values)):
        for j in range(i):
            if values[j] < values[i] and best[j] + 1 > best[i]:
                best[i] = best[j] + 1
    return max(best, default=0)


# --- tests ---
assert longest_increasing_subsequence([]) == 0
assert longest_increasing_subsequence([4]) == 1
assert longest_increasing_subsequence([2, 2, 2]) == 1
assert longest_increasing_subsequence([1, 2, 3, 4]) == 4
assert longest_increasing_subsequence([4, 3, 2, 1]) == 1
assert longest_increasing_subsequence([10, 9, 2, 5, 3, 7, 101, 18]) == 4
assert longest_increasing_subsequence([0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15]) == 6
assert longest_increasing_subsequence([3, 10, 2, 1, 20]) == 3
assert longest_increasing_subsequence([5, 1, 6, 2, 7, 3, 8]) == 4
assert longest_increasing_subsequence([1, 3, 2]) == 2
assert longest_increasing_subsequence([-5, -1, -3, 0]) == 3
assert longest_increasing_subsequence([1, 2, 3, 0]) == 3
