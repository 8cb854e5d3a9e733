def nested_depth(value):
    """Maximum nesting depth of lists, tuples and dicts in value.

    A scalar (including a string) has depth 0, [] has depth 1 and
    [1, [2]] has depth 2. For a dict only its values are inspected.
    """
    if isinstance(value, dict):
        value = list(value.values())
    elif not isinstance(value, (list, tuple)):
        return 0
    deepest = 0
    for item in value:
        depth = nested_depth(item)
        if depth > deepest:
            deepest = depth
    return deepest + 1


# --- tests ---
assert nested_depth(5) == 0
assert nested_depth("abc") == 0
assert nested_depth(None) == 0
assert nested_depth([]) == 1
assert nested_depth(()) == 1
assert nested_depth({}) == 1
assert nested_depth([1, 2, 3]) == 1
assert nested_depth([1, [2]]) == 2
assert nested_depth([[1], 2]) == 2
assert nested_depth([[[]]]) == 3
assert nested_depth([[1, [2, [3]]], [4]]) == 4
assert nested_depth([[4], [1, [2, [3]]]]) == 4
assert nested_depth([[[1]], [2], 3]) == 3
assert nested_depth((1, (2, [3]))) == 3
assert nested_depth({"a": [1, {"b": []}]}) == 4
assert nested_depth({"k": 1}) == 1
assert nested_depth({"k": "v", "l": [["deep"]]}) == 3
assert nested_depth(["text", ["more"]]) == 2
