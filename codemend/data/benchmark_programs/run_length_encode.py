def run_length_encode(text):
    """'aaabcc' -> 'a3b1c2': each run of a character becomes the character and its length."""
    if not text:
        return ""
    parts = []
    current, count = text[0], 1
    for char in text[1:]:
        if char == current:
            count += 1
        else:
            parts.append(f"{current}{count}")
            current, count = char, 1
    parts.append(f"{current}{count}")
    return "".join(parts)


# --- tests ---
assert run_length_encode("") == ""
assert run_length_encode("a") == "a1"
assert run_length_encode("aa") == "a2"
assert run_length_encode("ab") == "a1b1"
assert run_length_encode("aaabcc") == "a3b1c2"
assert run_length_encode("abba") == "a1b2a1"
assert run_length_encode("zzzzzzzzzzzz") == "z12"
assert run_length_encode("  x") == " 2x1"
assert run_length_encode("aabbbaa") == "a2b3a2"
assert run_length_encode("xyz") == "x1y1z1"
