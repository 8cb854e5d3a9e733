def eval_rpn(tokens):
    """Value of a postfix expression of int strings and + - * /; division truncates toward 0."""
    stack = []
    for token in tokens:
        if token in ("+", "-", "*", "/"):
            right = stack.pop()
            left = stack.pop()
            if token == "+":
                stack.append(left + right)
            elif token == "-":
                stack.append(left - right)
            elif token == "*":
                stack.append(left * right)
            else:
                stack.append(int(left / right))
        else:
            stack.append(int(token))
    if len(stack) != 1:
        raise ValueError("malformed expression")
    return stack[0]


# --- tests ---
assert eval_rpn(["5"]) == 5
assert eval_rpn(["-5"]) == -5
assert eval_rpn(["2", "3", "+"]) == 5
assert eval_rpn(["2", "3", "-"]) == -1
assert eval_rpn(["2", "3", "*"]) == 6
assert eval_rpn(["7", "2", "/"]) == 3
assert eval_rpn(["-7", "2", "/"]) == -3
assert eval_rpn(["7", "-2", "/"]) == -3
assert eval_rpn(["2", "1", "+", "3", "*"]) == 9
assert eval_rpn(["4", "13", "5", "/", "+"]) == 6
assert eval_rpn(["10", "6", "9", "3", "+", "-11", "*", "/", "*", "17", "+", "5", "+"]) == 22
for bad in ([], ["1", "2"]):
    try:
        eval_rpn(bad)
    except ValueError:
        pass
    else:
        raise AssertionError(f"{bad} should be rejected")
