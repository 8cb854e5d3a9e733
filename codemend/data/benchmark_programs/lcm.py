def gcd(a, b):
    """Greatest common divisor of two integers (never negative)."""
    while b:
        a, b = b, a % b
    return abs(a)


def lcm(a, b):
    """Least common multiple of two integers; 0 when either is 0."""
    if a == 0 or b == 0:
        return 0
    return abs(a * b) // gcd(a, b)


# --- tests ---
assert gcd(0, 0) == 0
assert gcd(7, 0) == 7
assert gcd(0, 7) == 7
assert gcd(12, 18) == 6
assert gcd(18, 12) == 6
assert gcd(17, 5) == 1
assert gcd(-12, 18) == 6
assert gcd(1071, 462) == 21
assert lcm(0, 5) == 0
assert lcm(5, 0) == 0
assert lcm(4, 6) == 12
assert lcm(6, 4) == 12
assert lcm(7, 3) == 21
assert lcm(-4, 6) == 12
assert lcm(21, 6) == 42
assert lcm(9, 9) == 9
assert gcd(-12, 0) == 12
assert lcm(0, 0) == 0
assert lcm(2 ** 61 - 1, 2 ** 31 - 1) == (2 ** 61 - 1) * (2 ** 31 - 1)
