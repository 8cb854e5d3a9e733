from collections import deque

MOVES = [(1, 2), (2, 1), (2, -1), (1, -2), (-1, -2), (-2, -1), (-2, 1), (-1, 2)]


def on_board(square, size):
    """True when square (col, row) lies on a size x size board."""
    col, row = square
    return 0 <= col < size and 0 <= row < size


def knight_distance(start, target, size=8):
    """Fewest knight moves from start to target (col, row squares); -1 when unreachable."""
    if not on_board(start, size) or not on_board(target, size):
        raise ValueError("square off the board")
    seen = {start: 0}
    queue = deque([start])
    while queue:
        square = queue.popleft()
        if square == target:
            return seen[square]
        col, row = square
        for dc, dr in MOVES:
            nxt = (col + dc, row + dr)
            if on_board(nxt, size) and nxt not in seen:
                seen[nxt] = seen[square] + 1
                queue.append(nxt)
    return -1


# --- tests ---
assert knight_distance((0, 0), (0, 0)) == 0
assert knight_distance((0, 0), (1, 2)) == 1
assert knight_distance((0, 0), (2, 1)) == 1
assert knight_distance((4, 3), (5, 5)) == 1
assert knight_distance((4, 3), (2, 2)) == 1
assert knight_distance((0, 0), (7, 7)) == 6
assert knight_distance((7, 7), (0, 0)) == 6
assert knight_distance((0, 0), (1, 1)) == 4
assert knight_distance((7, 0), (6, 1)) == 4
assert knight_distance((3, 3), (4, 4)) == 2
assert knight_distance((0, 0), (0, 1)) == 3
assert knight_distance((0, 0), (2, 2)) == 4
assert knight_distance((0, 0), (1, 1), size=3) == -1
assert knight_distance((0, 0), (2, 1), size=3) == 1
assert knight_distance((0, 0), (2, 2), size=3) == 4
assert knight_distance((0, 0), (0, 0), size=1) == 0
errors = 0
for bad in [((8, 0), (0, 0)), ((0, 0), (0, 8)), ((-1, 0), (0, 0)), ((0, 0), (0, -1))]:
    try:
        knight_distance(*bad)
    except ValueError:
        errors += 1
assert errors == 4
