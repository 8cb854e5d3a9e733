def integer_sqrt(n):
    """Largest integer r with r * r <= n (Newton's method on integers), for n >= 0."""
    if n < 0:
        raise ValueError("square root of a negative number")
    if n < 2:
        return n
    x = n
    y = (x + 1) // 2
    while y < x:
        x = y
        y = (x + n // x) // 2
    return x


# --- tests ---
import math

assert integer_sqrt(0) == 0
assert integer_sqrt(1) == 1
assert integer_sqrt(2) == 1
assert integer_sqrt(3) == 1
assert integer_sqrt(4) == 2
assert integer_sqrt(8) == 2
assert integer_sqrt(9) == 3
assert integer_sqrt(99) == 9
assert integer_sqrt(100) == 10
assert all(integer_sqrt(n) == math.isqrt(n) for n in range(300))
assert integer_sqrt(10 ** 34 - 1) == 10 ** 17 - 1
assert integer_sqrt(10 ** 34) == 10 ** 17
try:
    integer_sqrt(-1)
except ValueError:
    pass
else:
    raise AssertionError("negative input should raise ValueError")
