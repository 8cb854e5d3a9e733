def flood_fill(grid, row, col, new_char):
    """Return a copy of grid (a list of strings) in which the 4-connected
    region of equal characters containing (row, col) is repainted with
    new_char. An out-of-range start leaves the grid unchanged; rows may
    have different lengths. The input list is not modified.
    """
    cells = [list(line) for line in grid]
    if not (0 <= row < len(cells) and 0 <= col < len(cells[row])):
        return ["".join(line) for line in cells]
    target = cells[row][col]
    seen = set()
    stack = [(row, col)]
    while stack:
        r, c = stack.pop()
        if r < 0 or r >= len(cells) or c < 0 or c >= len(cells[r]):
            continue
        if (r, c) in seen or cells[r][c] != target:
            continue
        seen.add((r, c))
        cells[r][c] = new_char
        stack.extend([(r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)])
    return ["".join(line) for line in cells]


# --- tests ---
assert flood_fill([], 0, 0, "x") == []
assert flood_fill(["a"], 0, 0, "b") == ["b"]
assert flood_fill(["a"], 0, 0, "a") == ["a"]
grid = ["..#", ".##", "#.."]
assert flood_fill(grid, 0, 0, "o") == ["oo#", "o##", "#.."]
assert grid == ["..#", ".##", "#.."]
assert flood_fill(grid, 2, 2, "o") == ["..#", ".##", "#oo"]
assert flood_fill(grid, 0, 2, "*") == ["..*", ".**", "#.."]
assert flood_fill(grid, 1, 1, "#") == grid
assert flood_fill(grid, 3, 0, "o") == grid
assert flood_fill(grid, -1, 0, "o") == grid
assert flood_fill(grid, 0, -1, "o") == grid
assert flood_fill(grid, 0, 3, "o") == grid
assert flood_fill(["aaa", "aba", "aaa"], 1, 1, "c") == ["aaa", "aca", "aaa"]
assert flood_fill(["aaa", "aba", "aaa"], 0, 0, "c") == ["ccc", "cbc", "ccc"]
assert flood_fill(["ab", "ba"], 0, 0, "x") == ["xb", "ba"]
assert flood_fill(["b.", "b."], 1, 1, "x") == ["bx", "bx"]
assert flood_fill(["..", "."], 0, 1, "x") == ["xx", "x"]
assert flood_fill([".", ".."], 1, 1, "x") == ["x", "xx"]
assert flood_fill(["#.", ".."], 1, 0, "x") == ["#x", "xx"]
assert flood_fill([".#", "#.", ".#"], 0, 0, "x") == ["x#", "#.", ".#"]
assert flood_fill([".#."], 0, 0, "x") == ["x#."]
