def fibonacci(n):
    """The n-th Fibonacci number, with fibonacci(0) == 0 and fibonacci(1) == 1."""
    if n < 0:
        raise ValueError("n must be >= 0")
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


# --- tests ---
assert fibonacci(0) == 0
assert fibonacci(1) == 1
assert fibonacci(2) == 1
assert fibonacci(3) == 2
assert fibonacci(4) == 3
assert fibonacci(5) == 5
assert fibonacci(10) == 55
assert fibonacci(20) == 6765
assert fibonacci(90) == 2880067194370816120
assert [fibonacci(n) for n in range(8)] == [0, 1, 1, 2, 3, 5, 8, 13]
try:
    fibonacci(-1)
except ValueError:
    pass
else:
    raise AssertionError("negative n should raise ValueError")
