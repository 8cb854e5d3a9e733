def isbn10_valid(code):
    """True when code is a valid ISBN-10.

    Hyphens and spaces are ignored. Exactly ten characters must remain: nine
    digits followed by a digit or 'X'/'x' (worth 10). The weighted sum
    10*d1 + 9*d2 + ... + 1*d10 must be divisible by 11.
    """
    chars = [ch for ch in code if ch not in "- "]
    if len(chars) != 10:
        return False
    total = 0
    for position, ch in enumerate(chars):
        weight = 10 - position
        if "0" <= ch <= "9":
            value = int(ch)
        elif ch in "Xx" and position == 9:
            value = 10
        else:
            return False
        total += weight * value
    return total % 11 == 0


# --- tests ---
assert isbn10_valid("0-306-40615-2") is True
assert isbn10_valid("0306406152") is True
assert isbn10_valid("0 306 40615 2") is True
assert isbn10_valid("0-306-40615-3") is False
assert isbn10_valid("0-8044-2957-X") is True
assert isbn10_valid("080442957x") is True
assert isbn10_valid("0-8044-2957-9") is False
assert isbn10_valid("0000000000") is True
assert isbn10_valid("0000000001") is False
assert isbn10_valid("1000000001") is True
assert isbn10_valid("0100000009") is False
assert isbn10_valid("X00000000X") is False
assert isbn10_valid("030640615") is False
assert isbn10_valid("03064061522") is False
assert isbn10_valid("") is False
assert isbn10_valid("----------") is False
assert isbn10_valid("03064O6152") is False
assert isbn10_valid("0306406152 ") is True
assert isbn10_valid("030640615/") is False
assert isbn10_valid("03064:6152") is False
