def invert_dict(mapping):
    """{key: value} -> {value: sorted list of the keys that map to it}."""
    inverted = {}
    for key, value in mapping.items():
        inverted.setdefault(value, []).append(key)
    for keys in inverted.values():
        keys.sort()
    return inverted


# --- tests ---
assert invert_dict({}) == {}
assert invert_dict({"a": 1}) == {1: ["a"]}
assert invert_dict({"a": 1, "b": 2}) == {1: ["a"], 2: ["b"]}
assert invert_dict({"b": 1, "a": 1}) == {1: ["a", "b"]}
assert invert_dict({"x": 0, "y": 1, "z": 0}) == {0: ["x", "z"], 1: ["y"]}
assert invert_dict({3: "odd", 2: "even", 1: "odd", 4: "even"}) == {"odd": [1, 3], "even": [2, 4]}
assert list(invert_dict({"q": "b", "p": "a"})) == ["b", "a"]
original = {"k": "v"}
invert_dict(original)
assert original == {"k": "v"}
