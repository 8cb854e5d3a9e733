import string

ALPHABET = string.digits + string.ascii_letters  # 0-9, a-z, A-Z


def encode_base62(number):
    """Encode an integer in base 62; negatives get a leading '-'."""
    if number == 0:
        return ALPHABET[0]
    sign = ""
    if number < 0:
        sign, number = "-", -number
    digits = []
    while number > 0:
        number, rem = divmod(number, 62)
        digits.append(ALPHABET[rem])
    return sign + "".join(reversed(digits))


def decode_base62(text):
    """Decode a string made by encode_base62; raise ValueError on bad input."""
    if not text or text == "-":
        raise ValueError("empty input")
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    value = 0
    for ch in text:
        index = ALPHABET.find(ch)
        if index < 0:
            raise ValueError("bad character: %r" % ch)
        value = value * 62 + index
    return -value if negative else value


# --- tests ---
def raises(func, arg):
    try:
        func(arg)
    except ValueError:
        return True
    return False


assert encode_base62(0) == "0"
assert encode_base62(9) == "9"
assert encode_base62(10) == "a"
assert encode_base62(36) == "A"
assert encode_base62(61) == "Z"
assert encode_base62(62) == "10"
assert encode_base62(3843) == "ZZ"
assert encode_base62(3844) == "100"
assert encode_base62(-125) == "-21"
assert decode_base62("0") == 0
assert decode_base62("z") == 35
assert decode_base62("10") == 62
assert decode_base62("-ZZ") == -3843
assert decode_base62("001") == 1
assert all(decode_base62(encode_base62(n)) == n for n in [1, 61, 62, 99999, -7, 10 ** 20])
assert raises(decode_base62, "")
assert raises(decode_base62, "-")
assert raises(decode_base62, "a!b")
assert raises(decode_base62, "1-2")
assert not raises(decode_base62, "aZ")
