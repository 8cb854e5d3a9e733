VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def from_roman(text):
    """Integer value of a well-formed roman numeral."""
    total = 0
    for i, char in enumerate(text):
        value = VALUES[char]
        if i + 1 < len(text) and VALUES[text[i + 1]] > value:
            total -= value
        else:
            total += value
    return total


# --- tests ---
assert from_roman("") == 0
assert from_roman("I") == 1
assert from_roman("III") == 3
assert from_roman("IV") == 4
assert from_roman("VI") == 6
assert from_roman("IX") == 9
assert from_roman("XL") == 40
assert from_roman("XC") == 90
assert from_roman("CD") == 400
assert from_roman("MCMXCIV") == 1994
assert from_roman("MMMCMXCIX") == 3999
assert from_roman("LVIII") == 58
assert from_roman("CDXLIV") == 444
