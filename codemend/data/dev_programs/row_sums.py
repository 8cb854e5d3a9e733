def row_sums(grid):
    """The sum of each row of a grid (a list of lists of numbers)."""
    sums = []
    for row in grid:
        total = 0
        for cell in row:
            total += cell
        sums.append(total)
    return sums


def largest_row(grid):
    """Index of the row with the largest sum (the first of equal ones); None for an empty grid."""
    sums = row_sums(grid)
    return sums.index(max(sums)) if sums else None


# --- tests ---
assert row_sums([[1, 2], [3, 4], []]) == [3, 7, 0]
assert row_sums([]) == []
assert largest_row([[1, 1], [5], [2, 3]]) == 1
assert largest_row([[2], [1, 1]]) == 0
assert largest_row([]) is None
assert row_sums([[1.5, 1.5], [-2]]) == [3.0, -2]
