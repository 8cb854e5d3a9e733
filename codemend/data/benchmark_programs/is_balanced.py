PAIRS = {")": "(", "]": "[", "}": "{"}


def is_balanced(text):
    """True when every bracket (), [] and {} in text is closed in the right order."""
    stack = []
    for char in text:
        if char in "([{":
            stack.append(char)
        elif char in PAIRS:
            if not stack or stack.pop() != PAIRS[char]:
                return False
    return not stack


# --- tests ---
assert is_balanced("") is True
assert is_balanced("no brackets") is True
assert is_balanced("()") is True
assert is_balanced("([]{})") is True
assert is_balanced("f(a[1], {b: (2)})") is True
assert is_balanced("(") is False
assert is_balanced(")") is False
assert is_balanced(")(") is False
assert is_balanced("(]") is False
assert is_balanced("([)]") is False
assert is_balanced("(()") is False
assert is_balanced("())") is False
assert is_balanced("{[()()]}") is True
assert is_balanced("[[[]]") is False
