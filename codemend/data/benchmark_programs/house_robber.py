def house_robber(values):
    """Largest sum of values with no two chosen values next to each other."""
    take, skip = 0, 0
    for value in values:
        take, skip = skip + value, max(take, skip)
    return max(take, skip)


# --- tests ---
assert house_robber([]) == 0
assert house_robber([7]) == 7
assert house_robber([1, 2]) == 2
assert house_robber([2, 1]) == 2
assert house_robber([1, 2, 3, 1]) == 4
assert house_robber([2, 7, 9, 3, 1]) == 12
assert house_robber([2, 1, 1, 2]) == 4
assert house_robber([5, 5, 10, 100, 10, 5]) == 110
assert house_robber([0, 0, 0]) == 0
assert house_robber([4, 1, 2, 7, 5, 3, 1]) == 14
assert house_robber([10, 1, 1, 10, 1]) == 20
