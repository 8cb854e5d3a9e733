def digit_sum(n):
    """Sum of the decimal digits of the integer n (the sign is ignored)."""
    n = abs(n)
    total = 0
    while n > 0:
        total += n % 10
        n //= 10
    return total


def digital_root(n):
    """Repeat digit_sum on n until a single digit remains (sign ignored)."""
    n = abs(n)
    while n >= 10:
        n = digit_sum(n)
    return n


# --- tests ---
assert digit_sum(0) == 0
assert digit_sum(7) == 7
assert digit_sum(10) == 1
assert digit_sum(99) == 18
assert digit_sum(12345) == 15
assert digit_sum(-409) == 13
assert digit_sum(1000001) == 2
assert digital_root(0) == 0
assert digital_root(9) == 9
assert digital_root(10) == 1
assert digital_root(18) == 9
assert digital_root(19) == 1
assert digital_root(99) == 9
assert digital_root(493193) == 2
assert digital_root(-38) == 2
assert digital_root(-5) == 5
assert digital_root(999999999999) == 9
assert digital_root(123456789) == 9
