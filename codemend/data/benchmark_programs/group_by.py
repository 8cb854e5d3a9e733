def group_by(items, key):
    """{key(item): [items with that key, in order]}; keys in order of first appearance."""
    groups = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


# --- tests ---
assert group_by([], len) == {}
assert group_by(["a"], len) == {1: ["a"]}
assert group_by(["a", "bb", "c", "dd", "eee"], len) == {1: ["a", "c"], 2: ["bb", "dd"], 3: ["eee"]}
assert group_by(range(6), lambda n: n % 2) == {0: [0, 2, 4], 1: [1, 3, 5]}
assert list(group_by([3, 1, 2], lambda n: n)) == [3, 1, 2]
assert group_by(["apple", "avocado", "banana"], lambda word: word[0]) == {"a": ["apple", "avocado"], "b": ["banana"]}
first = group_by([1, 2], lambda n: "all")
second = group_by([3], lambda n: "all")
assert first == {"all": [1, 2]}
assert second == {"all": [3]}
