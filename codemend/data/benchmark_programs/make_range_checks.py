def make_range_checks(bounds):
    """One predicate per (low, high) pair: check(value) is True for low <= value <= high."""

    def between(low, high):
        return lambda value: low <= value <= high

    return [between(low, high) for low, high in bounds]


# --- tests ---
assert make_range_checks([]) == []
checks = make_range_checks([(0, 9), (10, 19), (20, 29)])
assert len(checks) == 3
assert checks[0](0) and checks[0](9) and not checks[0](10)
assert checks[1](10) and checks[1](19) and not checks[1](9) and not checks[1](20)
assert checks[2](25) and not checks[2](30)
assert [check(15) for check in checks] == [False, True, False]
assert [check(5) for check in checks] == [True, False, False]
single = make_range_checks([(-1, 1)])[0]
assert single(0) and single(-1) and not single(2)
