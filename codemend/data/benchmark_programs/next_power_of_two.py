def is_power_of_two(n):
    """True for 1, 2, 4, 8, ...: exactly one bit set."""
    return n > 0 and n & (n - 1) == 0


def next_power_of_two(n):
    """Smallest power of two >= n (1 for n <= 1)."""
    if n <= 1:
        return 1
    if is_power_of_two(n):
        return n
    return 1 << n.bit_length()


# --- tests ---
assert is_power_of_two(1) and is_power_of_two(2) and is_power_of_two(1024)
assert not is_power_of_two(0) and not is_power_of_two(-4)
assert not is_power_of_two(3) and not is_power_of_two(6) and not is_power_of_two(1023)
assert next_power_of_two(-5) == 1
assert next_power_of_two(0) == 1
assert next_power_of_two(1) == 1
assert next_power_of_two(2) == 2
assert next_power_of_two(3) == 4
assert next_power_of_two(4) == 4
assert next_power_of_two(5) == 8
assert next_power_of_two(17) == 32
assert next_power_of_two(1000) == 1024
assert next_power_of_two(2 ** 40 + 1) == 2 ** 41
