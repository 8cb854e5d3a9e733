def clamp(value, low, high):
    """Limit value to the closed interval [low, high].

    Raises ValueError when low is greater than high.
    """
    if low > high:
        raise ValueError("low must not exceed high")
    return max(low, min(value, high))


def min_max_normalize(values, low=None, high=None):
    """Min-max scale values to floats in [0, 1].

    low and high default to the minimum and maximum of values; values
    outside [low, high] are clamped first. When low == high (for example a
    constant list) every result is 0.0. An empty list gives [].
    """
    if not values:
        return []
    if low is None:
        low = min(values)
    if high is None:
        high = max(values)
    span = high - low
    result = []
    for value in values:
        if span == 0:
            result.append(0.0)
        else:
            result.append((clamp(value, low, high) - low) / span)
    return result


# --- tests ---
assert clamp(5, 0, 10) == 5
assert clamp(-3, 0, 10) == 0
assert clamp(12, 0, 10) == 10
assert clamp(0, 0, 0) == 0
assert min_max_normalize([]) == []
assert min_max_normalize([7]) == [0.0]
assert min_max_normalize([4, 4, 4]) == [0.0, 0.0, 0.0]
assert min_max_normalize([0, 5, 10]) == [0.0, 0.5, 1.0]
assert min_max_normalize([10, 0, 5]) == [1.0, 0.0, 0.5]
assert min_max_normalize([2, 3, 4, 6]) == [0.0, 0.25, 0.5, 1.0]
assert min_max_normalize([-4, 0, 4]) == [0.0, 0.5, 1.0]
assert min_max_normalize([0, 5, 20], high=10) == [0.0, 0.5, 1.0]
assert min_max_normalize([-10, 2, 6], low=2) == [0.0, 0.0, 1.0]
assert min_max_normalize([1, 3, 5], low=1, high=9) == [0.0, 0.25, 0.5]
assert min_max_normalize([1, 2], low=3, high=3) == [0.0, 0.0]
assert min_max_normalize([5, 6], 4, 8) == [0.25, 0.5]
for bad in ((0, 10, 0), (1, 1, 0)):
    try:
        clamp(*bad)
    except ValueError:
        pass
    else:
        assert False, "low > high must raise ValueError"
try:
    min_max_normalize([1, 2], low=5, high=1)
except ValueError:
    pass
else:
    assert False, "low > high must raise ValueError"
