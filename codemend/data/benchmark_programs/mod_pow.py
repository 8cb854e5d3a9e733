def mod_pow(base, exponent, modulus):
    """base ** exponent % modulus by repeated squaring, for exponent >= 0 and modulus >= 1."""
    if modulus == 1:
        return 0
    result = 1
    base %= modulus
    while exponent > 0:
        if exponent & 1:
            result = result * base % modulus
        base = base * base % modulus
        exponent >>= 1
    return result


# --- tests ---
assert mod_pow(2, 0, 7) == 1
assert mod_pow(2, 0, 1) == 0
assert mod_pow(5, 3, 1) == 0
assert mod_pow(2, 1, 7) == 2
assert mod_pow(2, 10, 1000) == 24
assert mod_pow(3, 4, 5) == 1
assert mod_pow(3, 5, 7) == 5
assert mod_pow(10, 9, 6) == 4
assert mod_pow(7, 13, 11) == pow(7, 13, 11)
assert mod_pow(123456789, 987654321, 1000000007) == pow(123456789, 987654321, 1000000007)
assert mod_pow(-2, 3, 5) == 2
assert all(mod_pow(b, e, 13) == pow(b, e, 13) for b in range(6) for e in range(9))
