def knapsack(capacity, items):
    """Largest total value of (weight, value) items, each used at most once, weighing <= capacity."""
    best = [0] * (capacity + 1)
    for weight, value in items:
        for room in range(capacity, weight - 1, -1):
            best[room] = max(best[room], best[room - weight] + value)
    return best[capacity]


# --- tests ---
assert knapsack(0, []) == 0
assert knapsack(10, []) == 0
assert knapsack(0, [(1, 5)]) == 0
assert knapsack(1, [(1, 5)]) == 5
assert knapsack(4, [(5, 10)]) == 0
assert knapsack(5, [(5, 10)]) == 10
assert knapsack(10, [(5, 10), (4, 40), (6, 30), (3, 50)]) == 90
assert knapsack(50, [(10, 60), (20, 100), (30, 120)]) == 220
assert knapsack(6, [(2, 3)]) == 3
assert knapsack(7, [(3, 4), (4, 5), (2, 3)]) == 9
assert knapsack(3, [(1, 1), (1, 1), (1, 1), (1, 1)]) == 3
assert knapsack(8, [(8, 9), (4, 5), (4, 5)]) == 10
