REQUESTS = 0
LAST_PATH = None


def log_request(path):
    """Count a request to path and remember it as the last one; return the count so far."""
    global REQUESTS, LAST_PATH
    if not path.startswith("/"):
        raise ValueError(f"not a path: {path!r}")
    REQUESTS += 1
    LAST_PATH = path
    return REQUESTS


def reset_log():
    global REQUESTS, LAST_PATH
    REQUESTS, LAST_PATH = 0, None


# --- tests ---
assert log_request("/") == 1
assert log_request("/about") == 2
assert LAST_PATH == "/about" and REQUESTS == 2
reset_log()
assert (REQUESTS, LAST_PATH) == (0, None)
assert log_request("/x") == 1
try:
    log_request("x")
    raise AssertionError("a path without a slash")
except ValueError:
    pass
assert REQUESTS == 1
