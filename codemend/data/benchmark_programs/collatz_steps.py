def collatz_steps(n):
    """Steps of n -> n / 2 (even) or 3n + 1 (odd) until reaching 1, for n >= 1."""
    if n < 1:
        raise ValueError("n must be >= 1")
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n //= 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


# --- tests ---
assert collatz_steps(1) == 0
assert collatz_steps(2) == 1
assert collatz_steps(3) == 7
assert collatz_steps(4) == 2
assert collatz_steps(6) == 8
assert collatz_steps(7) == 16
assert collatz_steps(16) == 4
assert collatz_steps(27) == 111
assert collatz_steps(97) == 118
for bad in (0, -4):
    try:
        collatz_steps(bad)
    except ValueError:
        pass
    else:
        raise AssertionError(f"{bad} should be rejected")
