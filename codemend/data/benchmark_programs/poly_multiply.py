def poly_multiply(p, q):
    """Product of two polynomials given as coefficient lists, lowest power first."""
    if not p or not q:
        return []
    product = [0] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            product[i + j] += a * b
    return product


# --- tests ---
assert poly_multiply([], [1, 2]) == []
assert poly_multiply([1, 2], []) == []
assert poly_multiply([3], [4]) == [12]
assert poly_multiply([1, 1], [1, 1]) == [1, 2, 1]
assert poly_multiply([1, 1], [-1, 1]) == [-1, 0, 1]
assert poly_multiply([0, 1], [0, 0, 1]) == [0, 0, 0, 1]
assert poly_multiply([2, 0, 3], [1, 4]) == [2, 8, 3, 12]
assert poly_multiply([1, 4], [2, 0, 3]) == [2, 8, 3, 12]
assert poly_multiply([1, 2, 3], [4, 5, 6]) == [4, 13, 28, 27, 18]
assert poly_multiply([5], [1, -1, 2]) == [5, -5, 10]
