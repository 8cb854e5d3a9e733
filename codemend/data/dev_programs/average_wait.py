def average_wait(customers):
    """Average waiting time of customers at a single-server FIFO queue.

    customers is a list of (arrival_time, service_time) pairs in any order;
    they are served by arrival time (ties keep input order). A customer
    waits from arrival until service starts. Returns 0.0 for no customers
    and raises ValueError for a negative service time.
    """
    if not customers:
        return 0.0
    ordered = sorted(customers, key=lambda pair: pair[0])
    clock = ordered[0][0]
    total_wait = 0
    for arrival, service in ordered:
        if service < 0:
            raise ValueError("negative service time")
        start = max(clock, arrival)
        total_wait += start - arrival
        clock = start + service
    return total_wait / len(ordered)


# --- tests ---
assert average_wait([]) == 0.0
assert average_wait([(0, 5)]) == 0.0
assert average_wait([(3, 0)]) == 0.0
assert average_wait([(0, 5), (0, 5)]) == 2.5
assert average_wait([(0, 3), (1, 2)]) == 1.0
assert average_wait([(0, 2), (5, 2)]) == 0.0
assert average_wait([(0, 2), (2, 2)]) == 0.0
assert average_wait([(0, 3), (2, 1)]) == 0.5
assert average_wait([(1, 2), (0, 3)]) == 1.0
assert average_wait([(0, 4), (1, 1), (2, 1)]) == 2.0
assert average_wait([(0, 1), (10, 4), (11, 1), (12, 1)]) == 1.5
assert average_wait([(-5, 2), (-4, 1)]) == 0.5
assert average_wait([(0, 0), (0, 0), (0, 7)]) == 0.0
assert average_wait([(0, 7), (0, 0), (0, 0)]) == 14 / 3
assert average_wait([(2, 1), (2, 4), (2, 2), (3, 1)]) == 3.0
try:
    average_wait([(0, 1), (1, -1)])
except ValueError:
    pass
else:
    assert False, "negative service time must raise ValueError"
