def longest_consecutive_run(numbers):
    """Longest run of consecutive integers that can be formed from numbers.

    Returns the run as an ascending list. Works in linear time with a set:
    only numbers that start a run are extended. Duplicates are ignored, on
    a tie the run with the smallest start wins, and empty input gives [].
    """
    values = set(numbers)
    best_start, best_len = None, 0
    for start in values:
        if start - 1 in values:
            continue
        length = 1
        while start + length in values:
            length += 1
        if length > best_len or (length == best_len and start < best_start):
            best_start, best_len = start, length
    if best_len == 0:
        return []
    return list(range(best_start, best_start + best_len))


# --- tests ---
assert longest_consecutive_run([]) == []
assert longest_consecutive_run([5]) == [5]
assert longest_consecutive_run([0]) == [0]
assert longest_consecutive_run([100, 4, 200, 1, 3, 2]) == [1, 2, 3, 4]
assert longest_consecutive_run([1, 2, 2, 3]) == [1, 2, 3]
assert longest_consecutive_run([9, 1, 8, 2, 7]) == [7, 8, 9]
assert longest_consecutive_run([10, 11, 1, 2]) == [1, 2]
assert longest_consecutive_run([1, 2, 10, 11]) == [1, 2]
assert longest_consecutive_run([5, 3, 1]) == [1]
assert longest_consecutive_run([-1, -3, -2, 5, 0]) == [-3, -2, -1, 0]
assert longest_consecutive_run([0, -1]) == [-1, 0]
assert longest_consecutive_run([7, 7, 7]) == [7]
assert longest_consecutive_run([4, 6, 5, 20, 21, 22, 23]) == [20, 21, 22, 23]
assert longest_consecutive_run([20, 21, 22, 4, 5, 6, 7]) == [4, 5, 6, 7]
assert longest_consecutive_run(range(10, 0, -1)) == list(range(1, 11))
assert longest_consecutive_run((3, 1, 2)) == [1, 2, 3]
assert longest_consecutive_run([1, 2, 3, -10]) == [1, 2, 3]
assert longest_consecutive_run([-10, 30, 31]) == [30, 31]
