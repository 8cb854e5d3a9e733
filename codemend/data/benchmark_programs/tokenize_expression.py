def tokenize_expression(expression):
    """Split an arithmetic expression into ints, names and the one-character operators +-*/()."""
    tokens = []
    i = 0
    while i < len(expression):
        char = expression[i]
        if char.isspace():
            i += 1
        elif char.isdigit():
            start = i
            while i < len(expression) and expression[i].isdigit():
                i += 1
            tokens.append(int(expression[start:i]))
        elif char.isalpha() or char == "_":
            start = i
            while i < len(expression) and (expression[i].isalnum() or expression[i] == "_"):
                i += 1
            tokens.append(expression[start:i])
        elif char in "+-*/()":
            tokens.append(char)
            i += 1
        else:
            raise ValueError(f"unexpected character {char!r} at {i}")
    return tokens


# --- tests ---
assert tokenize_expression("") == []
assert tokenize_expression("   ") == []
assert tokenize_expression("7") == [7]
assert tokenize_expression("42") == [42]
assert tokenize_expression("1+2") == [1, "+", 2]
assert tokenize_expression(" 12 * (x1 - 3) ") == [12, "*", "(", "x1", "-", 3, ")"]
assert tokenize_expression("rate_2/100") == ["rate_2", "/", 100]
assert tokenize_expression("_a+b") == ["_a", "+", "b"]
assert tokenize_expression("((a))") == ["(", "(", "a", ")", ")"]
assert tokenize_expression("3x") == [3, "x"]
for bad in ("2 ^ 3", "a = b", "1.5"):
    try:
        tokenize_expression(bad)
    except ValueError:
        pass
    else:
        raise AssertionError(f"{bad!r} should be rejected")
