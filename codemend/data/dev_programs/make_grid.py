def make_grid(rows, cols, fill=0):
    """A rows x cols grid (a list of rows) with every cell set to fill."""
    return [[fill] * cols for _ in range(rows)]


def paint(grid, cells, value):
    """Set each (row, col) of cells to value; return the grid."""
    for row, col in cells:
        grid[row][col] = value
    return grid


# --- tests ---
assert make_grid(2, 3) == [[0, 0, 0], [0, 0, 0]]
assert make_grid(0, 4) == []
assert paint(make_grid(2, 2), [(0, 1)], 7) == [[0, 7], [0, 0]]
assert paint(make_grid(3, 1, "."), [(2, 0), (0, 0)], "#") == [["#"], ["."], ["#"]]
assert make_grid(1, 0) == [[]]
grid = paint(make_grid(2, 2), [(1, 1)], 1)
assert grid[0] == [0, 0]
