def count_islands(grid):
    """Number of groups of '#' cells joined up, down, left or right, in a list of equal-length rows."""
    rows = len(grid)
    cols = len(grid[0]) if rows else 0
    seen = set()
    islands = 0
    for r in range(rows):
        for c in range(cols):
            if grid[r][c] != "#" or (r, c) in seen:
                continue
            islands += 1
            stack = [(r, c)]
            seen.add((r, c))
            while stack:
                y, x = stack.pop()
                for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                    if 0 <= ny < rows and 0 <= nx < cols and grid[ny][nx] == "#" and (ny, nx) not in seen:
                        seen.add((ny, nx))
                        stack.append((ny, nx))
    return islands


# --- tests ---
assert count_islands([]) == 0
assert count_islands(["."]) == 0
assert count_islands(["#"]) == 1
assert count_islands(["##", "##"]) == 1
assert count_islands(["#.", ".#"]) == 2
assert count_islands(["#.#", "...", "#.#"]) == 4
assert count_islands(["###", "#.#", "###"]) == 1
assert count_islands(["#..#", "#..#", "####"]) == 1
assert count_islands(["..#", "..#", "##."]) == 2
assert count_islands(["#....", ".....", "....#"]) == 2
assert count_islands([".#.", "###", ".#."]) == 1
assert count_islands(["#.##.#"]) == 3
assert count_islands(["#", ".", "#", "#"]) == 2
