def triangular(n):
    """The n-th triangular number: 0, 1, 3, 6, 10, ..."""
    return polygonal(3, n)


def pentagonal(n):
    """The n-th pentagonal number: 0, 1, 5, 12, 22, ..."""
    return polygonal(5, n)


def polygonal(sides, n):
    """Return the n-th s-gonal number ((s - 2) * n * n - (s - 4) * n) / 2.

    n counts from 0 (the 0th number is always 0). Raises ValueError when
    sides is below 3 or n is negative.
    """
    if sides < 3:
        raise ValueError("a polygon needs at least 3 sides")
    if n < 0:
        raise ValueError("n must be non-negative")
    return ((sides - 2) * n * n - (sides - 4) * n) // 2


# --- tests ---
def raises(sides, n):
    try:
        polygonal(sides, n)
    except ValueError:
        return True
    return False


assert [triangular(n) for n in range(6)] == [0, 1, 3, 6, 10, 15]
assert [pentagonal(n) for n in range(6)] == [0, 1, 5, 12, 22, 35]
assert [polygonal(4, n) for n in range(5)] == [0, 1, 4, 9, 16]
assert [polygonal(6, n) for n in range(5)] == [0, 1, 6, 15, 28]
assert polygonal(3, 0) == 0
assert polygonal(3, 1) == 1
assert polygonal(3, 2) == 3
assert polygonal(5, 2) == 5
assert polygonal(10, 3) == 27
assert triangular(100) == 5050
assert raises(2, 5)
assert raises(0, 1)
assert raises(3, -1)
assert not raises(3, 0)
