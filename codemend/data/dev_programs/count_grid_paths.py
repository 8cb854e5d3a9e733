def count_grid_paths(grid):
    """Number of right/down paths from the top-left to the bottom-right cell.

    grid is a list of equal-length rows of 0 (free) and 1 (obstacle);
    a path may not enter an obstacle, including the start and end cells."""
    if not grid or not grid[0]:
        return 0
    cols = len(grid[0])
    for row in grid:
        if len(row) != cols:
            raise ValueError("rows must have equal length")
    ways = [0] * cols
    ways[0] = 1
    for row in grid:
        for c in range(cols):
            if row[c] == 1:
                ways[c] = 0
            elif c > 0:
                ways[c] += ways[c - 1]
    return ways[-1]


# --- tests ---
assert count_grid_paths([]) == 0
assert count_grid_paths([[]]) == 0
assert count_grid_paths([[0]]) == 1
assert count_grid_paths([[1]]) == 0
assert count_grid_paths([[0, 0], [0, 0]]) == 2
assert count_grid_paths([[0, 0, 0], [0, 0, 0]]) == 3
assert count_grid_paths([[0] * 3 for _ in range(3)]) == 6
assert count_grid_paths([[0] * 4 for _ in range(4)]) == 20
assert count_grid_paths([[0, 0, 0], [0, 1, 0], [0, 0, 0]]) == 2
assert count_grid_paths([[1, 0], [0, 0]]) == 0
assert count_grid_paths([[0, 0], [0, 1]]) == 0
assert count_grid_paths([[0, 0, 0]]) == 1 and count_grid_paths([[0, 1, 0]]) == 0
assert count_grid_paths([[0], [0], [0]]) == 1 and count_grid_paths([[0], [1], [0]]) == 0
assert count_grid_paths([[0, 0, 0], [1, 1, 0], [0, 0, 0]]) == 1
assert count_grid_paths([[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]]) == 4
assert count_grid_paths([[0, 1, 0], [0, 0, 0], [0, 0, 0]]) == 3
try:
    count_grid_paths([[0, 0], [0]])
    ragged_ok = True
except ValueError:
    ragged_ok = False
assert not ragged_ok
try:
    count_grid_paths([[0], []])
    ragged_ok = True
except ValueError:
    ragged_ok = False
assert not ragged_ok
