import math


def series_sum(step, limit):
    """Sum of the positive multiples of step that are strictly below limit."""
    if limit <= 0:
        return 0
    count = (limit - 1) // step
    return step * count * (count + 1) // 2


def sum_of_multiples(limit, first=3, second=5):
    """Sum of the natural numbers below limit divisible by first or by second."""
    if first <= 0 or second <= 0:
        raise ValueError("factors must be positive")
    both = first * second // math.gcd(first, second)
    return series_sum(first, limit) + series_sum(second, limit) - series_sum(both, limit)


# --- tests ---
assert series_sum(3, 10) == 18
assert series_sum(3, 9) == 9
assert series_sum(5, -7) == 0
assert sum_of_multiples(10) == 23
assert sum_of_multiples(0) == 0
assert sum_of_multiples(1) == 0
assert sum_of_multiples(3) == 0
assert sum_of_multiples(4) == 3
assert sum_of_multiples(6) == 8
assert sum_of_multiples(16) == 60
assert sum_of_multiples(1000) == 233168
assert sum_of_multiples(-5) == 0
assert all(sum_of_multiples(n) == sum(i for i in range(n) if i % 3 == 0 or i % 5 == 0) for n in range(60))
assert sum_of_multiples(10, 2, 4) == 20
assert sum_of_multiples(20, 4, 6) == 64
assert sum_of_multiples(20, 6, 4) == 64
assert sum_of_multiples(7, 1, 1) == 21
assert sum_of_multiples(8, 7, 2) == 19
errors = 0
for factors in [(0, 5), (3, 0), (-3, 5), (3, -5)]:
    try:
        sum_of_multiples(10, *factors)
    except ValueError:
        errors += 1
assert errors == 4
