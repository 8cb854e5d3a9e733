def rotate_clockwise(matrix):
    """Return a new matrix rotated 90 degrees clockwise (may be non-square)."""
    if not matrix or not matrix[0]:
        return []
    rows, cols = len(matrix), len(matrix[0])
    result = []
    for c in range(cols):
        new_row = []
        for r in range(rows - 1, -1, -1):
            new_row.append(matrix[r][c])
        result.append(new_row)
    return result


def rotate_matrix(matrix, turns=1):
    """Rotate a matrix clockwise by 90 degrees `turns` times.

    Negative turns rotate counterclockwise. The input is never modified and
    a fresh list of lists is always returned.
    """
    turns %= 4
    result = [list(row) for row in matrix]
    for _ in range(turns):
        result = rotate_clockwise(result)
    return result


# --- tests ---
square = [[1, 2], [3, 4]]
assert rotate_matrix(square) == [[3, 1], [4, 2]]
assert rotate_matrix(square, 2) == [[4, 3], [2, 1]]
assert rotate_matrix(square, 3) == [[2, 4], [1, 3]]
assert rotate_matrix(square, -1) == [[2, 4], [1, 3]]
assert rotate_matrix(square, 4) == square
assert rotate_matrix(square, 0) == square
assert rotate_matrix(square, 0) is not square
assert rotate_matrix(square, 0)[0] is not square[0]
assert square == [[1, 2], [3, 4]]
assert rotate_matrix([[1, 2, 3], [4, 5, 6]]) == [[4, 1], [5, 2], [6, 3]]
assert rotate_matrix([[1, 2, 3], [4, 5, 6]], -1) == [[3, 6], [2, 5], [1, 4]]
assert rotate_matrix([[1], [2], [3]]) == [[3, 2, 1]]
assert rotate_matrix([[7]], 5) == [[7]]
assert rotate_matrix([]) == []
assert rotate_matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]]) == [[7, 4, 1], [8, 5, 2], [9, 6, 3]]
assert rotate_matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]], 2) == [[9, 8, 7], [6, 5, 4], [3, 2, 1]]
