def count_bits(n):
    """Number of 1 bits of a non-negative integer; each step clears the lowest set bit."""
    if n < 0:
        raise ValueError("n must be >= 0")
    count = 0
    while n:
        n &= n - 1
        count += 1
    return count


# --- tests ---
assert count_bits(0) == 0
assert count_bits(1) == 1
assert count_bits(2) == 1
assert count_bits(3) == 2
assert count_bits(7) == 3
assert count_bits(8) == 1
assert count_bits(255) == 8
assert count_bits(256) == 1
assert count_bits(0b1011_0110) == 5
assert count_bits(2 ** 64 - 1) == 64
assert all(count_bits(n) == bin(n).count("1") for n in range(200))
try:
    count_bits(-1)
except ValueError:
    pass
else:
    raise AssertionError("negative input should raise ValueError")
