def transpose(matrix):
    """Return the transpose of a rectangular matrix given as a list of rows."""
    if not matrix:
        return []
    width = len(matrix[0])
    for row in matrix:
        if len(row) != width:
            raise ValueError("ragged matrix")
    return [[matrix[r][c] for r in range(len(matrix))] for c in range(width)]


def trace(matrix):
    """Sum of the main diagonal of a square matrix; 0 for an empty matrix."""
    size = len(matrix)
    total = 0
    for i in range(size):
        if len(matrix[i]) != size:
            raise ValueError("matrix is not square")
        total += matrix[i][i]
    return total


# --- tests ---
def raises(func, arg):
    try:
        func(arg)
    except ValueError:
        return True
    return False


m3 = [[1, -2, 3], [4, 5, -6], [7, 8, -9]]
assert transpose([]) == []
assert transpose([[1, 2, 3]]) == [[1], [2], [3]]
assert transpose([[1], [2], [3]]) == [[1, 2, 3]]
assert transpose([[1, 2], [3, 4], [5, 6]]) == [[1, 3, 5], [2, 4, 6]]
assert transpose(transpose(m3)) == m3
assert transpose(m3)[0] == [1, 4, 7]
assert raises(transpose, [[1, 2], [3]])
assert raises(transpose, [[1], [2, 3]])
assert trace([]) == 0
assert trace([[5]]) == 5
assert trace([[1, 2], [3, 4]]) == 5
assert trace(m3) == -3
assert trace(transpose(m3)) == trace(m3)
assert raises(trace, [[1, 2, 3], [4, 5, 6]])
assert raises(trace, [[1, 2], [3]])
assert raises(trace, [[1], [2]])
