def staircase_ways(n, memo=None):
    """Number of ways to climb n steps taking 1, 2 or 3 steps at a time.

    Results are memoized in the plain dict memo (a fresh one when omitted),
    which callers may pass in to share or inspect the cache."""
    if n < 0:
        return 0
    if n == 0:
        return 1
    if memo is None:
        memo = {}
    if n in memo:
        return memo[n]
    result = 0
    for step in (1, 2, 3):
        result += staircase_ways(n - step, memo)
    memo[n] = result
    return result


# --- tests ---
assert staircase_ways(3, {3: 0}) == 0
assert staircase_ways(5, {4: 100, 3: 4, 2: 2}) == 106
assert staircase_ways(-1) == 0
assert staircase_ways(0) == 1
assert staircase_ways(1) == 1
assert staircase_ways(2) == 2
assert staircase_ways(3) == 4
assert staircase_ways(4) == 7
assert staircase_ways(5) == 13
assert staircase_ways(10) == 274
cache = {}
assert staircase_ways(6, cache) == 24
assert cache == {1: 1, 2: 2, 3: 4, 4: 7, 5: 13, 6: 24}
a, b, c = 0, 0, 1
for i in range(31):
    assert staircase_ways(i) == c
    a, b, c = b, c, a + b + c
assert staircase_ways(60, cache) == staircase_ways(60)
assert staircase_ways(20) == 121415
