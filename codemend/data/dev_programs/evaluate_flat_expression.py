import re


def tokenize(text):
    """Split text into integer and operator tokens, rejecting any other character."""
    tokens = re.findall(r"\d+|\S", text)
    for tok in tokens:
        if not tok.isdigit() and tok not in ("+", "-", "*", "/"):
            raise ValueError("bad token: " + tok)
    return tokens


def evaluate_flat_expression(text):
    """Evaluate non-negative integers joined by + - * / (no brackets).

    * and / bind tighter than + and -, all operators are left-associative,
    and / is integer division truncating toward zero."""
    tokens = tokenize(text)
    if len(tokens) % 2 == 0:
        raise ValueError("malformed expression")
    for index, tok in enumerate(tokens):
        if tok.isdigit() != (index % 2 == 0):
            raise ValueError("malformed expression")
    total = 0
    sign = 1
    term = int(tokens[0])
    for index in range(1, len(tokens), 2):
        op, value = tokens[index], int(tokens[index + 1])
        if op == "*":
            term *= value
        elif op == "/":
            term //= value
        else:
            total += sign * term
            sign = 1 if op == "+" else -1
            term = value
    return total + sign * term


# --- tests ---
assert tokenize(" 12+3 ") == ["12", "+", "3"]
assert evaluate_flat_expression("42") == 42
assert evaluate_flat_expression(" 6 * 7 ") == 42
assert evaluate_flat_expression("2+3*4") == 14
assert evaluate_flat_expression("2*3+4") == 10
assert evaluate_flat_expression("10-4-3") == 3
assert evaluate_flat_expression("8/2/2") == 2
assert evaluate_flat_expression("7-7/2") == 4
assert evaluate_flat_expression("1-10/3") == -2
assert evaluate_flat_expression("100/7*7") == 98
assert evaluate_flat_expression("0-5+2") == -3
assert evaluate_flat_expression("3-2*5+1") == -6
assert evaluate_flat_expression("2*3*4-5*6") == -6
assert evaluate_flat_expression("9-3+1") == 7
errors = 0
for bad in ["", "1+", "+1", "1++2", "2 x 3", "1 2", "1 2 3", "3 *"]:
    try:
        evaluate_flat_expression(bad)
    except ValueError:
        errors += 1
assert errors == 8
try:
    evaluate_flat_expression("1+4/0")
    divided = True
except ZeroDivisionError:
    divided = False
assert not divided
