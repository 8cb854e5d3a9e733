def is_even(number):
    """True for even integers, including zero and negative ones."""
    return number % 2 == 0


def evens_before_odds(values, key=None):
    """New list with the even items first, then the odd ones, each group in input order.

    When key is given, parity is decided by key(item) instead of the item itself."""
    evens, odds = [], []
    for item in values:
        number = item if key is None else key(item)
        if is_even(number):
            evens.append(item)
        else:
            odds.append(item)
    return evens + odds


# --- tests ---
assert evens_before_odds([]) == []
assert evens_before_odds([1]) == [1]
assert evens_before_odds([2]) == [2]
assert evens_before_odds([0]) == [0]
assert evens_before_odds([1, 2, 3, 4]) == [2, 4, 1, 3]
assert evens_before_odds([3, 1, 2]) == [2, 3, 1]
assert evens_before_odds([2, 4, 6]) == [2, 4, 6]
assert evens_before_odds([5, 3, 1]) == [5, 3, 1]
assert evens_before_odds([-1, -2, 0, 7]) == [-2, 0, -1, 7]
assert evens_before_odds([1, 2, 1, 2]) == [2, 2, 1, 1]
assert evens_before_odds(["a", "bb", "ccc", "dd"], key=len) == ["bb", "dd", "a", "ccc"]
pairs = [(1, "x"), (2, "y"), (3, "z"), (4, "w"), (6, "v")]
assert evens_before_odds(pairs, lambda p: p[0]) == [(2, "y"), (4, "w"), (6, "v"), (1, "x"), (3, "z")]
data = [3, 2]
assert evens_before_odds(data) == [2, 3] and data == [3, 2]
assert evens_before_odds(iter([1, 2])) == [2, 1]
assert evens_before_odds(range(7)) == [0, 2, 4, 6, 1, 3, 5]
