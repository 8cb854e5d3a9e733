import re


def compress(text):
    """Compress runs of repeated characters: "aabccc" -> "a2bc3"."""
    if any(ch.isdigit() for ch in text):
        raise ValueError("digits cannot be compressed")
    pieces = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        run = j - i
        pieces.append(text[i] if run == 1 else text[i] + str(run))
        i = j
    return "".join(pieces)


def decompress(packed):
    """Inverse of compress: "a2bc3" -> "aabccc"; ValueError if malformed."""
    if not re.fullmatch(r"(\D\d*)*", packed):
        raise ValueError("malformed input")
    result = []
    for char, count in re.findall(r"(\D)(\d*)", packed):
        result.append(char * (int(count) if count else 1))
    return "".join(result)


# --- tests ---
def raises(func, arg):
    try:
        func(arg)
    except ValueError:
        return True
    return False


assert compress("") == ""
assert compress("a") == "a"
assert compress("aabccc") == "a2bc3"
assert compress("abc") == "abc"
assert compress("a" * 12) == "a12"
assert compress("aabbaa") == "a2b2a2"
assert compress("  x") == " 2x"
assert compress("xyy") == "xy2"
assert raises(compress, "a1")
assert decompress("") == ""
assert decompress("a2bc3") == "aabccc"
assert decompress("a12") == "a" * 12
assert decompress("xyz") == "xyz"
assert decompress("b1") == "b"
assert all(decompress(compress(s)) == s for s in ["", "q", "aaab", "abbbbbbbbbbbc", "zz yy"])
assert raises(decompress, "3a")
assert not raises(decompress, "a3")
