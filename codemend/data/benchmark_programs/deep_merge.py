def deep_merge(base, override):
    """A new dict with override's values winning; nested dicts are merged the same way.

    Neither input is modified.
    """
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# --- tests ---
assert deep_merge({}, {}) == {}
assert deep_merge({"a": 1}, {}) == {"a": 1}
assert deep_merge({}, {"a": 1}) == {"a": 1}
assert deep_merge({"a": 1}, {"a": 2}) == {"a": 2}
assert deep_merge({"a": 1}, {"b": 2}) == {"a": 1, "b": 2}
assert deep_merge({"db": {"host": "x", "port": 1}}, {"db": {"port": 2}}) == {"db": {"host": "x", "port": 2}}
assert deep_merge({"a": {"b": {"c": 1, "d": 2}}}, {"a": {"b": {"d": 3}}}) == {"a": {"b": {"c": 1, "d": 3}}}
assert deep_merge({"a": {"b": 1}}, {"a": 5}) == {"a": 5}
assert deep_merge({"a": 5}, {"a": {"b": 1}}) == {"a": {"b": 1}}
base = {"db": {"host": "x"}, "debug": False}
override = {"db": {"port": 2}}
result = deep_merge(base, override)
assert base == {"db": {"host": "x"}, "debug": False}
assert override == {"db": {"port": 2}}
assert result == {"db": {"host": "x", "port": 2}, "debug": False}
