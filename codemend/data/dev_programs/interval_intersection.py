def interval_intersection(first, second):
    """Intersect two sorted lists of disjoint closed intervals [start, end].

    Returns the sorted list of overlapping pieces; intervals that only
    touch at an endpoint produce a single-point piece [x, x].
    """
    result = []
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start <= end:
            result.append([start, end])
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


# --- tests ---
a = [[0, 2], [5, 10], [13, 23], [24, 25]]
b = [[1, 5], [8, 12], [15, 24], [25, 26]]
expected = [[1, 2], [5, 5], [8, 10], [15, 23], [24, 24], [25, 25]]
assert interval_intersection(a, b) == expected
assert interval_intersection(b, a) == expected
assert interval_intersection([], b) == []
assert interval_intersection(a, []) == []
assert interval_intersection([], []) == []
assert interval_intersection([[1, 3]], [[4, 6]]) == []
assert interval_intersection([[4, 6]], [[1, 3]]) == []
assert interval_intersection([[1, 3]], [[3, 5]]) == [[3, 3]]
assert interval_intersection([[1, 5]], [[1, 5]]) == [[1, 5]]
assert interval_intersection([[0, 10]], [[2, 3], [5, 7], [9, 12]]) == [[2, 3], [5, 7], [9, 10]]
assert interval_intersection([[2, 3], [5, 7], [9, 12]], [[0, 10]]) == [[2, 3], [5, 7], [9, 10]]
assert interval_intersection([[-5, -1], [0, 0]], [[-3, 0]]) == [[-3, -1], [0, 0]]
assert interval_intersection([[1, 2], [3, 4]], [[2, 3]]) == [[2, 2], [3, 3]]
assert interval_intersection([[1, 10]], [[12, 20], [30, 40]]) == []
assert interval_intersection([[1, 4], [6, 9]], [[0, 1], [4, 6], [9, 9]]) == [[1, 1], [4, 4], [6, 6], [9, 9]]
