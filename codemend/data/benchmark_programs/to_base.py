DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def to_base(number, base):
    """number written in base 2..36 with lowercase digits, and a leading '-' when negative."""
    if not 2 <= base <= 36:
        raise ValueError("base must be in 2..36")
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    number = abs(number)
    digits = []
    while number:
        number, remainder = divmod(number, base)
        digits.append(DIGITS[remainder])
    return sign + "".join(reversed(digits))


# --- tests ---
assert to_base(0, 2) == "0"
assert to_base(1, 2) == "1"
assert to_base(2, 2) == "10"
assert to_base(5, 2) == "101"
assert to_base(255, 16) == "ff"
assert to_base(256, 16) == "100"
assert to_base(-255, 16) == "-ff"
assert to_base(35, 36) == "z"
assert to_base(36, 36) == "10"
assert to_base(100, 10) == "100"
assert to_base(8, 8) == "10"
assert to_base(123456789, 7) == "3026236221"
assert all(int(to_base(n, b), b) == n for n in range(-50, 50) for b in (2, 3, 9, 17, 36))
for bad in (1, 37, 0):
    try:
        to_base(10, bad)
    except ValueError:
        pass
    else:
        raise AssertionError(f"base {bad} should be rejected")
