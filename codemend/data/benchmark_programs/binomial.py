def binomial(n, k):
    """Number of ways to choose k items out of n, computed exactly with integers."""
    if k < 0 or k > n:
        return 0
    k = min(k, n - k)
    result = 1
    for i in range(k):
        result = result * (n - i) // (i + 1)
    return result


# --- tests ---
assert binomial(0, 0) == 1
assert binomial(5, 0) == 1
assert binomial(5, 5) == 1
assert binomial(5, 1) == 5
assert binomial(5, 2) == 10
assert binomial(5, 3) == 10
assert binomial(10, 3) == 120
assert binomial(6, 3) == 20
assert binomial(5, 6) == 0
assert binomial(5, -1) == 0
assert binomial(52, 5) == 2598960
assert binomial(60, 30) == 118264581564861424
assert [binomial(4, k) for k in range(5)] == [1, 4, 6, 4, 1]
assert binomial(100, 50) == 100891344545564193334812497256
