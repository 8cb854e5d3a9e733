def pascal_triangle(n):
    """The first n rows of Pascal's triangle."""
    rows = []
    for i in range(n):
        row = [1] * (i + 1)
        for j in range(1, i):
            row[j] = rows[i - 1][j - 1] + rows[i - 1][j]
        rows.append(row)
    return rows


# --- tests ---
assert pascal_triangle(0) == []
assert pascal_triangle(1) == [[1]]
assert pascal_triangle(2) == [[1], [1, 1]]
assert pascal_triangle(3) == [[1], [1, 1], [1, 2, 1]]
assert pascal_triangle(5) == [[1], [1, 1], [1, 2, 1], [1, 3, 3, 1], [1, 4, 6, 4, 1]]
assert pascal_triangle(7)[6] == [1, 6, 15, 20, 15, 6, 1]
assert [sum(row) for row in pascal_triangle(10)] == [2 ** i for i in range(10)]
assert all(row == row[::-1] for row in pascal_triangle(9))
rows = pascal_triangle(4)
rows[3][1] = 99
assert rows[2] == [1, 2, 1]
