def prime_factors(n):
    """Prime factors of n >= 1 in ascending order, repeated by multiplicity."""
    factors = []
    divisor = 2
    while divisor * divisor <= n:
        while n % divisor == 0:
            factors.append(divisor)
            n //= divisor
        divisor += 1
    if n > 1:
        factors.append(n)
    return factors


# --- tests ---
assert prime_factors(1) == []
assert prime_factors(2) == [2]
assert prime_factors(3) == [3]
assert prime_factors(4) == [2, 2]
assert prime_factors(6) == [2, 3]
assert prime_factors(9) == [3, 3]
assert prime_factors(12) == [2, 2, 3]
assert prime_factors(25) == [5, 5]
assert prime_factors(97) == [97]
assert prime_factors(360) == [2, 2, 2, 3, 3, 5]
assert prime_factors(2 * 3 * 5 * 7 * 11 * 13) == [2, 3, 5, 7, 11, 13]
assert prime_factors(1024) == [2] * 10
assert prime_factors(999983 * 2) == [2, 999983]
