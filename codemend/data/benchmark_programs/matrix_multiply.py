def matrix_multiply(a, b):
    """Product of an n x m and an m x p matrix, each a list of rows."""
    if not a or not b or len(a[0]) != len(b):
        raise ValueError("incompatible shapes")
    rows, inner, cols = len(a), len(b), len(b[0])
    return [[sum(a[i][k] * b[k][j] for k in range(inner)) for j in range(cols)] for i in range(rows)]


# --- tests ---
assert matrix_multiply([[2]], [[3]]) == [[6]]
assert matrix_multiply([[1, 2], [3, 4]], [[5, 6], [7, 8]]) == [[19, 22], [43, 50]]
assert matrix_multiply([[5, 6], [7, 8]], [[1, 2], [3, 4]]) == [[23, 34], [31, 46]]
assert matrix_multiply([[1, 0], [0, 1]], [[4, 5], [6, 7]]) == [[4, 5], [6, 7]]
assert matrix_multiply([[1, 2, 3]], [[4], [5], [6]]) == [[32]]
assert matrix_multiply([[4], [5], [6]], [[1, 2, 3]]) == [[4, 8, 12], [5, 10, 15], [6, 12, 18]]
assert matrix_multiply([[1, 2, 3], [4, 5, 6]], [[7, 8], [9, 10], [11, 12]]) == [[58, 64], [139, 154]]
assert matrix_multiply([[0, -1], [1, 0]], [[0, -1], [1, 0]]) == [[-1, 0], [0, -1]]
for a, b in (([], [[1]]), ([[1]], []), ([[1, 2]], [[1, 2]])):
    try:
        matrix_multiply(a, b)
    except ValueError:
        pass
    else:
        raise AssertionError(f"{a} x {b} should be rejected")
