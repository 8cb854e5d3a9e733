NUMERALS = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]


def to_roman(number):
    """Roman numeral for 1 <= number <= 3999."""
    if not 0 < number < 4000:
        raise ValueError("roman numerals cover 1..3999")
    parts = []
    for value, numeral in NUMERALS:
        count, number = divmod(number, value)
        parts.append(numeral * count)
    return "".join(parts)


# --- tests ---
assert to_roman(1) == "I"
assert to_roman(3) == "III"
assert to_roman(4) == "IV"
assert to_roman(9) == "IX"
assert to_roman(14) == "XIV"
assert to_roman(40) == "XL"
assert to_roman(90) == "XC"
assert to_roman(400) == "CD"
assert to_roman(1994) == "MCMXCIV"
assert to_roman(2024) == "MMXXIV"
assert to_roman(3999) == "MMMCMXCIX"
assert to_roman(444) == "CDXLIV"
for bad in (0, 4000, -1):
    try:
        to_roman(bad)
    except ValueError:
        pass
    else:
        raise AssertionError(f"{bad} should be rejected")
assert [to_roman(n) for n in (5, 8, 50, 60, 100, 300, 500, 800)] == ["V", "VIII", "L", "LX", "C", "CCC", "D", "DCCC"]
