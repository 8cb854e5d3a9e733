def run_length_decode(encoded):
    """'a3b1c12' -> 'aaab' followed by twelve 'c's: the inverse of run-length encoding."""
    result = []
    i = 0
    while i < len(encoded):
        char = encoded[i]
        j = i + 1
        while j < len(encoded) and encoded[j].isdigit():
            j += 1
        result.append(char * int(encoded[i + 1:j]))
        i = j
    return "".join(result)


# --- tests ---
assert run_length_decode("") == ""
assert run_length_decode("a1") == "a"
assert run_length_decode("a3") == "aaa"
assert run_length_decode("a3b1c2") == "aaabcc"
assert run_length_decode("z12") == "z" * 12
assert run_length_decode("x10y2") == "x" * 10 + "yy"
assert run_length_decode(" 2x1") == "  x"
assert run_length_decode("a1b2a1") == "abba"
assert run_length_decode("q0r1") == "r"
assert run_length_decode("m105") == "m" * 105
