def coin_change(coins, amount):
    """Fewest coins (any number of each value in coins) summing to amount, or -1 if impossible."""
    fewest = [0] + [float("inf")] * amount
    for total in range(1, amount + 1):
        for coin in coins:
            if coin <= total and fewest[total - coin] + 1 < fewest[total]:
                fewest[total] = fewest[total - coin] + 1
    return fewest[amount] if fewest[amount] != float("inf") else -1


# --- tests ---
assert coin_change([1], 0) == 0
assert coin_change([], 0) == 0
assert coin_change([], 3) == -1
assert coin_change([2], 3) == -1
assert coin_change([1], 1) == 1
assert coin_change([1], 7) == 7
assert coin_change([1, 2, 5], 11) == 3
assert coin_change([1, 3, 4], 6) == 2
assert coin_change([5, 3], 7) == -1
assert coin_change([5, 3], 9) == 3
assert coin_change([2, 5, 10, 1], 27) == 4
assert coin_change([7, 2], 14) == 2
assert coin_change([186, 419, 83, 408], 6249) == 20
