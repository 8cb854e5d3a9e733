def count_change_ways(coins, amount):
    """Number of ways to make amount from coins of the given values, ignoring order."""
    ways = [1] + [0] * amount
    for coin in coins:
        for total in range(coin, amount + 1):
            ways[total] += ways[total - coin]
    return ways[amount]


# --- tests ---
assert count_change_ways([], 0) == 1
assert count_change_ways([1, 2], 0) == 1
assert count_change_ways([], 5) == 0
assert count_change_ways([2], 3) == 0
assert count_change_ways([2], 4) == 1
assert count_change_ways([1, 2], 4) == 3
assert count_change_ways([1, 2, 5], 5) == 4
assert count_change_ways([2, 5, 3, 6], 10) == 5
assert count_change_ways([1, 5, 10, 25, 50], 100) == 292
assert count_change_ways([3], 9) == 1
assert count_change_ways([5, 1], 6) == 2
