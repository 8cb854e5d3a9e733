def gray_decode(code):
    """The integer whose reflected Gray code is code."""
    value = 0
    while code:
        value ^= code
        code >>= 1
    return value


def gray_code(bits):
    """The bits-bit reflected Gray code sequence, starting at 0."""
    if bits < 0:
        raise ValueError("bits must be >= 0")
    return [i ^ (i >> 1) for i in range(1 << bits)]


# --- tests ---
assert gray_code(0) == [0]
assert gray_code(1) == [0, 1]
assert gray_code(2) == [0, 1, 3, 2]
assert gray_code(3) == [0, 1, 3, 2, 6, 7, 5, 4]
codes = gray_code(6)
assert len(codes) == 64 and sorted(codes) == list(range(64))
assert all(bin(a ^ b).count("1") == 1 for a, b in zip(codes, codes[1:]))
assert gray_decode(0) == 0
assert gray_decode(1) == 1
assert gray_decode(3) == 2
assert gray_decode(2) == 3
assert [gray_decode(code) for code in gray_code(5)] == list(range(32))
try:
    gray_code(-1)
except ValueError:
    pass
else:
    raise AssertionError("negative width should raise ValueError")
