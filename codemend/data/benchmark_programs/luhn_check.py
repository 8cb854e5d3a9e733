def luhn_check(number):
    """True when the digit string passes the Luhn checksum; spaces are ignored."""
    digits = [int(char) for char in number.replace(" ", "")]
    if len(digits) < 2:
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


# --- tests ---
assert luhn_check("") is False
assert luhn_check("0") is False
assert luhn_check("00") is True
assert luhn_check("18") is True
assert luhn_check("59") is True
assert luhn_check("79927398713") is True
assert luhn_check("79927398710") is False
assert luhn_check("4539 3195 0343 6467") is True
assert luhn_check("8273 1232 7352 0569") is False
assert luhn_check("091") is True
assert luhn_check("192") is False
assert luhn_check("4111 1111 1111 1111") is True
assert luhn_check("9") is False
assert luhn_check("42") is True
assert luhn_check("0 ") is False
assert luhn_check("91") is True
