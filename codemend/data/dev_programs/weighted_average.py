def weighted_average(values, weights):
    """Return sum(v * w) / sum(w) as a float.

    Raises ValueError when the lists are empty, have different lengths,
    contain a negative weight, or when the weights sum to zero.
    """
    if not values:
        raise ValueError("no values")
    if len(values) != len(weights):
        raise ValueError("length mismatch")
    total = 0.0
    weight_sum = 0.0
    for value, weight in zip(values, weights):
        if weight < 0:
            raise ValueError("negative weight")
        total += value * weight
        weight_sum += weight
    if weight_sum == 0:
        raise ValueError("weights sum to zero")
    return total / weight_sum


# --- tests ---
import math


def raises(values, weights):
    try:
        weighted_average(values, weights)
    except ValueError:
        return True
    return False


assert weighted_average([1, 2, 3], [1, 1, 1]) == 2.0
assert weighted_average([10, 20], [1, 3]) == 17.5
assert weighted_average([20, 10], [1, 3]) == 12.5
assert weighted_average([5], [2]) == 5.0
assert weighted_average([1, 100], [1, 0]) == 1.0
assert weighted_average([-2, 4], [1, 1]) == 1.0
assert math.isclose(weighted_average([0.5, 1.5], [3, 1]), 0.75)
assert isinstance(weighted_average([1, 3], [1, 1]), float)
assert raises([], [])
assert raises([1], [])
assert raises([1, 2], [1])
assert raises([1], [1, 2])
assert raises([1, 2], [0, 0])
assert raises([1, 2], [-1, 2])
assert raises([1, 2], [2, -1])
assert not raises([1, 2], [0, 2])
