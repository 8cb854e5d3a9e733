"""A small module with one bug, for `codemend fix examples/buggy_stats.py` (used by `make demo`)."""


def mean(values):
    total = 0
    for value in values:
        total += value
    return total / len(values)


def variance(values):
    m = mean(values)
    return sum((v - m) ** 2 for v in values) / len(values)


def max_index(items):
    best = 0
    for i in range(1, len(items)):
        if items[i] < items[best]:
            best = i
    return best
